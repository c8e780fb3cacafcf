//! `/api/audit`: the activity log, filtered and paged server-side, its
//! export as JSON lines, and the hash-chain check.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use shared::audit::MAX_PAGE_SIZE;
use shared::{AuditFilter, AuditPage, ChainReport, Outcome};

use crate::error::AppError;
use crate::state::AppState;

/// The query string as sent; `filter` and `paging` check every field.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    cluster: Option<String>,
    outcome: Option<String>,
    since: Option<String>,
    until: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

fn number<T: std::str::FromStr>(name: &str, value: Option<&str>) -> Result<Option<T>, AppError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse()
                .map_err(|_| AppError::BadRequest(format!("{name} must be a number, got {v:?}")))
        })
        .transpose()
}

impl AuditQuery {
    fn filter(&self) -> Result<AuditFilter, AppError> {
        let text = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        Ok(AuditFilter {
            actor: text(&self.actor),
            action: text(&self.action),
            cluster: text(&self.cluster),
            outcome: self
                .outcome
                .as_deref()
                .filter(|v| !v.is_empty())
                .map(str::parse::<Outcome>)
                .transpose()
                .map_err(AppError::BadRequest)?,
            since: number("since", self.since.as_deref())?,
            until: number("until", self.until.as_deref())?,
        })
    }

    fn paging(&self) -> Result<(u32, u32), AppError> {
        let page = number::<u32>("page", self.page.as_deref())?
            .unwrap_or(1)
            .max(1);
        let per_page = number::<u32>("per_page", self.per_page.as_deref())?
            .unwrap_or(50)
            .clamp(1, MAX_PAGE_SIZE);
        Ok((page, per_page))
    }
}

pub async fn list_audit(
    State(state): State<AppState>,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditPage>, AppError> {
    let filter = query.filter()?;
    let (page, per_page) = query.paging()?;
    let (entries, total) = state.store().audit_page(&filter, page, per_page).await?;
    Ok(Json(AuditPage {
        entries,
        total,
        page,
        per_page,
    }))
}

pub async fn export_audit(
    State(state): State<AppState>,
    Query(query): Query<AuditQuery>,
) -> Result<impl IntoResponse, AppError> {
    let entries = state.store().audit_matching(&query.filter()?).await?;
    let mut body = String::new();
    for entry in entries {
        let line =
            serde_json::to_string(&entry).map_err(|err| AppError::Internal(err.to_string()))?;
        body.push_str(&line);
        body.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"meshdeck-audit.jsonl\"",
            ),
        ],
        body,
    ))
}

pub async fn verify_audit(State(state): State<AppState>) -> Result<Json<ChainReport>, AppError> {
    let (chain, head) = state.store().audit_chain().await?;
    let report = crate::audit::chain::verify(&chain, head.as_ref());
    if let Some(broken) = &report.broken {
        tracing::warn!(seq = broken.seq, reason = %broken.reason, "the audit chain is broken");
    }
    Ok(Json(report))
}
