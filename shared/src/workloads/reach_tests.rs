use serde_json::{Value, json};

use super::*;

fn deployment(pod: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "q", "namespace": "apps"},
        "spec": {"template": {"spec": pod}}
    })
}

fn fields(found: &[FieldError]) -> Vec<&str> {
    found.iter().map(|f| f.field.as_str()).collect()
}

#[test]
fn control_plane_and_ca_namespaces_are_out_of_reach() {
    for ns in ["istio-system", "kube-system", "gke-system"] {
        let found = namespace_violations(ns, &[]);
        assert_eq!(fields(&found), ["namespace"], "{ns}");
        assert!(found[0].message.contains("mesh control plane"), "{found:?}");
    }
    assert!(namespace_violations("apps", &[]).is_empty());
    let found = namespace_violations("vault", &["Secret cacerts".into()]);
    assert_eq!(
        found[0].message,
        "namespace vault holds mesh CA material (Secret cacerts): workloads are not deployed there"
    );
}

#[test]
fn a_plain_workload_reaches_nothing() {
    let pod = json!({
        "serviceAccountName": "quickstart",
        "volumes": [{"name": "cfg", "configMap": {"name": "cfg"}}, {"name": "tmp", "emptyDir": {}}],
        "containers": [{"name": "q", "image": "gcr.io/p/q:1",
            "env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "a"}}}],
            "securityContext": {"privileged": false, "capabilities": {"add": ["NET_BIND_SERVICE"]}}}]
    });
    assert_eq!(spec_violations(&[deployment(pod)], &[]), []);
}

#[test]
fn mesh_identities_are_refused() {
    for account in ["istiod", "istiod-asm-1106-2", "istio-ingressgateway"] {
        let pod = json!({"serviceAccountName": account, "containers": []});
        let found = spec_violations(&[deployment(pod)], &[]);
        assert_eq!(
            fields(&found),
            ["Deployment/q.spec.template.spec.serviceAccountName"],
            "{account}"
        );
        assert!(found[0].message.contains(account));
    }
    let old = json!({"serviceAccount": "istiod", "containers": []});
    assert_eq!(spec_violations(&[deployment(old)], &[]).len(), 1);
    let account =
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "istiod"}});
    assert_eq!(
        fields(&spec_violations(&[account], &[])),
        ["ServiceAccount/istiod.metadata.name"]
    );
    assert!(!is_mesh_identity("istio"));
    assert!(!is_mesh_identity("my-istiod"));
}

#[test]
fn secrets_and_tokens_the_migration_does_not_create_are_refused() {
    let pod = json!({
        "volumes": [
            {"name": "ca", "secret": {"secretName": "cacerts"}},
            {"name": "pull", "secret": {"secretName": "gcr-json-key"}},
            {"name": "mix", "projected": {"sources": [
                {"secret": {"name": "istio-ca-cert"}},
                {"serviceAccountToken": {"path": "token", "audience": "istio-ca"}},
                {"configMap": {"name": "cfg"}}]}}
        ],
        "containers": [{"name": "q",
            "env": [{"name": "K", "valueFrom": {"secretKeyRef": {"name": "cacerts", "key": "ca-key.pem"}}}],
            "envFrom": [{"secretRef": {"name": "db"}}, {"configMapRef": {"name": "cfg"}}]}]
    });
    let found = spec_violations(&[deployment(pod)], &["gcr-json-key"]);
    let at = "Deployment/q.spec.template.spec";
    assert_eq!(
        fields(&found),
        [
            format!("{at}.volumes[0].secret.secretName"),
            format!("{at}.volumes[2].projected.sources[0].secret.name"),
            format!("{at}.volumes[2].projected.sources[1].serviceAccountToken"),
            format!("{at}.containers[0].env[0].valueFrom.secretKeyRef.name"),
            format!("{at}.containers[0].envFrom[0].secretRef.name"),
        ]
    );
    assert!(
        found[0]
            .message
            .starts_with("secret cacerts is not created by this migration")
    );
}

#[test]
fn the_node_is_out_of_reach() {
    let pod = json!({
        "hostNetwork": true, "hostPID": true, "hostIPC": false,
        "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
        "initContainers": [{"name": "i", "securityContext": {"privileged": true}}],
        "containers": [{"name": "q", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]
    });
    let mut sts = deployment(pod);
    sts["kind"] = json!("StatefulSet");
    let at = "StatefulSet/q.spec.template.spec";
    assert_eq!(
        fields(&spec_violations(&[sts], &[])),
        [
            format!("{at}.hostNetwork"),
            format!("{at}.hostPID"),
            format!("{at}.volumes[0].hostPath"),
            format!("{at}.initContainers[0].securityContext.privileged"),
            format!("{at}.containers[0].securityContext.capabilities.add[0]"),
        ]
    );
}
