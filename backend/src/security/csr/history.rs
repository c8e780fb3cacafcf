//! The decisions taken on signing requests in the last days, read back
//! from the audit log: every approval, signature and denial is audited
//! with its officer, cluster, request and reason, so the log is their one
//! record (a denied request may be gone from its cluster long since).

use shared::AuditFilter;
use shared::audit::Outcome;
use shared::csr::history::{
    CsrHistory, DECISION_ACTIONS, MAX_HISTORY_DAYS, MAX_HISTORY_ENTRIES, decided_request,
};

use crate::error::AppError;
use crate::state::AppState;

/// The decisions of the last `days` days (1 to [`MAX_HISTORY_DAYS`]),
/// newest first, at most [`MAX_HISTORY_ENTRIES`].
pub async fn history(state: &AppState, days: u32) -> Result<CsrHistory, AppError> {
    if !(1..=MAX_HISTORY_DAYS).contains(&days) {
        return Err(AppError::BadRequest(format!(
            "days must be between 1 and {MAX_HISTORY_DAYS}, got {days}"
        )));
    }
    let filter = AuditFilter {
        action: Some("csr.".to_owned()),
        outcome: Some(Outcome::Success),
        since: Some(state.clock().now() - i64::from(days) * 86_400),
        ..AuditFilter::default()
    };
    let store = state.store();
    let mut out = CsrHistory {
        days,
        ..CsrHistory::default()
    };
    let mut before = None;
    loop {
        let page = store.audit_matching_before(&filter, before).await?;
        let Some(last) = page.last() else { break };
        before = Some(last.seq);
        let full = i64::try_from(page.len()).unwrap_or(i64::MAX) >= store.audit_page_size();
        for entry in page
            .iter()
            .filter(|e| DECISION_ACTIONS.contains(&e.action.as_str()))
        {
            if out.decisions.len() == MAX_HISTORY_ENTRIES {
                out.truncated = true;
                return Ok(out);
            }
            out.decisions.extend(decided_request(entry));
        }
        if !full {
            break;
        }
    }
    Ok(out)
}
