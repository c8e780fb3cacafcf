//! `/api/audit`: the activity log, filtered and paged server-side, its
//! export as streamed JSON lines, and the chain check.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use futures_util::{StreamExt, stream};
use serde::Deserialize;
use shared::audit::MAX_PAGE_SIZE;
use shared::{AuditFilter, AuditPage, ChainReport, Outcome};

use crate::api::openapi::respond::{Documented, JsonLines};
use crate::api::query::ApiQuery;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::StoreError;

/// The query string as sent; `filter` and `paging` check every field.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    cluster: Option<String>,
    outcome: Option<String>,
    since: Option<String>,
    until: Option<String>,
    /// `1`: only successful changes (no sign-ins, reviews or refusals).
    changes: Option<String>,
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
            changes_only: match self.changes.as_deref().unwrap_or("") {
                "" | "0" => false,
                "1" => true,
                other => {
                    return Err(AppError::BadRequest(format!(
                        "changes must be 1 or 0, got {other:?}"
                    )));
                }
            },
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
    ApiQuery(query): ApiQuery<AuditQuery>,
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

/// The filtered log as JSON lines, newest first, read and sent a page at
/// a time. The first page is read before the response starts, so a failing
/// database is an error status; a later failure cuts the download short
/// (logged), which a JSON-lines reader sees as a missing last line.
pub async fn export_audit(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Documented<JsonLines>, AppError> {
    let filter = query.filter()?;
    let store = state.store().clone();
    let first = store.audit_matching_before(&filter, None).await?;
    let pages = stream::unfold(Some((store, filter, first)), |next| async move {
        let (store, filter, page) = next?;
        let oldest = page.last().map(|e| e.seq)?;
        let mut lines = String::new();
        for entry in &page {
            match serde_json::to_string(entry) {
                Ok(line) => {
                    lines.push_str(&line);
                    lines.push('\n');
                }
                Err(err) => return Some((Err(StoreError::Corrupt(err.to_string())), None)),
            }
        }
        let following = if i64::try_from(page.len()).unwrap_or(i64::MAX) < store.audit_page_size() {
            Ok(Vec::new())
        } else {
            store.audit_matching_before(&filter, Some(oldest)).await
        };
        match following {
            Ok(following) => Some((Ok(lines), Some((store, filter, following)))),
            Err(err) => {
                tracing::error!(error = %err, "the audit export stopped");
                Some((Err(err), None))
            }
        }
    });
    Ok(Documented::new((
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"meshdeck-audit.jsonl\"",
            ),
        ],
        // Fused: the compression layer polls a body once more after its
        // end, which an unfused `unfold` answers with a panic.
        Body::from_stream(pages.fuse()),
    )))
}

/// The chain checked page by page, with the server's key, against the
/// server's checkpoint file.
pub async fn verify_audit(State(state): State<AppState>) -> Result<Json<ChainReport>, AppError> {
    let report = crate::audit::verify::verify_with_own_checkpoint(state.store()).await?;
    if let Some(broken) = &report.broken {
        tracing::warn!(seq = broken.seq, reason = %broken.reason, "the audit chain is broken");
    }
    Ok(Json(report))
}
