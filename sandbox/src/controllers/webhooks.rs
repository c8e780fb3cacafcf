//! Which of the cluster's mutating admission webhooks the API server calls
//! for a pod it is creating, decided the way kube-apiserver decides it:
//! every webhook of every `MutatingWebhookConfiguration` (configurations
//! in name order, webhooks in their order) whose rules cover pod CREATE,
//! whose `namespaceSelector` matches the namespace's labels and whose
//! `objectSelector` matches the pod's labels. Istio's injectors exclude
//! each other through those selectors (the default one selects
//! `istio-injection=enabled`, a revision's `istio.io/rev=<rev>` where
//! `istio-injection` does not exist), so no label rule is written here.
//! A called webhook answers when its Service exists and the istiod of the
//! revision its configuration names is Ready: the sandbox's injectors are
//! served by their own revision, even once the shared Service `istiod` is
//! pointed at a newer revision for validation (SPEC §2.1), so a rollback to
//! the default revision does not hinge on the new one. The sandbox plays
//! only Istio's injectors (path `/inject`).

use serde_json::Value;

use super::util::{self, PODS, SERVICES};
use crate::cluster::Cluster;
use crate::selectors::{from_label_selector_object, labels_of};

pub const WEBHOOKS: &str = "mutatingwebhookconfigurations.admissionregistration.k8s.io";

/// One webhook the API server calls for the pod.
#[derive(Debug, Clone)]
pub struct Called {
    /// Its configuration (whose labels name the revision it serves).
    pub config: Value,
    /// The webhook itself.
    pub hook: Value,
}

impl Called {
    /// The revision of the injector: its configuration's `istio.io/rev`
    /// label; an unlabelled injector is the default revision's.
    pub fn revision(&self) -> String {
        self.config["metadata"]["labels"]["istio.io/rev"]
            .as_str()
            .unwrap_or(shared_default())
            .to_owned()
    }

    /// The webhook's `name`.
    pub fn name(&self) -> &str {
        self.hook["name"].as_str().unwrap_or_default()
    }

    /// Whether a failure to call it fails the admission (the default).
    pub fn fails_closed(&self) -> bool {
        self.hook["failurePolicy"] != "Ignore"
    }

    /// Whether Istio's sidecar injector serves it.
    pub fn is_injector(&self) -> bool {
        self.hook["clientConfig"]["service"]["path"] == "/inject"
    }

    /// `Ok` when its Service exists and the istiod of its revision has a
    /// Ready pod behind it, else why the call fails, worded as the API
    /// server words it.
    pub fn reachable(&self, cluster: &Cluster) -> Result<(), CallFailed> {
        let service = &self.hook["clientConfig"]["service"];
        let name = service["name"].as_str().unwrap_or_default();
        let namespace = service["namespace"].as_str().unwrap_or_default();
        let path = service["path"].as_str().unwrap_or_default();
        let port = service["port"].as_i64().unwrap_or(443);
        let call = format!(
            "failed calling webhook \"{}\": failed to call webhook: Post \"https://{name}.{namespace}.svc:{port}{path}?timeout=10s\"",
            self.name()
        );
        let Some(svc) = cluster.store.get(SERVICES, namespace, name) else {
            return Err(CallFailed::NoService {
                call,
                service: name.to_owned(),
            });
        };
        if istiod_ready(cluster, namespace, &self.revision()) {
            return Ok(());
        }
        Err(CallFailed::Refused {
            call,
            ip: util::str_at(&svc, "/spec/clusterIP").to_owned(),
            port,
        })
    }
}

/// Why the API server could not call a webhook, worded as it words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallFailed {
    #[error("{call}: service \"{service}\" not found")]
    NoService { call: String, service: String },
    #[error("{call}: dial tcp {ip}:{port}: connect: connection refused")]
    Refused { call: String, ip: String, port: i64 },
}

fn shared_default() -> &'static str {
    shared::fleet::DEFAULT_REVISION
}

/// The webhooks called for `pod` in namespace object `namespace`, in the
/// order the API server calls them.
pub fn called_for_pod(cluster: &Cluster, namespace: &Value, pod: &Value) -> Vec<Called> {
    let (mut configs, _) = cluster.store.list(WEBHOOKS, None);
    configs.sort_by(|a, b| util::name(a).cmp(util::name(b)));
    let mut called = Vec::new();
    for config in configs {
        for hook in config["webhooks"].as_array().into_iter().flatten() {
            if covers_pod_create(hook)
                && selects(&hook["namespaceSelector"], namespace)
                && selects(&hook["objectSelector"], pod)
            {
                called.push(Called {
                    config: (*config).clone(),
                    hook: hook.clone(),
                });
            }
        }
    }
    called
}

/// An absent selector, like `{}`, selects everything.
fn selects(selector: &Value, object: &Value) -> bool {
    selector.is_null() || from_label_selector_object(selector).matches(&labels_of(object))
}

fn covers_pod_create(hook: &Value) -> bool {
    let has = |list: &Value, wanted: &str| {
        list.as_array()
            .into_iter()
            .flatten()
            .any(|v| v == wanted || v == "*")
    };
    hook["rules"].as_array().into_iter().flatten().any(|rule| {
        has(&rule["operations"], "CREATE")
            && has(&rule["apiGroups"], "")
            && has(&rule["apiVersions"], "v1")
            && has(&rule["resources"], "pods")
    })
}

/// A Ready, not terminating istiod pod of `revision` in `namespace`.
fn istiod_ready(cluster: &Cluster, namespace: &str, revision: &str) -> bool {
    let (pods, _) = cluster.store.list(PODS, Some(namespace));
    pods.iter().any(|p| {
        let labels = &p["metadata"]["labels"];
        labels["app"] == "istiod"
            && labels["istio.io/rev"] == revision
            && p["metadata"]["deletionTimestamp"].is_null()
            && util::pod_ready(p)
    })
}
