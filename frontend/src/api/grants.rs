//! Issuance grants: the list every role reads, and the security officers'
//! propose, approve and revoke.

use shared::ApiError;
use shared::csr::{IssuanceGrant, IssuanceGrants, ProposeGrant};
use shared::routes;

pub async fn list() -> Result<IssuanceGrants, ApiError> {
    super::get_json(routes::CA_GRANTS).await
}

pub async fn propose(body: ProposeGrant) -> Result<IssuanceGrant, ApiError> {
    super::post_json(routes::CA_GRANTS, &body).await
}

pub async fn approve(id: String) -> Result<IssuanceGrant, ApiError> {
    super::post_json(&routes::ca_grant_approve(&id), &serde_json::json!({})).await
}

pub async fn revoke(id: String) -> Result<IssuanceGrant, ApiError> {
    super::post_json(&routes::ca_grant_revoke(&id), &serde_json::json!({})).await
}
