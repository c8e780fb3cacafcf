//! Migrated workloads: preview and deploy a spec (or take over objects
//! other owners manage), follow migrations, the
//! image-pull doctor and its fix, delete a migration.

use shared::workloads::api::{
    DeployRequest, DoctorReport, Migration, MigrationStatus, Preview, RegistryAccessRequest,
    TakeoverRequest,
};
use shared::{ApiError, routes};

pub async fn preview(request: DeployRequest) -> Result<Preview, ApiError> {
    super::post_json(routes::WORKLOAD_PREVIEW, &request).await
}

pub async fn deploy(request: DeployRequest) -> Result<Migration, ApiError> {
    super::post_json(routes::WORKLOAD_MIGRATIONS, &request).await
}

/// Deploys taking over the objects other owners manage, named exactly.
pub async fn take_over(request: TakeoverRequest) -> Result<Migration, ApiError> {
    super::post_json(routes::WORKLOAD_TAKEOVER, &request).await
}

pub async fn list() -> Result<Vec<MigrationStatus>, ApiError> {
    super::get_json(routes::WORKLOAD_MIGRATIONS).await
}

pub async fn doctor(id: String) -> Result<DoctorReport, ApiError> {
    super::get_json(&routes::fill(routes::WORKLOAD_DOCTOR, &[&id])).await
}

pub async fn set_registry_access(
    id: String,
    request: RegistryAccessRequest,
) -> Result<Migration, ApiError> {
    super::post_json(
        &routes::fill(routes::WORKLOAD_REGISTRY_ACCESS, &[&id]),
        &request,
    )
    .await
}

pub async fn remove(id: String) -> Result<(), ApiError> {
    super::delete(&routes::fill(routes::WORKLOAD_MIGRATION, &[&id])).await
}
