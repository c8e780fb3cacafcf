//! The mesh control plane of a generated cluster: open-source istiod
//! installed without a revision, or one or two ASM revisions (a migration
//! under way) with a `default` tag — each with its Service and sidecar
//! injector webhook, and istiod already Ready.

use serde_json::{Value, json};

use super::rng::Rng;
use super::workload::Seeder;

const WEBHOOKS: &str = "mutatingwebhookconfigurations.admissionregistration.k8s.io";

/// One control plane revision.
pub struct Revision {
    /// `default` for an install without a revision, else `asm-1106-2`.
    pub name: String,
    pub image: String,
}

impl Revision {
    fn istiod(&self) -> String {
        if self.name == "default" {
            "istiod".into()
        } else {
            format!("istiod-{}", self.name)
        }
    }
}

/// (revision, pilot image tag) of the ASM releases a fleet runs.
const ASM: &[(&str, &str)] = &[
    ("asm-1106-2", "1.10.6-asm.2"),
    ("asm-1115-3", "1.11.5-asm.3"),
    ("asm-1125-1", "1.12.5-asm.1"),
];

/// The revisions a cluster runs: none when it has no room for istiod.
pub fn revisions(rng: &mut Rng, room: usize) -> Vec<Revision> {
    let all = if rng.chance(0.3) {
        vec![Revision {
            name: "default".into(),
            image: "docker.io/istio/pilot:1.24.2".into(),
        }]
    } else {
        let first = rng.below(ASM.len() - 1);
        let count = if rng.chance(0.4) { 2 } else { 1 };
        ASM[first..first + count]
            .iter()
            .map(|(name, tag)| Revision {
                name: (*name).into(),
                image: format!("gcr.io/gke-release/asm/pilot:{tag}"),
            })
            .collect()
    };
    all.into_iter().take(room).collect()
}

/// `istio-system` with istiod, its Service and injector of each revision.
pub fn seed(s: &mut Seeder<'_>, revisions: &[Revision]) {
    if revisions.is_empty() {
        return;
    }
    super::world::namespace(s, "istio-system", json!({}));
    super::world::service_account(s, "istio-system", "istiod");
    for (i, rev) in revisions.iter().enumerate() {
        let istiod = rev.istiod();
        let labels = json!({"app": "istiod", "istio": "pilot", "istio.io/rev": rev.name});
        let mut pod_labels = labels.clone();
        pod_labels["sidecar.istio.io/inject"] = json!("false");
        let template = json!({
            "metadata": {"labels": pod_labels},
            "spec": {"serviceAccountName": "istiod", "containers": [{
                "name": "discovery", "image": rev.image,
                "args": ["discovery", "--monitoringAddr=:15014", "--log_output_level=default:info", "--domain", "cluster.local"],
                "env": [{"name": "REVISION", "value": rev.name}],
                "resources": {"requests": {"cpu": "500m", "memory": "2Gi"}},
                "ports": [
                    {"containerPort": 8080, "protocol": "TCP"},
                    {"containerPort": 15010, "protocol": "TCP"},
                    {"containerPort": 15017, "protocol": "TCP"},
                ],
            }]},
        });
        s.deployment("istio-system", &istiod, &labels, template, 1);
        let selector = json!({"app": "istiod", "istio.io/rev": rev.name});
        s.service(
            "istio-system",
            &istiod,
            &selector,
            json!([
                {"name": "grpc-xds", "port": 15010, "protocol": "TCP"},
                {"name": "https-dns", "port": 15012, "protocol": "TCP"},
                {"name": "https-webhook", "port": 443, "targetPort": 15017, "protocol": "TCP"},
                {"name": "http-monitoring", "port": 15014, "protocol": "TCP"},
            ]),
        );
        if rev.name == "default" {
            webhook(s, "istio-sidecar-injector", rev, &istiod, json!({}));
        } else {
            let name = format!("istio-sidecar-injector-{}", rev.name);
            webhook(s, &name, rev, &istiod, json!({}));
            if i == 0 {
                let tag = json!({"istio.io/tag": "default"});
                webhook(s, "istio-revision-tag-default", rev, &istiod, tag);
            }
        }
    }
}

/// An injector configuration for `rev`, with extra `labels` (a tag).
fn webhook(s: &mut Seeder<'_>, name: &str, rev: &Revision, istiod: &str, labels: Value) {
    let mut all = json!({"app": "sidecar-injector", "istio.io/rev": rev.name});
    for (k, v) in labels.as_object().into_iter().flatten() {
        all[k] = v.clone();
    }
    let selector = if rev.name == "default" || all.get("istio.io/tag").is_some() {
        json!({"matchLabels": {"istio-injection": "enabled"}})
    } else {
        // As Istio writes it: the legacy label, where present, wins.
        json!({"matchExpressions": [
            {"key": "istio.io/rev", "operator": "In", "values": [rev.name]},
            {"key": "istio-injection", "operator": "DoesNotExist"},
        ]})
    };
    let mut object = json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": name, "labels": all},
        "webhooks": [{
            "name": "namespace.sidecar-injector.istio.io",
            "admissionReviewVersions": ["v1"], "sideEffects": "None", "failurePolicy": "Fail",
            "clientConfig": {"service": {"name": istiod, "namespace": "istio-system", "path": "/inject", "port": 443}},
            "namespaceSelector": selector,
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
        }],
    });
    s.admit(
        "MutatingWebhookConfiguration",
        &mut object,
        "istio-operator",
        30,
    );
    s.put(WEBHOOKS, object);
}
