//! `/api/ca/grants`: every role reads the issuance grants; only security
//! officers propose, approve or revoke one. Each act's audit entry names
//! the grant, its mesh, clusters and trust domain.

use axum::extract::State;
use axum::{Extension, Json};
use shared::csr::{IssuanceGrant, IssuanceGrants, ProposeGrant};

use crate::api::json::ApiJson;
use crate::api::openapi::respond::Created;
use crate::api::path::IdPath;
use crate::audit::Detail;
use crate::auth::Principal;
use crate::error::AppError;
use crate::security::grants;
use crate::state::AppState;

pub async fn list_grants(State(state): State<AppState>) -> Result<Json<IssuanceGrants>, AppError> {
    grants::list(&state).await.map(Json)
}

fn audited(detail: Detail, grant: &IssuanceGrant) -> Detail {
    let clusters: Vec<&str> = grant.clusters.iter().map(|c| c.as_str()).collect();
    detail
        .param("mesh", &grant.mesh)
        .param("clusters", clusters.join(","))
        .param("trust_domain", &grant.trust_domain)
        .param("validity_days", grant.validity_days)
        .param(
            "approvals",
            format!("{}/{}", grant.approvals.len(), grant.required),
        )
        .param("state", grant.state.label())
}

pub async fn propose_grant(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(body): ApiJson<ProposeGrant>,
) -> (Detail, Result<Created<IssuanceGrant>, AppError>) {
    let detail = Detail::new().target(format!("issuance grant in mesh {}", body.mesh));
    match grants::propose(&state, &body, &principal.account.name).await {
        Ok(grant) => (
            audited(detail, &grant).param("id", &grant.id),
            Ok(Created(grant)),
        ),
        Err(e) => (detail, Err(e)),
    }
}

pub async fn approve_grant(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    IdPath(id): IdPath,
) -> (Detail, Result<Json<IssuanceGrant>, AppError>) {
    let detail = Detail::new().target(format!("issuance grant {id}"));
    match grants::approve(&state, id.as_str(), &principal.account.name).await {
        Ok(grant) => (audited(detail, &grant), Ok(Json(grant))),
        Err(e) => (detail, Err(e)),
    }
}

pub async fn revoke_grant(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    IdPath(id): IdPath,
) -> (Detail, Result<Json<IssuanceGrant>, AppError>) {
    let detail = Detail::new().target(format!("issuance grant {id}"));
    match grants::revoke(&state, id.as_str(), &principal.account.name).await {
        Ok(grant) => (audited(detail, &grant), Ok(Json(grant))),
        Err(e) => (detail, Err(e)),
    }
}
