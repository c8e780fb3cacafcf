//! The ServiceAccount admission plugin's part in pull secrets: a pod
//! created without `imagePullSecrets` gets those of its service account.

use serde_json::Value;

use crate::cluster::Cluster;

pub fn copy_pull_secrets(c: &Cluster, pod: &mut Value) {
    let has_own = pod["spec"]["imagePullSecrets"]
        .as_array()
        .is_some_and(|s| !s.is_empty());
    if has_own {
        return;
    }
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    let sa = pod["spec"]["serviceAccountName"]
        .as_str()
        .unwrap_or("default");
    let secrets = c
        .store
        .get("serviceaccounts", ns, sa)
        .and_then(|sa| sa["imagePullSecrets"].as_array().cloned())
        .filter(|s| !s.is_empty());
    if let Some(secrets) = secrets {
        pod["spec"]["imagePullSecrets"] = Value::Array(secrets);
    }
}
