//! Sidecar injection, as istiod's mutating webhook does it: a pod created
//! in a namespace labelled `istio.io/rev=<rev>` (served by that revision's
//! MutatingWebhookConfiguration) or `istio-injection=enabled` (served by the
//! default revision) gets `istio-init` and `istio-proxy` with the proxy
//! image of that revision's istiod, the `istio.io/rev` label and the
//! `sidecar.istio.io/status` annotation. A namespace with both labels gets
//! nothing (the caller records a warning); a webhook whose istiod is not
//! available refuses the pod as a failing webhook does.

use serde_json::{Value, json};

use super::util;
use crate::cluster::Cluster;

const WEBHOOKS: &str = "mutatingwebhookconfigurations.admissionregistration.k8s.io";
const STATUS_ANNOTATION: &str = "sidecar.istio.io/status";

/// What injection did to a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Injection {
    /// Not asked for (or already done).
    Skipped,
    /// Sidecars of this revision were added.
    Injected { revision: String },
    /// Asked for ambiguously: nothing added, and this warning is due.
    Conflict { warning: String },
}

/// Mutates `pod` (about to be created) as the injection webhook would.
/// `Err` is the admission error a failing webhook causes.
pub fn inject(cluster: &Cluster, pod: &mut Value) -> Result<Injection, String> {
    if !pod["metadata"]["annotations"][STATUS_ANNOTATION].is_null()
        || pod["spec"]["hostNetwork"] == true
        || pod["metadata"]["annotations"]["sidecar.istio.io/inject"] == "false"
        || pod["metadata"]["labels"]["sidecar.istio.io/inject"] == "false"
    {
        return Ok(Injection::Skipped);
    }
    let ns_name = util::str_at(pod, "/metadata/namespace");
    let Some(ns) = cluster.store.get("namespaces", "", ns_name) else {
        return Ok(Injection::Skipped);
    };
    let legacy = ns["metadata"]["labels"]["istio-injection"].as_str();
    let rev_label = ns["metadata"]["labels"]["istio.io/rev"].as_str();
    let wanted = match (legacy, rev_label) {
        (Some("enabled"), Some(_)) => {
            return Ok(Injection::Conflict {
                warning: format!(
                    "The namespace has both new and legacy injection labels. Run 'kubectl label namespace {ns_name} istio.io/rev-' or 'kubectl label namespace {ns_name} istio-injection-'"
                ),
            });
        }
        (Some("enabled"), None) => None,
        (Some(_), _) => return Ok(Injection::Skipped),
        (None, Some(rev)) => Some(rev),
        (None, None) => return Ok(Injection::Skipped),
    };
    let Some(webhook) = find_webhook(cluster, wanted) else {
        return Ok(Injection::Skipped);
    };
    let revision = webhook["metadata"]["labels"]["istio.io/rev"]
        .as_str()
        .or(wanted)
        .unwrap_or("default")
        .to_owned();
    let istiod_name = if revision == "default" {
        "istiod".to_owned()
    } else {
        format!("istiod-{revision}")
    };
    let istiod = cluster
        .store
        .get("deployments.apps", "istio-system", &istiod_name);
    let up = istiod
        .as_ref()
        .is_some_and(|d| util::int_at(d, "/status/availableReplicas") > 0);
    let hook = &webhook["webhooks"][0];
    if !up {
        if hook["failurePolicy"] == "Ignore" {
            return Ok(Injection::Skipped);
        }
        let hook_name = hook["name"]
            .as_str()
            .unwrap_or("namespace.sidecar-injector.istio.io");
        let service = &hook["clientConfig"]["service"];
        let svc = service["name"].as_str().unwrap_or(&istiod_name);
        let svc_ns = service["namespace"].as_str().unwrap_or("istio-system");
        let path = service["path"].as_str().unwrap_or("/inject");
        let port = service["port"].as_i64().unwrap_or(443);
        let ip = cluster
            .store
            .get("services", svc_ns, svc)
            .and_then(|s| s["spec"]["clusterIP"].as_str().map(str::to_owned));
        let cause = match ip {
            Some(ip) => format!("dial tcp {ip}:{port}: connect: connection refused"),
            None => format!("service \"{svc}\" not found"),
        };
        return Err(format!(
            "Internal error occurred: failed calling webhook \"{hook_name}\": failed to call webhook: Post \"https://{svc}.{svc_ns}.svc:{port}{path}?timeout=10s\": {cause}"
        ));
    }
    let image = istiod
        .as_ref()
        .and_then(|d| d["spec"]["template"]["spec"]["containers"][0]["image"].as_str())
        .map_or_else(
            || format!("docker.io/istio/proxyv2:{revision}"),
            proxy_image,
        );
    add_sidecars(pod, &revision, &image);
    Ok(Injection::Injected { revision })
}

