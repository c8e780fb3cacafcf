//! The revision's injection and validation webhooks, the validation
//! Service `istiod` pointing at the revision (SPEC §2.1), and the canonical
//! service controller deployed with the control plane.

use serde_json::{Value, json};

use super::istiod::{istiod_ports, labels, selector};
use crate::mesh::settings::InstallSettings;
use crate::mesh::{ASM_HUB, ISTIO_SYSTEM, REV_LABEL};

pub(super) fn objects(s: &InstallSettings) -> Vec<Value> {
    vec![mutating(s), validation_service(s), validating(s)]
}

/// `istio-sidecar-injector-<rev>`: injects pods of namespaces labelled
/// `istio.io/rev=<rev>` (and pods labelled so in unlabelled namespaces).
fn mutating(s: &InstallSettings) -> Value {
    let rev = s.revision.as_str();
    let hook = |name: &str, namespace_selector: Value, object_selector: Value| {
        json!({
            "name": name,
            "admissionReviewVersions": ["v1beta1", "v1"],
            "sideEffects": "None",
            "failurePolicy": "Fail",
            "reinvocationPolicy": "Never",
            "clientConfig": {"service": {"name": s.revision.istiod(), "namespace": ISTIO_SYSTEM,
                                         "path": "/inject", "port": 443}},
            "namespaceSelector": namespace_selector,
            "objectSelector": object_selector,
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
        })
    };
    let not_disabled = json!({"matchExpressions": [{"key": "sidecar.istio.io/inject", "operator": "NotIn", "values": ["false"]}]});
    let mut meta_labels = json!({"app": "sidecar-injector", "release": "istio"});
    meta_labels[REV_LABEL] = json!(rev);
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": format!("istio-sidecar-injector-{rev}"), "labels": meta_labels},
        "webhooks": [
            hook(
                "rev.namespace.sidecar-injector.istio.io",
                json!({"matchExpressions": [
                    {"key": REV_LABEL, "operator": "In", "values": [rev]},
                    {"key": "istio-injection", "operator": "DoesNotExist"},
                ]}),
                not_disabled,
            ),
            hook(
                "rev.object.sidecar-injector.istio.io",
                json!({"matchExpressions": [
                    {"key": REV_LABEL, "operator": "DoesNotExist"},
                    {"key": "istio-injection", "operator": "DoesNotExist"},
                ]}),
                json!({"matchExpressions": [
                    {"key": "sidecar.istio.io/inject", "operator": "NotIn", "values": ["false"]},
                    {"key": REV_LABEL, "operator": "In", "values": [rev]},
                ]}),
            ),
        ],
    })
}

/// Service `istiod` exactly as SPEC §2.1 lists it: the validation webhook's
/// endpoint, selecting this revision.
fn validation_service(s: &InstallSettings) -> Value {
    let mut labels = labels(s);
    labels["istio"] = json!("pilot");
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "istiod", "namespace": ISTIO_SYSTEM, "labels": labels},
        "spec": {"selector": selector(s), "ports": istiod_ports()},
    })
}

/// `istio-validator-<rev>-istio-system`: validates Istio configuration
/// through Service `istiod`.
fn validating(s: &InstallSettings) -> Value {
    let rev = s.revision.as_str();
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": format!("istio-validator-{rev}-{ISTIO_SYSTEM}"), "labels": labels(s)},
        "webhooks": [{
            "name": "rev.validation.istio.io",
            "admissionReviewVersions": ["v1beta1", "v1"],
            "sideEffects": "None",
            // istiod switches it to Fail once it serves validation.
            "failurePolicy": "Ignore",
            "clientConfig": {"service": {"name": "istiod", "namespace": ISTIO_SYSTEM,
                                         "path": "/validate", "port": 443}},
            "objectSelector": {"matchExpressions": [{"key": REV_LABEL, "operator": "In", "values": [rev]}]},
            "rules": [{"operations": ["CREATE", "UPDATE"],
                       "apiGroups": ["security.istio.io", "networking.istio.io", "telemetry.istio.io"],
                       "apiVersions": ["*"], "resources": ["*"]}],
        }],
    })
}

/// The namespace of the canonical service controller.
pub const ASM_SYSTEM: &str = "asm-system";
const CSC: &str = "canonical-service-controller-manager";

/// The canonical service controller: shared by all revisions, so named
/// without one, at this install's version.
pub(super) fn canonical_service_controller(s: &InstallSettings) -> Vec<Value> {
    let labels = json!({"app": "canonical-service-controller"});
    let meta = |name: &str| json!({"name": name, "namespace": ASM_SYSTEM, "labels": labels});
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ASM_SYSTEM}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("canonical-service-account")}),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "canonical-service-manager-role", "labels": labels},
            "rules": [
                {"apiGroups": ["anthos.cloud.google.com"], "resources": ["canonicalservices", "canonicalservices/status"],
                 "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
                {"apiGroups": [""], "resources": ["pods", "namespaces"], "verbs": ["get", "list", "watch"]},
                {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "list", "watch"]},
            ],
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "canonical-service-manager-rolebinding", "labels": labels},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": "canonical-service-manager-role"},
            "subjects": [{"kind": "ServiceAccount", "name": "canonical-service-account", "namespace": ASM_SYSTEM}],
        }),
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": meta(CSC),
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels, "annotations": {"sidecar.istio.io/inject": "false"}},
                    "spec": {
                        "serviceAccountName": "canonical-service-account",
                        "containers": [{
                            "name": "manager",
                            "image": format!("{ASM_HUB}/canonical-service-controller:{}", s.version),
                            "args": ["--metrics-addr=127.0.0.1:8080", "--enable-leader-election"],
                            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                        }],
                    },
                },
            },
        }),
    ]
}
