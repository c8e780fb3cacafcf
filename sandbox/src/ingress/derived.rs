//! The derived Services (SPEC §4.2) as objects: a headless Service named
//! by `shared::ingress::derived_service_name`, copying only the selector
//! and ports of its MultiClusterService, with the NEG and parent
//! annotations and the [`DERIVED_LABEL`] that finds them; and the
//! comparison that keeps a second pass from writing anything.

use serde_json::{Value, json};
use shared::ingress::derived::{NEG_ANNOTATION, NEG_STATUS_ANNOTATION, PARENT_ANNOTATION};
use shared::ingress::{
    IntOrString, MultiClusterService, derived_service_name, neg_annotation, parent_annotation,
};

/// Label on every derived Service, valued with its MultiClusterService's
/// name: `-l networking.gke.io/multiclusterservice` lists them all.
pub const DERIVED_LABEL: &str = "networking.gke.io/multiclusterservice";

/// The derived Service of `mcs` on a member whose nodes are in `zones`.
pub(crate) fn service(mcs: &MultiClusterService, cluster: &str, zones: &[String]) -> Value {
    let namespace = mcs.namespace();
    let name = derived_service_name(namespace, mcs.name());
    let ports: Vec<Value> = mcs
        .ports()
        .iter()
        .map(|p| {
            let mut port = json!({
                "protocol": p.protocol.as_deref().unwrap_or("TCP"),
                "port": p.port.unwrap_or_default(),
                "targetPort": p.target_port.clone().unwrap_or(IntOrString::Int(p.port.unwrap_or_default())),
            });
            if let Some(port_name) = &p.name {
                port["name"] = json!(port_name);
            }
            port
        })
        .collect();
    let numbers: Vec<i64> = mcs.ports().iter().filter_map(|p| p.port).collect();
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {DERIVED_LABEL: mcs.name()},
            "annotations": {
                NEG_ANNOTATION: neg_annotation(numbers.iter().copied()),
                NEG_STATUS_ANNOTATION: neg_status(cluster, namespace, &name, &numbers, zones),
                PARENT_ANNOTATION: parent_annotation(namespace, mcs.name()),
            },
        },
        "spec": {
            "clusterIP": "None",
            "selector": mcs.spec.template.spec.selector,
            "ports": ports,
        },
    })
}

/// `cloud.google.com/neg-status`: one NEG per exposed port, named as the
/// NEG controller names them (`k8s1-<cluster>-<ns>-<svc>-<port>-<hash>`,
/// parts cut to fit 63 characters), and the zones they span.
fn neg_status(
    cluster: &str,
    namespace: &str,
    service: &str,
    ports: &[i64],
    zones: &[String],
) -> String {
    let mut sorted = ports.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let groups: serde_json::Map<String, Value> = sorted
        .iter()
        .map(|port| {
            let cut = |s: &str, n: usize| s.get(..n).unwrap_or(s).trim_end_matches('-').to_owned();
            let neg = format!(
                "k8s1-{:08x}-{}-{}-{}-{:08x}",
                fnv32(cluster),
                cut(namespace, 12),
                cut(service, 20),
                port,
                fnv32(&format!("{cluster}/{namespace}/{service}/{port}")),
            );
            (port.to_string(), json!(neg))
        })
        .collect();
    json!({"network_endpoint_groups": groups, "zones": zones}).to_string()
}

