//! The built-in ClusterRoles a sandbox cluster starts with.

use serde_json::{Value, json};

/// The built-in ClusterRole a token reviewer is bound to.
pub const AUTH_DELEGATOR: &str = "system:auth-delegator";

/// `system:auth-delegator` as every cluster has it: Vault's token
/// reviewer needs `create` on `tokenreviews`.
pub fn auth_delegator() -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {
            "name": AUTH_DELEGATOR,
            "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
            "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
        },
        "rules": [
            {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]},
            {"apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"], "verbs": ["create"]},
        ],
    })
}
