//! The two ways the seed wires a pull secret to the workload's pods, as
//! pure changes to manifests: the namespace's `default` service account
//! lists it in `imagePullSecrets` (pods created from then on inherit it), or
//! each pod template of the spec names it.

use serde_json::{Value, json};

use super::spec::DeploymentSpec;

/// The service account pods use when their template names none.
pub const DEFAULT_SERVICE_ACCOUNT: &str = "default";

/// Adds `secret` to `imagePullSecrets` of every pod template in `spec`.
pub fn add_to_templates(spec: &mut DeploymentSpec, secret: &str) {
    for workload in spec.workloads_mut() {
        let pod = &mut workload.body["spec"]["template"]["spec"];
        add_reference(&mut pod["imagePullSecrets"], secret);
    }
}

/// The `imagePullSecrets` names of `list` (a JSON array or null).
pub fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["name"].as_str().map(str::to_owned))
        .collect()
}

fn add_reference(list: &mut Value, secret: &str) {
    if names(list).iter().any(|n| n == secret) {
        return;
    }
    if !list.is_array() {
        *list = json!([]);
    }
    if let Some(items) = list.as_array_mut() {
        items.push(json!({"name": secret}));
    }
}

/// The apply body of the namespace's default service account listing
/// `secret` beside the pull secrets it already lists (`live`: the service
/// account as read from the cluster). The list is replaced as a whole by an
/// apply, so the existing entries are kept explicitly.
pub fn service_account_with(live: Option<&Value>, namespace: &str, secret: &str) -> Value {
    let mut list = live.map_or(Value::Null, |sa| sa["imagePullSecrets"].clone());
    add_reference(&mut list, secret);
    service_account(namespace, list)
}

/// The apply body of the default service account without `secret`, the
/// other pull secrets it lists kept.
pub fn service_account_without(live: Option<&Value>, namespace: &str, secret: &str) -> Value {
    let kept: Vec<Value> = live
        .map(|sa| names(&sa["imagePullSecrets"]))
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n != secret)
        .map(|n| json!({"name": n}))
        .collect();
    service_account(namespace, Value::Array(kept))
}

fn service_account(namespace: &str, list: Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": DEFAULT_SERVICE_ACCOUNT, "namespace": namespace},
        "imagePullSecrets": list,
    })
}

/// Whether the spec's pods use the namespace's default service account
/// (so a patch of it reaches them).
pub fn uses_default_service_account(spec: &DeploymentSpec) -> bool {
    spec.workloads().all(|w| {
        let pod = &w.body["spec"]["template"]["spec"];
        pod["serviceAccountName"]
            .as_str()
            .or_else(|| pod["serviceAccount"].as_str())
            .is_none_or(|sa| sa == DEFAULT_SERVICE_ACCOUNT)
    })
}

/// A workload manifest whose pod template changes so its pods are
/// replaced (what `kubectl rollout restart` does).
pub fn restarted(mut workload: Value, at: &str) -> Value {
    workload["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] =
        json!(at);
    workload
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers: [{name: app, image: gcr.io/p/app:1}]
      imagePullSecrets: [{name: other}]
---
apiVersion: v1
kind: Service
metadata: {name: app}
spec: {ports: [{port: 80}]}
";

    #[test]
    fn templates_gain_the_secret_once() {
        let mut spec = DeploymentSpec::parse(SPEC).unwrap();
        add_to_templates(&mut spec, "gcr-json-key");
        add_to_templates(&mut spec, "gcr-json-key");
        let pod = &spec.objects[0].body["spec"]["template"]["spec"];
        assert_eq!(names(&pod["imagePullSecrets"]), ["other", "gcr-json-key"]);
        assert!(spec.objects[1].body["spec"]["template"].is_null());
    }

    #[test]
    fn the_service_account_keeps_its_other_secrets() {
        let live = json!({"imagePullSecrets": [{"name": "team"}]});
        let with = service_account_with(Some(&live), "apps", "gcr-json-key");
        assert_eq!(
            with["metadata"],
            json!({"name": "default", "namespace": "apps"})
        );
        assert_eq!(names(&with["imagePullSecrets"]), ["team", "gcr-json-key"]);
        let fresh = service_account_with(None, "apps", "gcr-json-key");
        assert_eq!(names(&fresh["imagePullSecrets"]), ["gcr-json-key"]);
        let without = service_account_without(Some(&with), "apps", "gcr-json-key");
        assert_eq!(names(&without["imagePullSecrets"]), ["team"]);
        let empty = service_account_without(Some(&fresh), "apps", "gcr-json-key");
        assert_eq!(empty["imagePullSecrets"], json!([]));
    }

    #[test]
    fn only_default_service_account_pods_inherit_a_patch() {
        let spec = DeploymentSpec::parse(SPEC).unwrap();
        assert!(uses_default_service_account(&spec));
        let own = SPEC.replace(
            "      containers:",
            "      serviceAccountName: app\n      containers:",
        );
        assert!(!uses_default_service_account(
            &DeploymentSpec::parse(&own).unwrap()
        ));
    }

    #[test]
    fn a_restart_changes_only_the_template_annotation() {
        let spec = DeploymentSpec::parse(SPEC).unwrap();
        let before = spec.objects[0].body.clone();
        let after = restarted(before.clone(), "2024-01-01T00:00:00Z");
        assert_eq!(
            after["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"],
            "2024-01-01T00:00:00Z"
        );
        assert_eq!(
            after["spec"]["template"]["spec"],
            before["spec"]["template"]["spec"]
        );
    }
}