fn fnv32(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The parts of a Service the controller owns, normalised as the API
/// server defaults them, to compare what is stored with what is wanted.
pub(crate) fn owned_parts(service: &Value) -> Value {
    let meta = &service["metadata"];
    let ports: Vec<Value> = service["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            json!({
                "name": p.get("name").cloned().unwrap_or(Value::Null),
                "protocol": p.get("protocol").cloned().unwrap_or(json!("TCP")),
                "port": p["port"],
                "targetPort": p.get("targetPort").cloned().unwrap_or_else(|| p["port"].clone()),
            })
        })
        .collect();
    let selector = match &service["spec"]["selector"] {
        Value::Null => json!({}),
        other => other.clone(),
    };
    json!({
        "label": meta["labels"][DERIVED_LABEL],
        "annotations": [
            meta["annotations"][NEG_ANNOTATION],
            meta["annotations"][NEG_STATUS_ANNOTATION],
            meta["annotations"][PARENT_ANNOTATION],
        ],
        "clusterIP": service["spec"]["clusterIP"],
        "selector": selector,
        "ports": ports,
    })
}

/// `existing` changed to carry `wanted`'s owned parts (its other fields,
/// such as defaults the API server filled in, kept).
pub(crate) fn updated(existing: &Value, wanted: &Value) -> Value {
    let mut next = existing.clone();
    next["metadata"]["labels"][DERIVED_LABEL] = wanted["metadata"]["labels"][DERIVED_LABEL].clone();
    for key in [NEG_ANNOTATION, NEG_STATUS_ANNOTATION, PARENT_ANNOTATION] {
        next["metadata"]["annotations"][key] = wanted["metadata"]["annotations"][key].clone();
    }
    next["spec"]["selector"] = wanted["spec"]["selector"].clone();
    next["spec"]["ports"] = wanted["spec"]["ports"].clone();
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    fn foo() -> MultiClusterService {
        serde_json::from_value(json!({
            "apiVersion": "networking.gke.io/v1", "kind": "MultiClusterService",
            "metadata": {"name": "foo", "namespace": "blue"},
            "spec": {"template": {"spec": {
                "selector": {"app": "foo"},
                "ports": [{"name": "web", "protocol": "TCP", "port": 80, "targetPort": 8080}]
            }}}
        }))
        .unwrap()
    }

    #[test]
    fn copies_only_selector_and_ports_and_is_headless() {
        let svc = service(&foo(), "gke-eu", &["europe-west1-c".into()]);
        assert_eq!(svc["metadata"]["name"], derived_service_name("blue", "foo"));
        assert_eq!(svc["spec"]["clusterIP"], "None");
        assert_eq!(svc["spec"]["selector"], json!({"app": "foo"}));
        assert_eq!(
            svc["spec"]["ports"],
            json!([{"name": "web", "protocol": "TCP", "port": 80, "targetPort": 8080}])
        );
        let annotations = &svc["metadata"]["annotations"];
        assert_eq!(
            annotations[PARENT_ANNOTATION],
            r#"{"Namespace":"blue","Name":"foo"}"#
        );
        assert_eq!(
            annotations[NEG_ANNOTATION],
            r#"{"exposed_ports":{"80":{}}}"#
        );
        let status: Value =
            serde_json::from_str(annotations[NEG_STATUS_ANNOTATION].as_str().unwrap()).unwrap();
        let neg = status["network_endpoint_groups"]["80"].as_str().unwrap();
        assert!(neg.starts_with("k8s1-") && neg.len() <= 63, "{neg}");
        assert_eq!(status["zones"], json!(["europe-west1-c"]));
        assert_eq!(svc["metadata"]["labels"][DERIVED_LABEL], "foo");
    }

    #[test]
    fn a_stored_copy_with_server_defaults_compares_equal() {
        let wanted = service(&foo(), "gke-eu", &[]);
        let mut stored = wanted.clone();
        stored["spec"]["type"] = json!("ClusterIP");
        stored["spec"]["clusterIPs"] = json!(["None"]);
        stored["metadata"]["labels"]["team"] = json!("blue");
        assert_eq!(owned_parts(&stored), owned_parts(&wanted));
        stored["spec"]["selector"] = json!({"app": "bar"});
        assert_ne!(owned_parts(&stored), owned_parts(&wanted));
        assert_eq!(
            owned_parts(&updated(&stored, &wanted)),
            owned_parts(&wanted)
        );
    }
}
