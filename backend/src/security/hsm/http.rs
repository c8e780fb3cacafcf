//! `/api/clusters/{name}/hsm/…`: the operator's side of HSM mode (SPEC
//! §2.2 mode 3): checking an install's HSM settings against Vault and the
//! HSM, and provisioning the cluster's slot and KEK. Responses carry slot
//! labels, KEK ids and Vault paths, never a PIN.

use axum::Json;
use axum::extract::{Path, State};
use shared::mesh::{HsmReadiness, HsmSettings, HsmSlotProvisioned, HsmSlotRequest};

use crate::api::json::ApiJson;
use crate::audit::Detail;
use crate::error::AppError;
use crate::security::hsm;
use crate::state::AppState;

fn known(state: &AppState, name: &str) -> Result<shared::ClusterName, AppError> {
    state
        .fleet()
        .cluster(name)
        .map(|c| c.member.name)
        .ok_or_else(|| AppError::UnknownCluster(name.to_owned()))
}

pub async fn check_hsm(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(settings): ApiJson<HsmSettings>,
) -> (Detail, Result<Json<HsmReadiness>, AppError>) {
    let detail = Detail::new()
        .cluster(&name)
        .target(format!("HSM slot {}", settings.slot_label))
        .param("kek_id", &settings.kek_id)
        .param("secret_path", &settings.secret_path);
    let result = match known(&state, &name) {
        Ok(_) => Ok(Json(hsm::check(&state, &name, &settings).await)),
        Err(e) => Err(e),
    };
    (detail, result)
}

pub async fn provision_hsm_slot(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(request): ApiJson<HsmSlotRequest>,
) -> (Detail, Result<Json<HsmSlotProvisioned>, AppError>) {
    let mut detail = Detail::new()
        .cluster(&name)
        .target(format!("HSM slot {}", request.slot_label))
        .param("secret_path", &request.secret_path);
    let result = match known(&state, &name) {
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
