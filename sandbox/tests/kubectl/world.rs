//! The simulated world judged through kubectl, on clusters of the default
//! scenario: revisioned injection and rolling restarts, and rollback. The
//! other parts of the world have their own files: `pulls.rs` (image pulls),
//! `istiod.rs` (CA modes), `gateway.rs` (load balancer addresses).

use serde_json::Value;

use super::harness::{Kubectl, KubectlOn, words};

/// A second control plane revision beside the scenario's open-source one:
/// its istiod, its injection webhook (selectors as Istio writes them) and
/// the Service that answers it.
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
---
apiVersion: v1
kind: Service
metadata:
  name: istiod-asm-1106-2
  namespace: istio-system
  labels: {app: istiod, istio.io/rev: asm-1106-2}
spec:
  selector: {app: istiod, istio.io/rev: asm-1106-2}
  ports:
    - {name: https-webhook, port: 443, targetPort: 15017, protocol: TCP}
"#;
/// Live (not terminating) pods of a list.
pub(crate) fn live(list: &Value) -> Vec<&Value> {
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .collect()
}

pub(crate) fn name(object: &Value) -> String {
    object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

pub(crate) fn ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// The waiting reason of the pod's first container, if it waits.
pub(crate) fn waiting(pod: &Value) -> &str {
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

/// The revision of `app=foo`'s live pods' sidecars once restart `round`
/// has replaced every pod of `old` (empty: no sidecar).
async fn restarted_foo_revisions(eu: &KubectlOn<'_>, old: &[String], round: u32) -> Vec<String> {
    // A template change of its own per round (`rollout restart` refuses a
    // second restart within one second).
    let round = format!(
        r#"{{"spec":{{"template":{{"metadata":{{"annotations":{{"test/round":"{round}"}}}}}}}}}}"#
    );
    eu.ok(&["patch", "deploy/foo", "-n", "blue", "-p", &round])
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
    live(&pods)
        .into_iter()
        .map(|pod| {
            let proxy = pod["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["name"] == "istio-proxy");
            let rev = pod["metadata"]["labels"]["istio.io/rev"]
                .as_str()
                .unwrap_or_default();
            assert_eq!(proxy, !rev.is_empty(), "{pod:#}");
            rev.to_owned()
        })
        .collect()
}

/// Seed 000: "remove istio-injection, it takes precedence". The
/// injectors' selectors decide: with both labels the default injector
/// selects the namespace and the revision's does not; without
/// `istio-injection` the revision's does; without the revision's webhook
/// configuration nothing injects.
#[tokio::test]
async fn webhook_selectors_decide_which_revision_injects() {
    let k = Kubectl::world("webhook-selection", &["gke-eu"]).await;
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
    let foo = ["get", "pods", "-n", "blue", "-l", "app=foo"];
    eu.ok(&[
        "rollout",
        "status",
        "deploy/foo",
        "-n",
        "blue",
        "--timeout=60s",
    ])
    .await;
    // istio-injection=enabled stays: the namespace now carries both.
    eu.ok(&["label", "namespace", "blue", "istio.io/rev=asm-1106-2"])
        .await;
    let old = k.names(&foo).await;
    assert_eq!(
        restarted_foo_revisions(&eu, &old, 1).await,
        ["default", "default"],
        "with both labels the legacy label wins"
    );

    eu.ok(&["label", "namespace", "blue", "istio-injection-"])
        .await;
    let old = k.names(&foo).await;
    assert_eq!(
        restarted_foo_revisions(&eu, &old, 2).await,
        ["asm-1106-2", "asm-1106-2"]
    );

    eu.ok(&[
        "delete",
        "mutatingwebhookconfiguration",
        "istio-sidecar-injector-asm-1106-2",
    ])
    .await;
    let old = k.names(&foo).await;
    assert_eq!(
        restarted_foo_revisions(&eu, &old, 3).await,
        ["", ""],
        "no webhook selects the namespace: no sidecar"
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
