//! Certificate signing approvals: the inbox, its badge count, decisions,
//! the offline ceremony's download and upload, and the trust inventory.

use shared::ApiError;
use shared::csr::{
    ApproveOutcome, CsrCount, CsrHistory, CsrInbox, DenyRequest, TrustInventory, UploadChain,
};
use shared::routes;

pub async fn inbox() -> Result<CsrInbox, ApiError> {
    super::get_json(routes::CSRS).await
}

pub async fn count() -> Result<CsrCount, ApiError> {
    super::get_json(routes::CSR_COUNT).await
}

pub async fn trust() -> Result<TrustInventory, ApiError> {
    super::get_json(routes::TRUST).await
}

pub async fn approve(cluster: String, name: String) -> Result<ApproveOutcome, ApiError> {
    let path = routes::fill(routes::CSR_APPROVE, &[&cluster, &name]);
    super::post_json(&path, &serde_json::json!({})).await
}

pub async fn deny(cluster: String, name: String, reason: String) -> Result<(), ApiError> {
    let path = routes::fill(routes::CSR_DENY, &[&cluster, &name]);
    super::post_json::<_, serde_json::Value>(&path, &DenyRequest { reason })
        .await
        .map(|_| ())
}

pub async fn upload(
    cluster: String,
    name: String,
    chain_pem: String,
) -> Result<ApproveOutcome, ApiError> {
    let path = routes::fill(routes::CSR_CHAIN, &[&cluster, &name]);
    super::post_json(&path, &UploadChain { chain_pem }).await
}

/// Where the browser downloads the request as PEM.
pub fn pem_url(cluster: &str, name: &str) -> String {
    routes::fill(routes::CSR, &[&cluster, &name])
}

/// The requests decided in the last `days` days, newest first.
pub async fn history(days: u32) -> Result<CsrHistory, ApiError> {
    super::get_json(&format!("{}?days={days}", routes::CSR_HISTORY)).await
}
