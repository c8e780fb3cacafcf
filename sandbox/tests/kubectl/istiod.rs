//! istiod pods through kubectl: Ready only with a usable CA (self-signed,
//! plug-in `cacerts`, Mesh CA with the fleet Membership), and their
//! discovery logs saying which.

use base64::Engine;
use serde_json::Value;

use super::harness::Kubectl;
use super::world::{live, name, ready};

/// An istiod of revision `rev` with the discovery container's `env`.
fn istiod(rev: &str, env: &str) -> String {
    format!(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: istiod-{rev}
  namespace: istio-system
  labels: {{app: istiod, istio.io/rev: {rev}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: istiod, istio.io/rev: {rev}}}}}
  template:
    metadata: {{labels: {{app: istiod, istio.io/rev: {rev}}}}}
    spec:
      containers:
        - name: discovery
          image: gcr.io/gke-release/asm/pilot:1.10.6-asm.2
          env: {env}
          resources: {{requests: {{cpu: 100m, memory: 256Mi}}}}
"#
    )
}

/// The one istiod pod of `rev` once it runs, and its discovery log.
async fn istiod_pod(k: &Kubectl, context: &str, rev: &str, log_has: &str) -> (Value, String) {
    let on = k.on(context);
    let selector = format!("istio.io/rev={rev}");
    let args = ["get", "pods", "-n", "istio-system", "-l", selector.as_str()];
    let pod = on
        .until(&format!("a running istiod {rev}"), &args, |list| {
            live(list)
                .first()
                .filter(|p| p["status"]["phase"] == "Running")
                .map(|p| (*p).clone())
        })
        .await;
    let pod_name = name(&pod);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let log = on
            .ok(&["logs", "-n", "istio-system", &pod_name, "-c", "discovery"])
            .await;
        if log.contains(log_has) {
            let pod = on
                .json(&["get", "pod", "-n", "istio-system", &pod_name])
                .await;
            return (pod, log);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{pod_name} never logged {log_has:?}:\n{log}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIO\n-----END EC PRIVATE KEY-----\n";

#[tokio::test]
async fn istiod_is_ready_only_with_a_usable_ca_and_logs_which() {
    let k = Kubectl::world("istiod-ca", &["gke-asia-2"]).await;
    let asia = k.on("gke-asia-2");

    // The scenario's istiod: no cacerts, so its own self-signed CA.
    let (pod, log) = istiod_pod(&k, "gke-asia-2", "default", "marking server ready").await;
    assert!(ready(&pod));
    assert!(
        log.contains("Istiod revision \"default\", version 1.9.8"),
        "{log}"
    );
    assert!(
        log.contains("No plugged-in cert at etc/cacerts/ca-key.pem; self-signed cert is used"),
        "{log}"
    );

    // The fleet membership names the fleet host project.
    let m = asia
        .json(&["get", "memberships.hub.gke.io", "membership"])
        .await;
    assert_eq!(
        m["spec"]["owner"]["id"],
        "//gkehub.googleapis.com/projects/project-a/locations/global/memberships/gke-asia-2"
    );
    assert_eq!(m["spec"]["workload_identity_pool"], "project-a.svc.id.goog");

    // A malformed cacerts keeps a plug-in istiod unready until fixed.
    asia.ok(&[
        "create",
        "secret",
        "generic",
        "cacerts",
        "-n",
        "istio-system",
        &format!("--from-literal=ca-cert.pem={CERT}"),
        &format!("--from-literal=ca-key.pem={KEY}"),
        &format!("--from-literal=root-cert.pem={CERT}"),
    ])
    .await;
    asia.create("plugin.yaml", &istiod("plugin", "[]")).await;
    let (pod, log) = istiod_pod(&k, "gke-asia-2", "plugin", "is not a usable plug-in CA").await;
    assert!(!ready(&pod), "{pod:#}");
    assert!(log.contains("missing cert-chain.pem"), "{log}");
    // Fixed in one update: a delete and a create would let a retry in
    // between find no cacerts at all and pick the self-signed CA.
    let chain = base64::engine::general_purpose::STANDARD.encode(format!("{CERT}{CERT}"));
    asia.ok(&[
        "patch",
        "secret",
        "cacerts",
        "-n",
        "istio-system",
        "--type",
        "merge",
        "-p",
        &format!(r#"{{"data":{{"cert-chain.pem":"{chain}"}}}}"#),
    ])
    .await;
    let (_, log) = istiod_pod(&k, "gke-asia-2", "plugin", "marking server ready").await;
    assert!(
        log.contains("Use plugged-in cert at etc/cacerts/ca-key.pem"),
        "{log}"
    );
    asia.ok(&[
        "rollout",
        "status",
        "deploy/istiod-plugin",
        "-n",
        "istio-system",
        "--timeout=60s",
    ])
    .await;

    // Mesh CA needs the Membership.
    let saved = asia
        .ok(&["get", "memberships.hub.gke.io", "membership", "-o", "yaml"])
        .await;
    asia.ok(&["delete", "memberships.hub.gke.io", "membership"])
        .await;
    let mesh_env = r#"[{name: CA_ADDR, value: "meshca.googleapis.com:443"}]"#;
    asia.create("meshca.yaml", &istiod("meshca", mesh_env))
        .await;
    let (pod, log) = istiod_pod(&k, "gke-asia-2", "meshca", "no fleet membership").await;
    assert!(!ready(&pod), "{pod:#}");
    assert!(!log.contains("marking server ready"), "{log}");
    let path = k.manifest("membership.yaml", &saved);
    asia.ok(&["create", "-f", &path]).await;
    let (_, log) = istiod_pod(&k, "gke-asia-2", "meshca", "marking server ready").await;
    assert!(
        log.contains("Using Mesh CA at meshca.googleapis.com:443")
            && log.contains("project-a.svc.id.goog"),
        "{log}"
    );
    asia.ok(&[
        "rollout",
        "status",
        "deploy/istiod-meshca",
        "-n",
        "istio-system",
        "--timeout=60s",
    ])
    .await;
}
