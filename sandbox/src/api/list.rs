//! LIST: label and field selectors, `limit`/`continue` paging, and Tables
//! for `kubectl get`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::{include_object, ok, table};
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
    // Streamed in chunks written straight from the store's shared copies:
    // the whole list is never copied, nor held serialised in one buffer.
    let head = format!(
        "{{\"kind\":\"{}List\",\"apiVersion\":\"{}\",\"metadata\":{},\"items\":[",
        rt.kind,
        rt.api_version(),
        meta
    );
    let body = ListBody {
        head: Some(head.into_bytes()),
        items: items.into_iter(),
        first: true,
        done: false,
    };
    let mut response = Response::new(Body::from_stream(futures_util::stream::iter(body)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// About how many bytes of a LIST body go in one chunk.
const CHUNK: usize = 256 * 1024;

/// A `<Kind>List` body, serialised a chunk at a time as it is sent.
struct ListBody {
    /// The opening up to `"items":[`, until the first chunk takes it.
    head: Option<Vec<u8>>,
    items: std::vec::IntoIter<Arc<Value>>,
    first: bool,
    done: bool,
}

impl Iterator for ListBody {
    type Item = Result<Bytes, Infallible>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut buf = self.head.take().unwrap_or_default();
        buf.reserve(CHUNK);
        while buf.len() < CHUNK {
            let Some(item) = self.items.next() else {
                buf.extend_from_slice(b"]}");
                self.done = true;
                break;
            };
            if !self.first {
                buf.push(b',');
            }
            self.first = false;
            // Writing a Value into memory cannot fail: its keys are strings.
            serde_json::to_writer(&mut buf, &*item).unwrap_or(());
        }
        Some(Ok(Bytes::from(buf)))
    }
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
