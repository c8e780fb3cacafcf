//! Small helpers the controllers share: resource types, write options,
//! owner references, conditions.

use serde_json::{Value, json};

use crate::clock;
use crate::cluster::Cluster;
use crate::ops::{self, PatchType, WriteOptions};
use crate::resources::ResourceType;

pub const PODS: &str = "pods";
pub const REPLICASETS: &str = "replicasets.apps";
pub const DEPLOYMENTS: &str = "deployments.apps";
pub const NODES: &str = "nodes";
pub const SERVICES: &str = "services";
pub const ENDPOINTS: &str = "endpoints";
pub const EVENTS: &str = "events";

/// The served type stored under `key` (`replicasets.apps`).
pub fn rt(cluster: &Cluster, key: &str) -> Option<ResourceType> {
    cluster.registry().by_key(key).cloned()
}

/// Write options of a component (`kube-controller-manager`, `kubelet`).
pub fn writer(agent: &str, manager: &str) -> WriteOptions {
    WriteOptions {
        user_agent: format!("{agent}/v1.33.0"),
        field_manager: Some(manager.into()),
        ..WriteOptions::default()
    }
}

pub fn str_at<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
}

pub fn int_at(object: &Value, pointer: &str) -> i64 {
    object.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

pub fn name(object: &Value) -> &str {
    str_at(object, "/metadata/name")
}

pub fn uid(object: &Value) -> &str {
    str_at(object, "/metadata/uid")
}

pub fn is_deleting(object: &Value) -> bool {
    !object["metadata"]["deletionTimestamp"].is_null()
}

/// The ownerReference with `controller: true`, if any.
pub fn controller_ref(object: &Value) -> Option<&Value> {
    object["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|r| r["controller"] == true)
}

/// True when `object` is controlled by the object with `owner_uid`.
pub fn controlled_by(object: &Value, owner_uid: &str) -> bool {
    controller_ref(object).is_some_and(|r| r["uid"] == owner_uid)
}

/// The controlling owner's name when it is of `kind`.
pub fn owner_name<'a>(object: &'a Value, kind: &str) -> Option<&'a str> {
    controller_ref(object)
        .filter(|r| r["kind"] == kind)
        .and_then(|r| r["name"].as_str())
}

/// A controller ownerReference to `owner`.
pub fn owner_ref(owner: &Value) -> Value {
    json!({
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// Sets condition `new` (without timestamps) in `conditions`, keeping the
/// previous `lastTransitionTime` when the status did not change and the
/// previous `lastUpdateTime` (for kinds that have one) when nothing did.
pub fn set_condition(conditions: &mut Vec<Value>, mut new: Value, update_time: bool) {
    let now = clock::now_rfc3339();
    let old = conditions.iter().position(|c| c["type"] == new["type"]);
    let same = |a: &Value, b: &Value, f: &str| a[f] == b[f];
    match old {
        Some(i) => {
            let prev = &conditions[i];
            new["lastTransitionTime"] = if same(prev, &new, "status") {
                prev["lastTransitionTime"].clone()
            } else {
                json!(now)
            };
            if update_time {
                let unchanged = ["status", "reason", "message"]
                    .iter()
                    .all(|f| same(prev, &new, f));
                new["lastUpdateTime"] = if unchanged {
                    prev["lastUpdateTime"].clone()
                } else {
                    json!(now)
                };
            }
            conditions[i] = new;
        }
        None => {
            new["lastTransitionTime"] = json!(now);
            if update_time {
                new["lastUpdateTime"] = json!(now);
            }
            conditions.push(new);
        }
    }
}

/// Writes `status` to the object's status subresource if it changed,
/// guarded by the resourceVersion read (a conflict is left to the event
/// that caused it, which reconciles again).
pub async fn write_status(
    cluster: &Cluster,
    rt: &ResourceType,
    object: &Value,
    status: Value,
    opts: &WriteOptions,
) {
    if object["status"] == status {
        return;
    }
    // Everything but the old status, which would only be copied to be
    // replaced.
    let mut body = match object.as_object() {
        Some(fields) => Value::Object(
            fields
                .iter()
                .filter(|(k, _)| *k != "status")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        None => object.clone(),
    };
    body["status"] = status;
    let ns = str_at(object, "/metadata/namespace");
    if let Err(e) = ops::update(cluster, rt, ns, name(object), body, Some("status"), opts).await
        && e.code != 409
        && e.code != 404
    {
        tracing::warn!(cluster = %cluster.name, kind = %rt.kind, name = name(object), error = %e.message, "status write failed");
    }
}

/// A merge patch guarded by the object's resourceVersion.
pub async fn patch_guarded(
    cluster: &Cluster,
    rt: &ResourceType,
    object: &Value,
    mut patch: Value,
    opts: &WriteOptions,
) -> Option<Value> {
    patch["metadata"]["resourceVersion"] = object["metadata"]["resourceVersion"].clone();
    let ns = str_at(object, "/metadata/namespace");
    match ops::patch(
        cluster,
        rt,
        ns,
        name(object),
        PatchType::Merge,
        patch,
        None,
        opts,
    )
    .await
    {
        Ok(v) => Some(v),
        Err(e) => {
            if e.code != 409 && e.code != 404 {
                tracing::warn!(cluster = %cluster.name, kind = %rt.kind, name = name(object), error = %e.message, "patch failed");
            }
            None
        }
    }
}

/// Seconds since an RFC 3339 timestamp (0 when unparseable).
pub fn age_secs(timestamp: &str) -> u64 {
    let now = clock::parse_rfc3339(&clock::now_rfc3339()).unwrap_or(0);
    clock::parse_rfc3339(timestamp).map_or(0, |t| now.saturating_sub(t))
}

/// Whether a pod has condition `Ready` = True.
pub fn pod_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// Whether a pod has been Ready for at least `min_ready_secs`.
pub fn pod_available(pod: &Value, min_ready_secs: i64) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| {
            c["type"] == "Ready"
                && c["status"] == "True"
                && (min_ready_secs <= 0
                    || age_secs(c["lastTransitionTime"].as_str().unwrap_or_default())
                        >= u64::try_from(min_ready_secs).unwrap_or(0))
        })
}

/// Whether a pod has finished (Succeeded or Failed).
pub fn pod_terminal(pod: &Value) -> bool {
    matches!(
        pod["status"]["phase"].as_str(),
        Some("Succeeded" | "Failed")
    )
}

/// A pod of `owner`'s `spec.template`, controlled by it, with `labels`
/// added to the template's; `name` is the exact name, else a
/// `generateName` of `<owner>-`.
pub fn pod_of(owner: &Value, name: Option<&str>, labels: &[(&str, String)]) -> Value {
    let template = &owner["spec"]["template"];
    let mut pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "namespace": owner["metadata"]["namespace"],
            "labels": template["metadata"]["labels"],
            "ownerReferences": [owner_ref(owner)],
        },
        "spec": template["spec"],
    });
    match name {
        Some(n) => pod["metadata"]["name"] = json!(n),
        None => pod["metadata"]["generateName"] = json!(format!("{}-", self::name(owner))),
    }
    for (k, v) in labels {
        pod["metadata"]["labels"][*k] = json!(v);
    }
    if template["metadata"]["annotations"].is_object() {
        pod["metadata"]["annotations"] = template["metadata"]["annotations"].clone();
    }
    pod
}
