//! Core v1 Events as the real components record them: one object per
//! (involved object, reason, message), its `count` and `lastTimestamp`
//! bumped when the same thing happens again.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use super::util::{self, EVENTS};
use crate::clock;
use crate::cluster::Cluster;
use crate::ops;

/// Who reports an event: `kubelet` on `node-1`, `deployment-controller`.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub component: &'a str,
    pub host: Option<&'a str>,
}

impl<'a> Source<'a> {
    pub const fn controller(component: &'a str) -> Self {
        Self {
            component,
            host: None,
        }
    }

    pub const fn kubelet(node: &'a str) -> Self {
        Self {
            component: "kubelet",
            host: Some(node),
        }
    }
}

/// `Normal` or `Warning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Normal,
    Warning,
}

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// Records an event about `involved` (a stored object).
pub async fn record(
    cluster: &Cluster,
    involved: &Value,
    field_path: Option<&str>,
    kind: Type,
    reason: &str,
    message: &str,
    source: Source<'_>,
) {
    let Some(rt) = util::rt(cluster, EVENTS) else {
        return;
    };
    let obj_ns = util::str_at(involved, "/metadata/namespace");
    let ns = if obj_ns.is_empty() { "default" } else { obj_ns };
    let obj_uid = util::uid(involved);
    let now = clock::now_rfc3339();
    let opts = util::writer(source.component, source.component);

    let (existing, _) = cluster.store.list(EVENTS, Some(ns));
    if let Some(same) = existing.iter().find(|e| {
        e["involvedObject"]["uid"] == obj_uid
            && e["reason"] == reason
            && e["message"] == message
            && e["involvedObject"]["fieldPath"].as_str() == field_path
    }) {
        let mut bumped = (**same).clone();
        bumped["count"] = json!(same["count"].as_i64().unwrap_or(1) + 1);
        bumped["lastTimestamp"] = json!(now);
        let name = util::name(same).to_owned();
        let _ = ops::update(cluster, &rt, ns, &name, bumped, None, &opts).await;
        return;
    }

    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
        + SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let mut involved_ref = json!({
        "kind": involved["kind"],
        "name": involved["metadata"]["name"],
        "uid": obj_uid,
        "apiVersion": involved["apiVersion"],
        "resourceVersion": involved["metadata"]["resourceVersion"],
    });
    if !obj_ns.is_empty() {
        involved_ref["namespace"] = json!(obj_ns);
    }
    if let Some(path) = field_path {
        involved_ref["fieldPath"] = json!(path);
    }
    let mut source_obj = json!({"component": source.component});
    if let Some(host) = source.host {
        source_obj["host"] = json!(host);
    }
    let body = json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": format!("{}.{nanos:x}", util::name(involved)),
            "namespace": ns,
        },
        "involvedObject": involved_ref,
        "reason": reason,
        "message": message,
        "source": source_obj,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
        "type": match kind { Type::Normal => "Normal", Type::Warning => "Warning" },
        "eventTime": null,
        "reportingComponent": source.component,
        "reportingInstance": source.host.unwrap_or(""),
    });
    if let Err(e) = ops::create(cluster, &rt, ns, body, &opts).await {
        tracing::debug!(cluster = %cluster.name, reason, error = %e.message, "event not recorded");
    }
}
