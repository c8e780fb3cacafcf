//! The `networking.gke.io/v1` CustomResourceDefinitions of
//! MultiClusterService (`mcs`) and MultiClusterIngress (`mci`), installed in
//! every member cluster as enabling multi-cluster ingress does, so
//! `kubectl get mcs` and the kube crate's `DynamicObject` work anywhere.

use serde_json::{Value, json};

use crate::cluster::Cluster;
use crate::ops::{self, WriteOptions};

/// Store key of MultiClusterServices.
pub const MCS: &str = "multiclusterservices.networking.gke.io";
/// Store key of MultiClusterIngresses.
pub const MCI: &str = "multiclusteringresses.networking.gke.io";

const CRDS: &str = "customresourcedefinitions.apiextensions.k8s.io";

/// Creates both CRDs in `cluster` unless they exist.
pub async fn install(cluster: &Cluster) {
    let Some(rt) = cluster.find("apiextensions.k8s.io", "v1", "customresourcedefinitions") else {
        return;
    };
    let options = WriteOptions {
        user_agent: "multiclusteringress-feature".into(),
        field_manager: Some("multiclusteringress-feature".into()),
        ..WriteOptions::default()
    };
    for crd in [mcs_crd(), mci_crd()] {
        let name = crd["metadata"]["name"].as_str().unwrap_or_default();
        if cluster.store.get(CRDS, "", name).is_some() {
            continue;
        }
        if let Err(e) = ops::create(cluster, &rt, "", crd.clone(), &options).await {
            tracing::error!(cluster = %cluster.name, crd = name, error = %e.message, "installing a CRD failed");
        }
    }
}

fn mcs_crd() -> Value {
    let spec = json!({
        "type": "object",
        "properties": {
            // Shaped like a Service's spec; checked by the controller (and
            // the console) with the shared validation, which names fields.
            "template": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "clusters": {"type": "array", "items": {
                "type": "object",
                "properties": {"link": {"type": "string"}},
            }},
        },
    });
    crd("multiclusterservices", "MultiClusterService", "mcs", spec)
}

fn mci_crd() -> Value {
    let spec = json!({
        "type": "object",
        "properties": {
            "template": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
        },
    });
    crd("multiclusteringresses", "MultiClusterIngress", "mci", spec)
}

fn crd(plural: &str, kind: &str, short: &str, spec: Value) -> Value {
    let string = json!({"type": "string"});
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.networking.gke.io")},
        "spec": {
            "group": "networking.gke.io",
            "scope": "Namespaced",
            "names": {
                "plural": plural,
                "singular": kind.to_ascii_lowercase(),
                "kind": kind,
                "listKind": format!("{kind}List"),
                "shortNames": [short],
            },
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "apiVersion": string, "kind": string, "metadata": {"type": "object"},
                    "spec": spec,
                    "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                }}},
            }],
        },
    })
}
