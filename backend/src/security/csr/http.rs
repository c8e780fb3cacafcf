//! `/api/csrs` and `/api/trust`: the security officer's inbox of
//! certificate signing requests, the decisions on them (approve, deny,
//! upload a chain signed offline), the request PEM for the offline
//! ceremony, the badge count, and the trust inventory every role reads.
//! Each decision's audit entry names the certificate's serial and
//! fingerprint; nothing secret is ever in a response.

use axum::extract::State;
use axum::http::header;
use axum::{Extension, Json};
use serde::Deserialize;
use shared::csr::{
    ApproveOutcome, CsrCount, CsrHistory, CsrInbox, DEFAULT_HISTORY_DAYS, DenyRequest,
    TrustInventory, UploadChain,
};

use crate::api::json::ApiJson;
use crate::api::openapi::respond::{Documented, Pkcs10};
use crate::api::path::CsrPath;
use crate::api::query::ApiQuery;
use crate::audit::Detail;
use crate::auth::Principal;
use crate::error::AppError;
use crate::security::csr::{self, Decided};
use crate::state::AppState;

pub async fn list_csrs(State(state): State<AppState>) -> Result<Json<CsrInbox>, AppError> {
    csr::inbox(&state).await.map(Json)
}

pub async fn count_csrs(State(state): State<AppState>) -> Result<Json<CsrCount>, AppError> {
    let inbox = csr::inbox(&state).await?;
    let mut unread: Vec<String> = inbox
        .unreadable
        .iter()
        .map(|why| why.split(':').next().unwrap_or(why).to_owned())
        .collect();
    unread.dedup();
    Ok(Json(CsrCount {
        pending: inbox.items.len(),
        unread,
    }))
}

/// The query string of the decision history.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct HistoryQuery {
    /// How many days back, 1 to 90 (default 7).
    days: Option<String>,
}

/// The decisions on signing requests of the last days, for every role
/// that reads the inbox.
pub async fn list_csr_history(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> Result<Json<CsrHistory>, AppError> {
    let days = match query.days.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_HISTORY_DAYS,
        Some(days) => days.parse().map_err(|_| {
            AppError::BadRequest(format!("days must be a whole number of days, got {days:?}"))
        })?,
    };
    csr::history(&state, days).await.map(Json)
}

/// The request as a `.csr` PEM file.
pub async fn get_csr_pem(
    State(state): State<AppState>,
    CsrPath { cluster, name }: CsrPath,
) -> Result<Documented<Pkcs10>, AppError> {
    let (cluster, name) = (cluster.as_str(), name.as_str());
    let pem = csr::request_pem(&state, cluster, name).await?;
    Ok(Documented::new((
        [
            (header::CONTENT_TYPE, "application/pkcs10".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.csr\"", file_name(cluster, name)),
            ),
        ],
        pem,
    )))
}

/// `cluster-name` with anything but letters, digits, `.`, `-` and `_`
/// replaced: a request's name may hold characters a header's quoted
/// file name cannot.
fn file_name(cluster: &str, name: &str) -> String {
    format!("{cluster}-{name}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn decision_detail(cluster: &str, name: &str) -> Detail {
    let target = if name == shared::csr::HSM_REQUEST_NAME {
        "istiod's CA request (secret istio-system/istio-ca-cert-csr)".to_owned()
    } else {
        format!("CertificateSigningRequest {name}")
    };
    Detail::new()
        .cluster(cluster)
        .target(target)
        .param("name", name)
}

fn with_outcome(mut detail: Detail, decided: &Decided) -> Detail {
    detail = detail
        .param("signer", &decided.signer)
        .param("subject", &decided.subject);
    match &decided.outcome {
        ApproveOutcome::Pending {
            approvals,
            required,
        } => detail
            .param("approvals", format!("{}/{required}", approvals.len()))
            .param("state", "awaiting more approvals"),
        ApproveOutcome::Issued(issued) => detail
            .param("serial", &issued.serial)
            .param("sha256", &issued.sha256_fingerprint)
            .param("approvers", issued.approvers.join(",")),
    }
}

pub async fn approve_csr(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    CsrPath { cluster, name }: CsrPath,
) -> (Detail, Result<Json<ApproveOutcome>, AppError>) {
    let (cluster, name) = (cluster.as_str(), name.as_str());
    let detail = decision_detail(cluster, name);
    match csr::approve(&state, cluster, name, &principal.account.name).await {
        Ok(decided) => (with_outcome(detail, &decided), Ok(Json(decided.outcome))),
        Err(e) => (detail, Err(e)),
    }
}

pub async fn upload_csr_chain(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    CsrPath { cluster, name }: CsrPath,
    ApiJson(body): ApiJson<UploadChain>,
) -> (Detail, Result<Json<ApproveOutcome>, AppError>) {
    let (cluster, name) = (cluster.as_str(), name.as_str());
    let detail = decision_detail(cluster, name).param("ceremony", "offline");
    match csr::upload_chain(
        &state,
        cluster,
        name,
        &principal.account.name,
        &body.chain_pem,
    )
    .await
    {
        Ok(decided) => (with_outcome(detail, &decided), Ok(Json(decided.outcome))),
        Err(e) => (detail, Err(e)),
    }
}

pub async fn deny_csr(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    CsrPath { cluster, name }: CsrPath,
    ApiJson(body): ApiJson<DenyRequest>,
) -> (Detail, Result<Json<serde_json::Value>, AppError>) {
    let (cluster, name) = (cluster.as_str(), name.as_str());
    let detail = decision_detail(cluster, name).param("reason", body.reason.trim());
    match csr::deny(&state, cluster, name, &principal.account.name, &body.reason).await {
        Ok(denied) => (
            detail
                .param("signer", &denied.signer)
                .param("subject", &denied.subject),
            Ok(Json(serde_json::json!({"denied": name}))),
        ),
        Err(e) => (detail, Err(e)),
    }
}

pub async fn get_trust(State(state): State<AppState>) -> Json<TrustInventory> {
    Json(crate::security::trust::inventory(&state).await)
}
