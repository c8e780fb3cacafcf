//! LIST: label and field selectors, `limit`/`continue` paging, and Tables
//! for `kubectl get`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::{include_object, json_text, ok, table};
use crate::cluster::Cluster;
use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::ApiStatus;

/// The objects of `rt` in `namespace` (or all) that match the request's
/// `labelSelector` and `fieldSelector`, with the version listed at.
pub fn select(
    c: &Cluster,
    rt: &ResourceType,
    namespace: Option<&str>,
    query: &HashMap<String, String>,
) -> Result<(Vec<Arc<Value>>, u64), ApiStatus> {
    let labels = LabelSelector::parse(query.get("labelSelector").map_or("", String::as_str))?;
    let fields = FieldSelector::parse(
        query.get("fieldSelector").map_or("", String::as_str),
        &rt.kind,
    )?;
    let namespace = if rt.namespaced { namespace } else { None };
    let (items, rv) = c.store.list(&rt.key(), namespace);
    let items = items
        .into_iter()
        .filter(|o| labels.matches_object(o) && fields.matches(o))
        .collect();
    Ok((items, rv))
}

/// Where a paged list continues: after this object, at this version.
fn encode_continue(rv: u64, after: &Value) -> String {
    let key = json!({
        "rv": rv,
        "ns": after["metadata"]["namespace"].as_str().unwrap_or_default(),
        "name": after["metadata"]["name"].as_str().unwrap_or_default(),
    });
    URL_SAFE_NO_PAD.encode(key.to_string())
}

fn decode_continue(token: &str) -> Result<(String, String), ApiStatus> {
    let invalid =
        || ApiStatus::bad_request("continue key is not valid: the token could not be decoded");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let key: Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    match (key["ns"].as_str(), key["name"].as_str()) {
        (Some(ns), Some(name)) => Ok((ns.to_owned(), name.to_owned())),
        _ => Err(invalid()),
    }
}

/// Answers a LIST as a `<Kind>List`, or a Table when asked.
pub fn serve(
    c: &Cluster,
    rt: &ResourceType,
    namespace: Option<&str>,
    query: &HashMap<String, String>,
    accept: &str,
) -> Result<Response, ApiStatus> {
    let (mut items, rv) = select(c, rt, namespace, query)?;
    if let Some(token) = query.get("continue").filter(|t| !t.is_empty()) {
        let after = decode_continue(token)?;
        let after = (after.0.as_str(), after.1.as_str());
        items.retain(|o| {
            let key = (
                o["metadata"]["namespace"].as_str().unwrap_or_default(),
                o["metadata"]["name"].as_str().unwrap_or_default(),
            );
            key > after
        });
    }
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0);
    let mut cont = None;
    let mut remaining = None;
    if let Some(limit) = limit
        && items.len() > limit
    {
        remaining = Some(items.len() - limit);
        items.truncate(limit);
        cont = items.last().map(|last| encode_continue(rv, last));
    }
    let rv_text = rv.to_string();
    if table::wants_table(accept) {
        return Ok(ok(&table::table(
            &rt.kind,
            &items,
            &rv_text,
            include_object(query),
            cont.as_deref(),
        )));
    }
    let mut meta = json!({"resourceVersion": rv_text});
    if let Some(cont) = cont {
        meta["continue"] = json!(cont);
    }
    if let Some(remaining) = remaining {
        meta["remainingItemCount"] = json!(remaining);
    }
    // Built by hand so the stored objects are serialised straight from the
    // store's shared copies into the body: no clone, no per-item string.
    let mut out = Vec::with_capacity(64 + items.len() * 1024);
    out.extend_from_slice(
        format!(
            "{{\"kind\":\"{}List\",\"apiVersion\":\"{}\",\"metadata\":{},\"items\":[",
            rt.kind,
            rt.api_version(),
            meta
        )
        .as_bytes(),
    );
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &**item).map_err(|e| ApiStatus::internal(e.to_string()))?;
    }
    out.extend_from_slice(b"]}");
    // serde_json writes UTF-8 only, and so does the header above.
    let out = String::from_utf8(out).map_err(|e| ApiStatus::internal(e.to_string()))?;
    Ok(json_text(axum::http::StatusCode::OK, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_reject_garbage() {
        let token = encode_continue(7, &json!({"metadata": {"namespace": "web", "name": "a"}}));
        assert_eq!(decode_continue(&token).unwrap(), ("web".into(), "a".into()));
        assert_eq!(decode_continue("!!").unwrap_err().code, 400);
    }
}
