//! `/api/clusters/{name}/hsm/…`: the operator's side of HSM mode (SPEC
//! §2.2 mode 3): checking an install's HSM settings against Vault and the
//! HSM, and provisioning the cluster's slot and KEK. Responses carry slot
//! labels, KEK ids and Vault paths, never a PIN.

use axum::Json;
use axum::extract::State;
use shared::ClusterName;
use shared::mesh::{HsmReadiness, HsmSettings, HsmSlotProvisioned, HsmSlotRequest};

use crate::api::json::ApiJson;
use crate::api::path::ClusterNamePath;
use crate::audit::Detail;
use crate::error::AppError;
use crate::security::hsm;
use crate::state::AppState;

/// `name` when the fleet has that member; otherwise a 404 naming it.
fn known(state: &AppState, name: ClusterName) -> Result<ClusterName, AppError> {
    match state.fleet().cluster(name.as_str()) {
        Some(_) => Ok(name),
        None => Err(AppError::UnknownCluster(name.to_string())),
    }
}

pub async fn check_hsm(
    State(state): State<AppState>,
    ClusterNamePath(name): ClusterNamePath,
    ApiJson(settings): ApiJson<HsmSettings>,
) -> (Detail, Result<Json<HsmReadiness>, AppError>) {
    let detail = Detail::new()
        .cluster(name.as_str())
        .target(format!("HSM slot {}", settings.slot_label))
        .param("kek_id", &settings.kek_id)
        .param("secret_path", &settings.secret_path);
    let result = match known(&state, name) {
        Ok(name) => Ok(Json(hsm::check(&state, name.as_str(), &settings).await)),
        Err(e) => Err(e),
    };
    (detail, result)
}

pub async fn provision_hsm_slot(
    State(state): State<AppState>,
    ClusterNamePath(name): ClusterNamePath,
    ApiJson(request): ApiJson<HsmSlotRequest>,
) -> (Detail, Result<Json<HsmSlotProvisioned>, AppError>) {
    let mut detail = Detail::new()
        .cluster(name.as_str())
        .target(format!("HSM slot {}", request.slot_label))
        .param("secret_path", &request.secret_path);
    let result = match known(&state, name) {
        Ok(cluster) => hsm::provision(&state, &cluster, &request).await,
        Err(e) => Err(e),
    };
    if let Ok(done) = &result {
        detail = detail
            .param("kek_id", &done.settings.kek_id)
            .param("slot_initialised", done.slot_initialised.to_string())
            .param("kek_generated", done.kek_generated.to_string())
            .param("credentials_stored", done.credentials_stored.to_string())
            .param(
                "network_credentials_stored",
                done.network_stored.to_string(),
            );
    }
    (detail, result.map(Json))
}
