//! The options of a write or a delete, from the query a client sends
//! (`dryRun`, `fieldManager`, `fieldValidation`, `force`,
//! `propagationPolicy`) and a `DeleteOptions` body.

use axum::http::header;
use serde_json::Value;

use super::{Call, Query_, is_true};
use crate::ops::{DeleteOptions, WriteOptions};
use crate::status::ApiStatus;

pub(super) fn write_options(call: &Call) -> WriteOptions {
    let q = &call.query;
    WriteOptions {
        dry_run: q.get("dryRun").is_some_and(|v| v == "All"),
        field_manager: q.get("fieldManager").cloned(),
        strict: q.get("fieldValidation").is_some_and(|v| v == "Strict"),
        force: is_true(q, "force"),
        user_agent: call
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    }
}

/// Options from the query and from a `DeleteOptions` body (JSON; a body in
/// another encoding falls back to the query alone).
pub(super) fn delete_options(query: &Query_, body: &[u8]) -> Result<DeleteOptions, ApiStatus> {
    let sent: Value = if body.is_empty() || body.starts_with(b"k8s\0") {
        Value::Null
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiStatus::bad_request(format!("invalid DeleteOptions: {e}")))?
    };
    let text = |v: &Value| v.as_str().map(str::to_owned);
    Ok(DeleteOptions {
        dry_run: query.get("dryRun").is_some_and(|v| v == "All")
            || sent["dryRun"]
                .as_array()
                .is_some_and(|d| d.iter().any(|x| x == "All")),
        propagation: query
            .get("propagationPolicy")
            .cloned()
            .or_else(|| text(&sent["propagationPolicy"]))
            .or_else(|| match sent["orphanDependents"].as_bool() {
                Some(true) => Some("Orphan".into()),
                _ => None,
            }),
        precondition_rv: text(&sent["preconditions"]["resourceVersion"]),
        precondition_uid: text(&sent["preconditions"]["uid"]),
    })
}
