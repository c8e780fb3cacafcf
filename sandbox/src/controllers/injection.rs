//! Sidecar injection, as istiod's mutating webhooks do it at pod
//! admission. Which injector is called is decided by the cluster's
//! `MutatingWebhookConfiguration`s and their selectors
//! ([`super::webhooks`]), as kube-apiserver decides it; an injector whose
//! Service has no ready endpoint refuses the pod as a failing webhook does
//! (or is skipped, with failure policy Ignore). The injector adds
//! `istio-init` and `istio-proxy` with the proxy image of its revision's
//! istiod, the `istio.io/rev` label and the `sidecar.istio.io/status`
//! annotation; a pod already injected, on the host network or asking for no
//! sidecar is left alone, as istiod leaves it.

use serde_json::{Value, json};

use super::util;
use super::webhooks;
use crate::cluster::Cluster;

const STATUS_ANNOTATION: &str = "sidecar.istio.io/status";

/// What injection did to a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Injection {
    /// No injector was called, or the injectors called declined.
    Skipped,
    /// Sidecars of this revision were added.
    Injected { revision: String },
}

/// A pod refused at admission because a fail-closed injection webhook
/// could not be called, worded as the API server words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Internal error occurred: {cause}")]
pub struct AdmissionRefused {
    /// The cluster whose API server refused the pod.
    pub cluster: String,
    pub cause: webhooks::CallFailed,
}

/// Mutates `pod` (about to be created) as the called injection webhooks
/// would. `Err` is the admission error a failing webhook causes.
pub fn inject(cluster: &Cluster, pod: &mut Value) -> Result<Injection, AdmissionRefused> {
    let ns_name = util::str_at(pod, "/metadata/namespace");
    let Some(ns) = cluster.store.get("namespaces", "", ns_name) else {
        return Ok(Injection::Skipped);
    };
    let mut outcome = Injection::Skipped;
    for called in webhooks::called_for_pod(cluster, &ns, pod) {
        if !called.is_injector() {
            continue;
        }
        if let Err(cause) = called.reachable(cluster) {
            if called.fails_closed() {
                return Err(AdmissionRefused {
                    cluster: cluster.name.clone(),
                    cause,
                });
            }
            continue;
        }
        if declined(pod) {
            continue;
        }
        let revision = called.revision();
        let istiod_name = if revision == shared::fleet::DEFAULT_REVISION {
            "istiod".to_owned()
        } else {
            format!("istiod-{revision}")
        };
        let image = cluster
            .store
            .get("deployments.apps", "istio-system", &istiod_name)
            .and_then(|d| {
                d["spec"]["template"]["spec"]["containers"][0]["image"]
                    .as_str()
                    .map(proxy_image)
            })
            .unwrap_or_else(|| format!("docker.io/istio/proxyv2:{revision}"));
        add_sidecars(pod, &revision, &image);
        outcome = Injection::Injected { revision };
    }
    Ok(outcome)
}

/// What istiod declines to inject: a pod injected already (by an
/// injector called earlier), on the host network, or asking for none.
fn declined(pod: &Value) -> bool {
    !pod["metadata"]["annotations"][STATUS_ANNOTATION].is_null()
        || pod["spec"]["hostNetwork"] == true
        || pod["metadata"]["annotations"]["sidecar.istio.io/inject"] == "false"
        || pod["metadata"]["labels"]["sidecar.istio.io/inject"] == "false"
}

/// `…/pilot:1.10.6-asm.2` → `…/proxyv2:1.10.6-asm.2`.
fn proxy_image(pilot: &str) -> String {
    match pilot.rsplit_once('/') {
        Some((repo, last)) => {
            let tag = last.split_once(':').map_or("latest", |(_, t)| t);
            format!("{repo}/proxyv2:{tag}")
        }
        None => format!(
            "docker.io/istio/proxyv2:{}",
            pilot.split_once(':').map_or("latest", |(_, t)| t)
        ),
    }
}

