//! `/api/workloads`: preview and deploy a migrated workload's spec on a
//! member cluster, take over objects other owners manage (confirmed,
//! audited), list migrations with their live rollout, the image-pull
//! doctor and its fix, delete a migration. Operators change; everyone
//! signed in reads. Credentials never come back and never reach the audit
//! log: entries name the secret, its type and how it was wired.

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::{Extension, routing::MethodRouter};
use shared::workloads::api::{
    DeployRequest, DoctorReport, Migration, MigrationStatus, Preview, RegistryAccessRequest,
    TakeoverRequest,
};
use shared::workloads::plan::PlannedSecret;
use shared::workloads::spec::MAX_SPEC_BYTES;

use crate::api::json::ApiJson;
use crate::api::openapi::respond::Created;
use crate::api::path::{MigrationId, MigrationPath};
use crate::audit::Detail;
use crate::auth::Principal;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::workloads::StoredMigration;
use crate::workloads::{deploy, follow, preview};

/// The largest request body: a spec at its limit plus credentials.
pub const MAX_BODY_BYTES: usize = MAX_SPEC_BYTES + 64 * 1024;

/// `router` with the workloads body limit.
pub fn limited(router: MethodRouter<AppState>) -> MethodRouter<AppState> {
    router.layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

fn request_detail(request: &DeployRequest) -> Detail {
    let mut detail = Detail::new()
        .cluster(request.cluster.clone())
        .param("namespace", &request.namespace);
    if let Some(name) = &request.name {
        detail = detail.target(format!("migration/{name}"));
    }
    if let Some(identity) = &request.aws_identity {
        detail = detail
            .param("aws_role_arn", &identity.role_arn)
            .param("fs_group", identity.fs_group);
    }
    detail
}

fn secret_detail(detail: Detail, secret: Option<&PlannedSecret>) -> Detail {
    match secret {
        Some(s) => detail
            .target(format!("secret/{}", s.name))
            .param("pull_secret", &s.name)
            .param("credential", s.credential)
            .param("secret_mode", serde_plain(&s.mode)),
        None => detail,
    }
}

fn serde_plain(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub async fn preview_workload(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<DeployRequest>,
) -> (Detail, Result<Json<Preview>, AppError>) {
    let detail = request_detail(&request);
    let result = async {
        let (plan, target) = deploy::prepare(&state, &request).await?;
        preview::preview(&state, &plan, &target).await
    }
    .await;
    (detail.param("dry_run", true), result.map(Json))
}

pub async fn create_migration(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(request): ApiJson<DeployRequest>,
) -> (Detail, Result<Created<Migration>, AppError>) {
    let detail = request_detail(&request);
    deploy_taking_over(&state, &principal.account.name, &request, &[], detail).await
}

/// Deploys a spec taking over the objects other field managers own, which
/// the request names exactly (the refused deploy's 409 lists them); the
/// audit entry names each. Objects taken over are never deleted with the
/// migration.
pub async fn take_over_objects(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(request): ApiJson<TakeoverRequest>,
) -> (Detail, Result<Created<Migration>, AppError>) {
    let detail = request
        .take_over
        .iter()
        .fold(request_detail(&request.deploy), |d, t| {
            d.param("take_over", t)
        });
    if request.take_over.is_empty() {
        let refused = AppError::BadRequest(
            "name the objects to take over (take_over), as the refused deploy listed them".into(),
        );
        return (detail, Err(refused));
    }
    let who = &principal.account.name;
    deploy_taking_over(&state, who, &request.deploy, &request.take_over, detail).await
}

/// Prepares and deploys `request` as `who`, forcing only the objects named
/// in `take_over`; `detail` gains the migration, its secret and objects.
async fn deploy_taking_over(
    state: &AppState,
    who: &str,
    request: &DeployRequest,
    take_over: &[String],
    mut detail: Detail,
) -> (Detail, Result<Created<Migration>, AppError>) {
    let result = async {
        let (plan, target) = deploy::prepare(state, request).await?;
        detail = secret_detail(
            std::mem::take(&mut detail).target(format!("migration/{}", plan.name)),
            plan.secret.as_ref(),
        );
        deploy::deploy(state, &plan, &target, who, take_over).await
    }
    .await;
    if let Ok(m) = &result {
        detail = m
            .objects
            .iter()
            .fold(detail.param("migration", &m.id), |d, o| d.target(o.title()));
    }
    (detail, result.map(Created))
}

async fn stored(state: &AppState, id: &MigrationId) -> Result<StoredMigration, AppError> {
    state
        .store()
        .find_migration(id.as_str())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("there is no migration {:?}", id.as_str())))
}

/// The audit detail of a change to `found`: its cluster, name and namespace.
fn about(detail: Detail, found: &StoredMigration) -> Detail {
    detail
        .cluster(found.migration.cluster.clone())
        .target(format!("migration/{}", found.migration.name))
        .param("namespace", &found.migration.namespace)
}

pub async fn list_migrations(
    State(state): State<AppState>,
) -> Result<Json<Vec<MigrationStatus>>, AppError> {
    let mut statuses = Vec::new();
    for stored in state.store().list_migrations().await? {
        statuses.push(follow::status(&state, stored).await);
    }
    Ok(Json(statuses))
}

pub async fn get_migration(
    State(state): State<AppState>,
    MigrationPath(id): MigrationPath,
) -> Result<Json<MigrationStatus>, AppError> {
    let stored = stored(&state, &id).await?;
    Ok(Json(follow::status(&state, stored).await))
}

pub async fn get_migration_doctor(
    State(state): State<AppState>,
    MigrationPath(id): MigrationPath,
) -> Result<Json<DoctorReport>, AppError> {
    let stored = stored(&state, &id).await?;
    Ok(Json(follow::doctor(&state, &stored).await?))
}

pub async fn set_registry_access(
    State(state): State<AppState>,
    MigrationPath(id): MigrationPath,
    ApiJson(request): ApiJson<RegistryAccessRequest>,
) -> (Detail, Result<Json<Migration>, AppError>) {
    let mut detail = Detail::new().param("migration", id.as_str());
    let result = async {
        let found = stored(&state, &id).await?;
        detail = about(std::mem::take(&mut detail), &found);
        let (migration, secret) =
            deploy::set_registry_access(&state, found, &request.pull_secret).await?;
        detail = secret_detail(std::mem::take(&mut detail), Some(&secret));
        Ok(migration)
    }
    .await;
    (detail, result.map(Json))
}

pub async fn delete_migration(
    State(state): State<AppState>,
    MigrationPath(id): MigrationPath,
) -> (Detail, Result<Json<Vec<String>>, AppError>) {
    let mut detail = Detail::new().param("migration", id.as_str());
    let result = async {
        let found = stored(&state, &id).await?;
        detail = about(std::mem::take(&mut detail), &found);
        deploy::delete(&state, &found).await
    }
    .await;
    if let Ok(deleted) = &result {
        detail = deleted.iter().fold(detail, |d, t| d.target(t.clone()));
    }
    (detail, result.map(Json))
}
