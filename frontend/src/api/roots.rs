//! The mesh roots in the console's token: the list every role reads, and
//! the security officer's create, import, rotate, publish and retire.

use shared::ApiError;
use shared::csr::{BundlePublished, CreateRoot, ImportRoot, MeshRoot, MeshRoots, RootRotated};
use shared::mesh::MeshId;
use shared::routes;

pub async fn list() -> Result<MeshRoots, ApiError> {
    super::get_json(routes::CA_ROOTS).await
}

pub async fn create(mesh: MeshId) -> Result<MeshRoot, ApiError> {
    super::post_json(routes::CA_ROOTS, &CreateRoot { mesh }).await
}

pub async fn import(mesh: MeshId, certificate_pem: String) -> Result<MeshRoot, ApiError> {
    let body = ImportRoot {
        mesh,
        certificate_pem,
    };
    super::post_json(routes::CA_ROOT_IMPORT, &body).await
}

pub async fn rotate(fingerprint: String) -> Result<RootRotated, ApiError> {
    super::post_json(
        &routes::ca_root_rotate(&fingerprint),
        &serde_json::json!({}),
    )
    .await
}

pub async fn publish(fingerprint: String) -> Result<BundlePublished, ApiError> {
    super::post_json(
        &routes::ca_root_publish(&fingerprint),
        &serde_json::json!({}),
    )
    .await
}

pub async fn retire(fingerprint: String) -> Result<MeshRoot, ApiError> {
    super::post_json(
        &routes::ca_root_retire(&fingerprint),
        &serde_json::json!({}),
    )
    .await
}