fn add_sidecars(pod: &mut Value, revision: &str, image: &str) {
    let app = pod["metadata"]["labels"]["app"]
        .as_str()
        .or_else(|| pod["metadata"]["labels"]["app.kubernetes.io/name"].as_str())
        .unwrap_or_else(|| util::name(pod))
        .to_owned();
    let version = pod["metadata"]["labels"]["version"]
        .as_str()
        .unwrap_or("latest")
        .to_owned();
    let first = pod["spec"]["containers"][0]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let labels = &mut pod["metadata"]["labels"];
    labels["istio.io/rev"] = json!(revision);
    labels["security.istio.io/tlsMode"] = json!("istio");
    labels["service.istio.io/canonical-name"] = json!(app);
    labels["service.istio.io/canonical-revision"] = json!(version);
    let volumes = [
        "workload-socket",
        "credential-socket",
        "workload-certs",
        "istio-envoy",
        "istio-data",
        "istio-podinfo",
        "istio-token",
        "istiod-ca-cert",
    ];
    let status = json!({
        "initContainers": ["istio-init"], "containers": ["istio-proxy"],
        "volumes": volumes, "imagePullSecrets": null, "revision": revision,
    });
    let annotations = &mut pod["metadata"]["annotations"];
    annotations[STATUS_ANNOTATION] = json!(status.to_string());
    annotations["kubectl.kubernetes.io/default-container"] = json!(first);
    annotations["kubectl.kubernetes.io/default-logs-container"] = json!(first);
    annotations["prometheus.io/path"] = json!("/stats/prometheus");
    annotations["prometheus.io/port"] = json!("15020");
    annotations["prometheus.io/scrape"] = json!("true");

    let resources = json!({"requests": {"cpu": "100m", "memory": "128Mi"},
                           "limits": {"cpu": "2", "memory": "1Gi"}});
    let init = json!({
        "name": "istio-init", "image": image,
        "args": ["istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT",
                 "-i", "*", "-x", "", "-b", "*", "-d", "15090,15021,15020", "--log_output_level=default:info"],
        "resources": resources,
        "securityContext": {"allowPrivilegeEscalation": false, "privileged": false, "readOnlyRootFilesystem": false,
            "runAsGroup": 0, "runAsNonRoot": false, "runAsUser": 0,
            "capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]}},
    });
    let proxy = json!({
        "name": "istio-proxy", "image": image,
        "args": ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local",
                 "--proxyLogLevel=warning", "--proxyComponentLogLevel=misc:error", "--log_output_level=default:info"],
        "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
        "env": [
            {"name": "PILOT_CERT_PROVIDER", "value": "istiod"},
            {"name": "CA_ADDR", "value": format!("istiod{}.istio-system.svc:15012",
                if revision == "default" { String::new() } else { format!("-{revision}") })},
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
            {"name": "ISTIO_META_WORKLOAD_NAME", "value": app},
        ],
        "readinessProbe": {"httpGet": {"path": "/healthz/ready", "port": 15021, "scheme": "HTTP"},
            "failureThreshold": 4, "periodSeconds": 15, "timeoutSeconds": 3},
        "resources": resources,
        "securityContext": {"allowPrivilegeEscalation": false, "privileged": false, "readOnlyRootFilesystem": true,
            "runAsGroup": 1337, "runAsNonRoot": true, "runAsUser": 1337, "capabilities": {"drop": ["ALL"]}},
    });
    let spec = &mut pod["spec"];
    let mut inits = spec["initContainers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    inits.insert(0, init);
    spec["initContainers"] = json!(inits);
    let mut containers = spec["containers"].as_array().cloned().unwrap_or_default();
    containers.push(proxy);
    spec["containers"] = json!(containers);
    let mut vols = spec["volumes"].as_array().cloned().unwrap_or_default();
    for v in volumes {
        let source = match v {
            "istio-envoy" => json!({"name": v, "emptyDir": {"medium": "Memory"}}),
            "istiod-ca-cert" => json!({"name": v, "configMap": {"name": "istio-ca-root-cert"}}),
            "istio-token" => json!({"name": v, "projected": {"sources": [{"serviceAccountToken":
                {"audience": "istio-ca", "expirationSeconds": 43200, "path": "istio-token"}}]}}),
            "istio-podinfo" => json!({"name": v, "downwardAPI": {"items": [
                {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                {"path": "annotations", "fieldRef": {"fieldPath": "metadata.annotations"}}]}}),
            _ => json!({"name": v, "emptyDir": {}}),
        };
        vols.push(source);
    }
    spec["volumes"] = json!(vols);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controllers::webhooks::WEBHOOKS;
    use crate::store::Store;

    const REV: &str = "asm-1106-2";

    /// The injector configurations real Istio writes: the default
    /// revision's (legacy label) and revision `REV`'s.
    fn cluster(ns_labels: Value) -> std::sync::Arc<Cluster> {
        let c = Cluster::new("t", "token", Store::memory());
        c.store.put(
            "namespaces",
            "",
            "blue",
            json!({"metadata": {"name": "blue", "labels": ns_labels}}),
        );
        let rules = json!([{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}]);
        let service = |name: &str| json!({"service": {"name": name, "namespace": "istio-system", "path": "/inject", "port": 443}});
        c.store.put(WEBHOOKS, "", "istio-sidecar-injector", json!({
            "metadata": {"name": "istio-sidecar-injector", "labels": {"app": "sidecar-injector"}},
            "webhooks": [{"name": "sidecar-injector.istio.io", "clientConfig": service("istiod"), "rules": rules,
                "namespaceSelector": {"matchLabels": {"istio-injection": "enabled"}}}]
        }));
        c.store.put(WEBHOOKS, "", "istio-sidecar-injector-asm-1106-2", json!({
            "metadata": {"name": "istio-sidecar-injector-asm-1106-2", "labels": {"istio.io/rev": REV}},
            "webhooks": [{"name": "rev.namespace.sidecar-injector.istio.io", "clientConfig": service("istiod-asm-1106-2"),
                "rules": rules,
                "namespaceSelector": {"matchExpressions": [
                    {"key": "istio.io/rev", "operator": "In", "values": [REV]},
                    {"key": "istio-injection", "operator": "DoesNotExist"}]},
                "objectSelector": {"matchExpressions": [
                    {"key": "sidecar.istio.io/inject", "operator": "NotIn", "values": ["false"]}]}}]
        }));
        c
    }

    /// istiod of `revision` with its Service and one pod, Ready or not.
    fn istiod(c: &Cluster, revision: &str, ready: bool) {
        let (name, image) = if revision == "default" {
            ("istiod".to_owned(), "docker.io/istio/pilot:1.9.8")
        } else {
            (
                format!("istiod-{revision}"),
                "gcr.io/gke-release/asm/pilot:1.10.6-asm.2",
            )
        };
        let labels = json!({"app": "istiod", "istio.io/rev": revision});
        c.store.put("deployments.apps", "istio-system", &name, json!({
            "metadata": {"name": name, "namespace": "istio-system"},
            "spec": {"template": {"spec": {"containers": [{"name": "discovery", "image": image}]}}},
        }));
        c.store.put(
            "services",
            "istio-system",
            &name,
            json!({
                "metadata": {"name": name, "namespace": "istio-system"},
                "spec": {"selector": labels, "clusterIP": "10.96.0.10"},
            }),
        );
        c.store.put("pods", "istio-system", &format!("{name}-1"), json!({
            "metadata": {"name": format!("{name}-1"), "namespace": "istio-system", "labels": labels},
            "status": {"conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]},
        }));
    }

    fn pod() -> Value {
        json!({"metadata": {"namespace": "blue", "name": "foo-1", "labels": {"app": "foo"}},
               "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    }

    fn injected(revision: &str) -> Result<Injection, AdmissionRefused> {
        Ok(Injection::Injected {
            revision: revision.into(),
        })
    }

    #[test]
    fn injects_the_revision_whose_webhook_selects_the_namespace() {
        let c = cluster(json!({"istio.io/rev": REV}));
        istiod(&c, REV, true);
        let mut p = pod();
        assert_eq!(inject(&c, &mut p), injected(REV));
        assert_eq!(p["metadata"]["labels"]["istio.io/rev"], REV);
        assert_eq!(p["spec"]["containers"][1]["name"], "istio-proxy");
        assert_eq!(
            p["spec"]["containers"][1]["image"],
            "gcr.io/gke-release/asm/proxyv2:1.10.6-asm.2"
        );
        assert_eq!(p["spec"]["initContainers"][0]["name"], "istio-init");
        let status: Value = serde_json::from_str(
            p["metadata"]["annotations"][STATUS_ANNOTATION]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(status["revision"], REV);
        // Injecting twice changes nothing.
        let once = p.clone();
        assert_eq!(inject(&c, &mut p), Ok(Injection::Skipped));
        assert_eq!(p, once);
        // The revision's objectSelector leaves out pods asking for none.
        let mut opted_out = pod();
        opted_out["metadata"]["labels"]["sidecar.istio.io/inject"] = json!("false");
        assert_eq!(inject(&c, &mut opted_out), Ok(Injection::Skipped));
    }

    #[test]
    fn with_both_labels_the_default_injector_is_the_one_selected() {
        let c = cluster(json!({"istio.io/rev": REV, "istio-injection": "enabled"}));
        istiod(&c, REV, true);
        istiod(&c, "default", true);
        let mut p = pod();
        assert_eq!(inject(&c, &mut p), injected("default"));
        assert_eq!(
            p["spec"]["containers"][1]["image"],
            "docker.io/istio/proxyv2:1.9.8"
        );
        // Without the default injector, neither selects it: no sidecar.
        c.store.remove(WEBHOOKS, "", "istio-sidecar-injector");
        assert_eq!(inject(&c, &mut pod()), Ok(Injection::Skipped));
        let legacy_only = cluster(json!({"istio-injection": "enabled"}));
        istiod(&legacy_only, "default", true);
        assert_eq!(inject(&legacy_only, &mut pod()), injected("default"));
    }

    #[test]
    fn an_injector_without_a_ready_endpoint_fails_the_pod_unless_ignored() {
        let c = cluster(json!({"istio.io/rev": REV}));
        let err = inject(&c, &mut pod()).unwrap_err().to_string();
        assert!(
            err.ends_with("service \"istiod-asm-1106-2\" not found"),
            "{err}"
        );
        istiod(&c, REV, false);
        let err = inject(&c, &mut pod()).unwrap_err().to_string();
        assert!(err.starts_with("Internal error occurred: failed calling webhook \"rev.namespace.sidecar-injector.istio.io\""), "{err}");
        assert!(
            err.ends_with("dial tcp 10.96.0.10:443: connect: connection refused"),
            "{err}"
        );
        let mut config = (*c
            .store
            .get(WEBHOOKS, "", "istio-sidecar-injector-asm-1106-2")
            .unwrap())
        .clone();
        config["webhooks"][0]["failurePolicy"] = json!("Ignore");
        c.store
            .put(WEBHOOKS, "", "istio-sidecar-injector-asm-1106-2", config);
        assert_eq!(inject(&c, &mut pod()), Ok(Injection::Skipped));
        istiod(&c, REV, true);
        assert_eq!(inject(&c, &mut pod()), injected(REV));

        let unlabelled = cluster(json!({}));
        assert_eq!(inject(&unlabelled, &mut pod()), Ok(Injection::Skipped));
    }
}