/// The injector configuration serving `revision`, or the default one.
fn find_webhook(cluster: &Cluster, revision: Option<&str>) -> Option<Value> {
    let (configs, _) = cluster.store.list(WEBHOOKS, None);
    let is_injector = |c: &Value| {
        c["webhooks"].as_array().into_iter().flatten().any(|w| {
            w["name"]
                .as_str()
                .is_some_and(|n| n.contains("sidecar-injector.istio.io"))
        })
    };
    configs
        .iter()
        .filter(|c| is_injector(c))
        .find(|c| match revision {
            Some(rev) => {
                c["metadata"]["labels"]["istio.io/rev"] == rev
                    && c["metadata"]["labels"]["istio.io/tag"].is_null()
            }
            None => {
                util::name(c) == "istio-sidecar-injector"
                    || c["metadata"]["labels"]["istio.io/tag"] == "default"
            }
        })
        .map(|c| (**c).clone())
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
    use crate::store::Store;

    fn cluster(ns_labels: Value) -> std::sync::Arc<Cluster> {
        let c = Cluster::new("t", "token", Store::memory());
        c.store.put(
            "namespaces",
            "",
            "blue",
            json!({"metadata": {"name": "blue", "labels": ns_labels}}),
        );
        c.store.put(WEBHOOKS, "", "istio-sidecar-injector-asm-1106-2", json!({
            "metadata": {"name": "istio-sidecar-injector-asm-1106-2", "labels": {"istio.io/rev": "asm-1106-2"}},
            "webhooks": [{"name": "rev.namespace.sidecar-injector.istio.io",
                "clientConfig": {"service": {"name": "istiod-asm-1106-2", "namespace": "istio-system", "path": "/inject", "port": 443}}}]
        }));
        c
    }

    fn istiod(c: &Cluster, available: i64) {
        c.store.put("deployments.apps", "istio-system", "istiod-asm-1106-2", json!({
            "metadata": {"name": "istiod-asm-1106-2", "namespace": "istio-system"},
            "spec": {"template": {"spec": {"containers": [{"name": "discovery", "image": "gcr.io/gke-release/asm/pilot:1.10.6-asm.2"}]}}},
            "status": {"availableReplicas": available}
        }));
    }

    fn pod() -> Value {
        json!({"metadata": {"namespace": "blue", "name": "foo-1", "labels": {"app": "foo"}},
               "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    }

    #[test]
    fn injects_the_revision_named_by_the_namespace() {
        let c = cluster(json!({"istio.io/rev": "asm-1106-2"}));
        istiod(&c, 1);
        let mut p = pod();
        assert_eq!(
            inject(&c, &mut p),
            Ok(Injection::Injected {
                revision: "asm-1106-2".into()
            })
        );
        assert_eq!(p["metadata"]["labels"]["istio.io/rev"], "asm-1106-2");
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
        assert_eq!(status["revision"], "asm-1106-2");
        // Injecting twice changes nothing.
        let once = p.clone();
        assert_eq!(inject(&c, &mut p), Ok(Injection::Skipped));
        assert_eq!(p, once);
    }

    #[test]
    fn both_labels_conflict_and_a_down_istiod_fails_the_webhook() {
        let c = cluster(json!({"istio.io/rev": "asm-1106-2", "istio-injection": "enabled"}));
        istiod(&c, 1);
        let mut p = pod();
        assert!(matches!(inject(&c, &mut p), Ok(Injection::Conflict { .. })));
        assert_eq!(p, pod());

        let c = cluster(json!({"istio.io/rev": "asm-1106-2"}));
        istiod(&c, 0);
        let err = inject(&c, &mut pod()).unwrap_err();
        assert!(err.starts_with("Internal error occurred: failed calling webhook \"rev.namespace.sidecar-injector.istio.io\""), "{err}");

        let unlabelled = cluster(json!({}));
        assert_eq!(inject(&unlabelled, &mut pod()), Ok(Injection::Skipped));
    }
}
