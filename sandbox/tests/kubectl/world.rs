//! The simulated world judged through kubectl, on clusters of the default
//! scenario: revisioned injection and rolling restarts, image pulls refused
//! by registry rules until a grant or pull secret exists, rollback, istiod
//! pods showing their revisions, and the ingress gateway's external IP.

use serde_json::Value;

use super::harness::{Kubectl, row, words};

/// A second control plane revision beside the scenario's open-source one:
/// its istiod and its injection webhook.
const ASM_REVISION: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: istiod-asm-1106-2
  namespace: istio-system
  labels: {app: istiod, istio.io/rev: asm-1106-2}
spec:
  replicas: 1
  selector: {matchLabels: {app: istiod, istio.io/rev: asm-1106-2}}
  template:
    metadata: {labels: {app: istiod, istio.io/rev: asm-1106-2, sidecar.istio.io/inject: "false"}}
    spec:
      containers:
        - name: discovery
          image: gcr.io/gke-release/asm/pilot:1.10.6-asm.2
          resources: {requests: {cpu: 100m, memory: 256Mi}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: istio-sidecar-injector-asm-1106-2
  labels: {istio.io/rev: asm-1106-2}
webhooks:
  - name: rev.namespace.sidecar-injector.istio.io
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Fail
    clientConfig:
      service: {name: istiod-asm-1106-2, namespace: istio-system, path: /inject, port: 443}
    namespaceSelector:
      matchExpressions:
        - {key: istio.io/rev, operator: In, values: [asm-1106-2]}
        - {key: istio-injection, operator: DoesNotExist}
    rules:
      - {operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}
"#;

/// Live (not terminating) pods of a list.
fn live(list: &Value) -> Vec<&Value> {
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .collect()
}

fn name(object: &Value) -> String {
    object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// The waiting reason of the pod's first container, if it waits.
fn waiting(pod: &Value) -> &str {
    pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn rollout_restart_reinjects_the_namespace_revision() {
    let k = Kubectl::world("restart-revision", &["gke-eu"]).await;
    let eu = k.on("gke-eu");
    eu.create("asm.yaml", ASM_REVISION).await;
    for deploy in ["istiod", "istiod-asm-1106-2"] {
        eu.ok(&[
            "rollout",
            "status",
            &format!("deploy/{deploy}"),
            "-n",
            "istio-system",
            "--timeout=60s",
        ])
        .await;
    }
    let listed = eu
        .ok(&[
            "get",
            "pods",
            "-n",
            "istio-system",
            "-l",
            "app=istiod",
            "--show-labels",
        ])
        .await;
    for rev in ["istio.io/rev=default", "istio.io/rev=asm-1106-2"] {
        assert!(listed.contains(rev), "no pod shows {rev}:\n{listed}");
    }

    for deploy in ["foo", "bar"] {
        eu.ok(&[
            "rollout",
            "status",
            &format!("deploy/{deploy}"),
            "-n",
            "blue",
            "--timeout=60s",
        ])
        .await;
    }
    let before = eu.json(&["get", "pods", "-n", "blue"]).await;
    let old: Vec<String> = live(&before).into_iter().map(name).collect();
    assert_eq!(old.len(), 4, "{before:#}");
    assert!(
        live(&before)
            .iter()
            .all(|p| p["metadata"]["labels"]["istio.io/rev"] == "default"),
        "the scenario's pods run the default revision: {before:#}"
    );

    eu.ok(&[
        "label",
        "namespace",
        "blue",
        "istio.io/rev=asm-1106-2",
        "istio-injection-",
    ])
    .await;
    eu.ok(&["rollout", "restart", "deployment", "-n", "blue"])
        .await;
    for deploy in ["foo", "bar"] {
        eu.ok(&[
            "rollout",
            "status",
            &format!("deploy/{deploy}"),
            "-n",
            "blue",
            "--timeout=60s",
        ])
        .await;
    }
    let pods = eu
        .until(
            "every blue pod replaced and on asm-1106-2",
            &["get", "pods", "-n", "blue"],
            |list| {
                let pods = live(list);
                let replaced = pods.len() == 4
                    && pods.iter().all(|p| {
                        !old.contains(&name(p))
                            && p["metadata"]["labels"]["istio.io/rev"] == "asm-1106-2"
                    });
                replaced.then(|| list.clone())
            },
        )
        .await;
    for pod in live(&pods) {
        let proxy = pod["spec"]["containers"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["name"] == "istio-proxy"))
            .unwrap_or_else(|| panic!("{} has no istio-proxy", name(pod)));
        assert_eq!(
            proxy["image"],
            "gcr.io/gke-release/asm/proxyv2:1.10.6-asm.2"
        );
    }
    let selected = k
        .names(&["get", "pods", "-n", "blue", "-l", "istio.io/rev=asm-1106-2"])
        .await;
    assert_eq!(selected.len(), 4, "{selected:?}");
}

#[tokio::test]
async fn both_injection_labels_inject_nothing_and_warn() {
    let k = Kubectl::world("both-labels", &["gke-eu"]).await;
    let eu = k.on("gke-eu");
    eu.ok(&[
        "rollout",
        "status",
        "deploy/foo",
        "-n",
        "blue",
        "--timeout=60s",
    ])
    .await;
    let old = k
        .names(&["get", "pods", "-n", "blue", "-l", "app=foo"])
        .await;
    // istio-injection=enabled stays: the namespace now carries both.
    eu.ok(&["label", "namespace", "blue", "istio.io/rev=default"])
        .await;
    eu.ok(&["rollout", "restart", "deploy/foo", "-n", "blue"])
        .await;
    eu.ok(&[
        "rollout",
        "status",
        "deploy/foo",
        "-n",
        "blue",
        "--timeout=60s",
    ])
    .await;
    let pods = eu
        .until(
            "foo's pods replaced",
            &["get", "pods", "-n", "blue", "-l", "app=foo"],
            |list| {
                let pods = live(list);
                (pods.len() == 2 && pods.iter().all(|p| !old.contains(&name(p))))
                    .then(|| list.clone())
            },
        )
        .await;
    for pod in live(&pods) {
        let containers: Vec<&str> = pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(containers, ["foo"], "{} was injected", name(pod));
        assert!(pod["metadata"]["annotations"]["sidecar.istio.io/status"].is_null());
    }
    let events = eu.json(&["get", "events", "-A"]).await;
    let warning = events["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["reason"] == "NamespaceMultipleInjectionLabels")
        .unwrap_or_else(|| panic!("no warning event: {events:#}"));
    assert_eq!(warning["type"], "Warning");
    assert_eq!(warning["involvedObject"]["kind"], "Namespace");
    assert_eq!(warning["involvedObject"]["name"], "blue");
    let table = eu.ok(&["get", "events", "-A"]).await;
    assert!(
        table.contains("NamespaceMultipleInjectionLabels"),
        "{table}"
    );
}

const APP: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: NAME, namespace: migrated}
spec:
  replicas: 1
  selector: {matchLabels: {app: NAME}}
  template:
    metadata: {labels: {app: NAME}}
    spec:
      SECRETS
      containers: [{name: app, image: "IMAGE", resources: {requests: {cpu: 50m, memory: 32Mi}}}]
"#;

fn app(name: &str, image: &str, secret: Option<&str>) -> String {
    let secrets = secret.map_or_else(String::new, |s| {
        format!("imagePullSecrets: [{{name: {s}}}]")
    });
    APP.replace("NAME", name)
        .replace("IMAGE", image)
        .replace("SECRETS", &secrets)
}

#[tokio::test]
async fn refused_pulls_back_off_with_the_registry_error_until_access_exists() {
    // gke-asia-2 lives in project-b; the image is in project-a's registry.
    let k = Kubectl::world("pulls", &["gke-asia-2"]).await;
    let asia = k.on("gke-asia-2");
    asia.ok(&["create", "namespace", "migrated"]).await;
    let image = "gcr.io/project-a/app:1";
    asia.create("app.yaml", &app("app", image, None)).await;
    let pods = ["get", "pods", "-n", "migrated", "-l", "app=app"];
    let pod = asia
        .until("the pull refused", &pods, |list| {
            live(list)
                .first()
                .filter(|p| matches!(waiting(p), "ErrImagePull" | "ImagePullBackOff"))
                .map(|p| name(p))
        })
        .await;
    asia.until("ImagePullBackOff", &pods, |list| {
        live(list)
            .first()
            .filter(|p| waiting(p) == "ImagePullBackOff")
            .map(|_| ())
    })
    .await;
    let table = asia.ok(&pods).await;
    let status = row(&table, &pod);
    assert!(
        status
            .iter()
            .any(|w| matches!(*w, "ErrImagePull" | "ImagePullBackOff")),
        "{table}"
    );
    let described = asia.ok(&["describe", "pod", "-n", "migrated", &pod]).await;
    let error = format!(
        "Failed to pull image \"{image}\": rpc error: code = Unknown desc = failed to pull and unpack image \
         \"{image}\": failed to resolve reference \"{image}\": pulling from host gcr.io failed with status \
         code [manifests 1]: 403 Forbidden"
    );
    // describe wraps long messages; compare without line breaks.
    let flat = described.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&error), "{described}");
    assert!(
        flat.contains(&format!("Back-off pulling image \"{image}\"")),
        "{described}"
    );
    let events = asia.json(&["get", "events", "-n", "migrated"]).await;
    let reasons: Vec<(&str, &str)> = events["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["reason"].as_str().unwrap_or_default(),
                e["type"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    for expected in [
        ("Failed", "Warning"),
        ("BackOff", "Normal"),
        ("Pulling", "Normal"),
    ] {
        assert!(
            reasons.contains(&expected),
            "{expected:?} not in {reasons:?}"
        );
    }

    // Project-a grants project-b's clusters read access: the same pod
    // starts on a later retry.
    k.cluster("gke-asia-2")
        .profile()
        .registries
        .grant("project-a", "project-b");
    asia.until(
        "the pod Ready after the grant",
        &["get", "pod", "-n", "migrated", &pod],
        |p| ready(p).then_some(()),
    )
    .await;
    asia.ok(&[
        "rollout",
        "status",
        "deploy/app",
        "-n",
        "migrated",
        "--timeout=60s",
    ])
    .await;

    // A private registry: the pod names a pull secret that does not exist
    // yet; once it does, the pod starts.
    asia.create(
        "private.yaml",
        &app(
            "private",
            "registry.example.com/team/app:2",
            Some("regcred"),
        ),
    )
    .await;
    let private = ["get", "pods", "-n", "migrated", "-l", "app=private"];
    let message = asia
        .until("the private pull refused", &private, |list| {
            let pod = live(list).into_iter().next()?;
            matches!(waiting(pod), "ErrImagePull" | "ImagePullBackOff").then(|| {
                pod["status"]["containerStatuses"][0]["state"]["waiting"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
        })
        .await;
    assert!(
        message
            .contains("pull access denied, repository does not exist or may require authorization"),
        "{message}"
    );
    asia.ok(&[
        "create",
        "secret",
        "docker-registry",
        "regcred",
        "-n",
        "migrated",
        "--docker-server=https://registry.example.com",
        "--docker-username=deploy",
        "--docker-password=secret",
    ])
    .await;
    asia.ok(&[
        "rollout",
        "status",
        "deploy/private",
        "-n",
        "migrated",
        "--timeout=60s",
    ])
    .await;

    // The namespace's default service account lends its pull secrets to
    // pods created without any.
    asia.ok(&[
        "patch",
        "serviceaccount",
        "default",
        "-n",
        "migrated",
        "-p",
        r#"{"imagePullSecrets":[{"name":"regcred"}]}"#,
    ])
    .await;
    asia.create(
        "via-sa.yaml",
        &app("via-sa", "registry.example.com/team/other:1", None),
    )
    .await;
    asia.ok(&[
        "rollout",
        "status",
        "deploy/via-sa",
        "-n",
        "migrated",
        "--timeout=60s",
    ])
    .await;
    let pod = asia
        .json(&["get", "pods", "-n", "migrated", "-l", "app=via-sa"])
        .await;
    assert_eq!(
        pod["items"][0]["spec"]["imagePullSecrets"],
        serde_json::json!([{"name": "regcred"}])
    );
}

#[tokio::test]
async fn rollout_undo_restores_the_previous_template() {
    let k = Kubectl::world("undo", &["gke-eu"]).await;
    let eu = k.on("gke-eu");
    let status = [
        "rollout",
        "status",
        "deploy/foo",
        "-n",
        "blue",
        "--timeout=60s",
    ];
    eu.ok(&status).await;
    let first = "gcr.io/google-samples/hello-app:1.0";
    let second = "gcr.io/google-samples/hello-app:2.0";
    eu.ok(&[
        "set",
        "image",
        "deploy/foo",
        &format!("foo={second}"),
        "-n",
        "blue",
    ])
    .await;
    eu.ok(&status).await;
    let history = eu
        .ok(&["rollout", "history", "deploy/foo", "-n", "blue"])
        .await;
    assert!(
        history.lines().any(|l| words(l).first() == Some(&"2")),
        "{history}"
    );
    eu.ok(&["rollout", "undo", "deploy/foo", "-n", "blue"])
        .await;
    eu.ok(&status).await;
    let deploy = eu.json(&["get", "deploy/foo", "-n", "blue"]).await;
    assert_eq!(
        deploy["spec"]["template"]["spec"]["containers"][0]["image"],
        first
    );
    assert_eq!(
        deploy["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "3"
    );
    eu.until(
        "foo's pods back on 1.0",
        &["get", "pods", "-n", "blue", "-l", "app=foo"],
        |list| {
            let pods = live(list);
            (pods.len() == 2
                && pods
                    .iter()
                    .all(|p| p["spec"]["containers"][0]["image"] == first && ready(p)))
            .then_some(())
        },
    )
    .await;
}

const GATEWAY: &str = r#"
apiVersion: v1
kind: Service
metadata:
  name: istio-ingressgateway
  namespace: istio-system
  labels: {app: istio-ingressgateway, istio: ingressgateway}
spec:
  type: LoadBalancer
  selector: {app: istio-ingressgateway, istio: ingressgateway}
  ports:
    - {name: status-port, port: 15021, targetPort: 15021, protocol: TCP}
    - {name: http2, port: 80, targetPort: 8080, protocol: TCP}
    - {name: https, port: 443, targetPort: 8443, protocol: TCP}
"#;

fn node_ports(svc: &Value) -> Vec<i64> {
    svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["nodePort"].as_i64())
        .collect()
}

#[tokio::test]
async fn gateway_external_ip_is_automatic_in_the_cloud_and_pending_on_prem_until_set() {
    let k = Kubectl::world("gateway", &["gke-eu", "onprem-vmware-1"]).await;
    let svc = ["get", "svc", "istio-ingressgateway", "-n", "istio-system"];

    let eu = k.on("gke-eu");
    let ip = eu
        .until("a cloud external IP", &svc, |s| {
            s["status"]["loadBalancer"]["ingress"][0]["ip"]
                .as_str()
                .map(str::to_owned)
        })
        .await;
    let table = eu.ok(&svc).await;
    let cols = row(&table, "istio-ingressgateway");
    assert_eq!(cols[1], "LoadBalancer", "{table}");
    assert_eq!(cols[3], ip, "{table}");

    let onprem = k.on("onprem-vmware-1");
    onprem.ok(&["create", "namespace", "istio-system"]).await;
    onprem.create("gateway.yaml", GATEWAY).await;
    let created = onprem.json(&svc).await;
    let ports = node_ports(&created);
    assert_eq!(ports.len(), 3, "{created:#}");
    assert!(
        ports.iter().all(|p| (30000..=32767).contains(p)),
        "{ports:?}"
    );
    assert!(ports[0] != ports[1] && ports[1] != ports[2] && ports[0] != ports[2]);
    // Once the cluster's controllers have seen the Service (its Endpoints
    // exist), the address is still pending.
    onprem
        .until(
            "the gateway's Endpoints",
            &["get", "endpoints", "-n", "istio-system"],
            |l| {
                l["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|e| e["metadata"]["name"] == "istio-ingressgateway")
                    .then_some(())
            },
        )
        .await;
    let table = onprem.ok(&svc).await;
    let cols = row(&table, "istio-ingressgateway");
    assert_eq!(cols[3], "<pending>", "{table}");
    assert!(
        cols[4].contains(&format!("80:{}/TCP", ports[1])),
        "PORT(S) shows node ports: {table}"
    );

    onprem
        .ok(&[
            "patch",
            "svc",
            "istio-ingressgateway",
            "-n",
            "istio-system",
            "-p",
            r#"{"spec":{"loadBalancerIP":"10.200.0.50"}}"#,
        ])
        .await;
    onprem
        .until("the set IP", &svc, |s| {
            (s["status"]["loadBalancer"]["ingress"][0]["ip"] == "10.200.0.50").then_some(())
        })
        .await;
    let table = onprem.ok(&svc).await;
    assert_eq!(
        row(&table, "istio-ingressgateway")[3],
        "10.200.0.50",
        "{table}"
    );
    assert_eq!(
        node_ports(&onprem.json(&svc).await),
        ports,
        "node ports are kept"
    );
}

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
    asia.ok(&["delete", "secret", "cacerts", "-n", "istio-system"])
        .await;
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
        &format!("--from-literal=cert-chain.pem={CERT}{CERT}"),
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
