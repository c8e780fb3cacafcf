//! `/api/ca/roots`: every role reads the mesh roots; only security
//! officers create one in the token, import, rotate or retire one, and
//! publish a mesh's trust bundle to its members (issue 21). Each act's
//! audit entry names the mesh and the root's fingerprint.

use axum::extract::State;
use axum::{Extension, Json};
use shared::csr::{BundlePublished, CreateRoot, ImportRoot, MeshRoot, MeshRoots, RootRotated};

use crate::api::json::ApiJson;
use crate::api::openapi::respond::Created;
use crate::api::path::FingerprintPath;
use crate::audit::Detail;
use crate::auth::Principal;
use crate::error::AppError;
use crate::security::roots;
use crate::state::AppState;

pub async fn list_roots(State(state): State<AppState>) -> Result<Json<MeshRoots>, AppError> {
    roots::list(&state).await.map(Json)
}

fn audited(detail: Detail, root: &MeshRoot) -> Detail {
    detail
        .param("sha256", &root.fingerprint)
        .param("subject", &root.subject)
}

pub async fn create_root(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(body): ApiJson<CreateRoot>,
) -> (Detail, Result<Created<MeshRoot>, AppError>) {
    let detail = Detail::new()
        .target(format!("mesh root of {}", body.mesh))
        .param("mesh", &body.mesh);
    match roots::create(&state, &body.mesh, &principal.account.name).await {
        Ok(root) => (
            audited(detail, &root).param("not_after", root.not_after),
            Ok(Created(root)),
        ),
        Err(e) => (detail, Err(e)),
    }
}

pub async fn import_root(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(body): ApiJson<ImportRoot>,
) -> (Detail, Result<Created<MeshRoot>, AppError>) {
    let detail = Detail::new()
        .target(format!("mesh root of {}", body.mesh))
        .param("mesh", &body.mesh);
    match roots::import(
        &state,
        &body.mesh,
        &body.certificate_pem,
        &principal.account.name,
    )
    .await
    {
        Ok(root) => (
            audited(detail, &root).param("not_after", root.not_after),
            Ok(Created(root)),
        ),
        Err(e) => (detail, Err(e)),
    }
}

/// What a publication did, for the audit entry.
fn published(detail: Detail, report: &BundlePublished) -> Detail {
    let failed: Vec<&str> = report.failed.iter().map(|f| f.cluster.as_str()).collect();
    detail
        .param("bundle", report.bundle.join(","))
        .param("written", report.written.join(","))
        .param("failed", failed.join(","))
}

pub async fn rotate_root(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    FingerprintPath(fingerprint): FingerprintPath,
) -> (Detail, Result<Json<RootRotated>, AppError>) {
    let detail = Detail::new()
        .target(format!("mesh root {fingerprint}"))
        .param("previous", fingerprint.as_str());
    match roots::rotate(&state, fingerprint.as_str(), &principal.account.name).await {
        Ok(rotated) => (
            published(audited(detail, &rotated.root), &rotated.published)
                .param("mesh", &rotated.root.mesh),
            Ok(Json(rotated)),
        ),
        Err(e) => (detail, Err(e)),
    }
}

pub async fn publish_bundle(
    State(state): State<AppState>,
    FingerprintPath(fingerprint): FingerprintPath,
) -> (Detail, Result<Json<BundlePublished>, AppError>) {
    let detail = Detail::new().target(format!("trust bundle of mesh root {fingerprint}"));
    let mesh = match roots::mesh_of(&state, fingerprint.as_str()).await {
        Ok(mesh) => mesh,
        Err(e) => return (detail, Err(e)),
    };
    let detail = detail.param("mesh", &mesh);
    match roots::publish::publish(&state, &mesh).await {
        Ok(report) => (published(detail, &report), Ok(Json(report))),
        Err(e) => (detail, Err(e)),
    }
}

pub async fn retire_root(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    FingerprintPath(fingerprint): FingerprintPath,
) -> (Detail, Result<Json<MeshRoot>, AppError>) {
    let detail = Detail::new().target(format!("mesh root {fingerprint}"));
    match roots::retire(&state, fingerprint.as_str(), &principal.account.name).await {
        Ok(root) => {
            // An imported root's key was made by the HSM's tooling and
            // stays in the token; only the console's certificate goes.
            let key = if root.imported { "kept" } else { "destroyed" };
            (
                audited(detail, &root)
                    .param("mesh", &root.mesh)
                    .param("key", key),
                Ok(Json(root)),
            )
        }
        Err(e) => (detail, Err(e)),
    }
}
