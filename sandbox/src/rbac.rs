//! Just enough RBAC for service account tokens: whether a service account
//! may do something at the cluster scope, by the ClusterRoleBindings that
//! name it and the rules of their ClusterRoles. (The cluster's own bearer
//! token is cluster-admin and never asks.) Vault's token reviewer needs
//! `create` on `tokenreviews`, which `system:auth-delegator` grants.

use serde_json::{Value, json};

use crate::store::Store;

/// The built-in ClusterRole a token reviewer is bound to.
pub const AUTH_DELEGATOR: &str = "system:auth-delegator";

/// `system:auth-delegator` as every cluster has it.
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

/// Whether service account `namespace/name` may `verb` `resource` of
/// `group` at the cluster scope.
pub fn allows(
    store: &Store,
    (namespace, name): (&str, &str),
    verb: &str,
    group: &str,
    resource: &str,
) -> bool {
    let (bindings, _) = store.list("clusterrolebindings.rbac.authorization.k8s.io", None);
    bindings.iter().any(|binding| {
        let names_account = binding["subjects"].as_array().is_some_and(|subjects| {
            subjects.iter().any(|s| {
                s["kind"] == "ServiceAccount" && s["name"] == name && s["namespace"] == namespace
            })
        });
        let role = binding["roleRef"]["name"].as_str().unwrap_or_default();
        names_account
            && binding["roleRef"]["kind"] == "ClusterRole"
            && store
                .get("clusterroles.rbac.authorization.k8s.io", "", role)
                .is_some_and(|role| {
                    role["rules"]
                        .as_array()
                        .is_some_and(|rules| rules.iter().any(|r| grants(r, verb, group, resource)))
                })
    })
}

fn grants(rule: &Value, verb: &str, group: &str, resource: &str) -> bool {
    let has = |field: &str, wanted: &str| {
        rule[field]
            .as_array()
            .is_some_and(|v| v.iter().any(|x| x == "*" || x == wanted))
    };
    has("verbs", verb) && has("apiGroups", group) && has("resources", resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(role: &str, account: (&str, &str)) -> Value {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": "b"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
               "subjects": [{"kind": "ServiceAccount", "namespace": account.0, "name": account.1}]})
    }

    #[test]
    fn only_a_bound_account_may_review_tokens() {
        let store = Store::memory();
        let roles = "clusterroles.rbac.authorization.k8s.io";
        store.put(roles, "", AUTH_DELEGATOR, auth_delegator());
        let review = |store: &Store, who| {
            allows(
                store,
                who,
                "create",
                "authentication.k8s.io",
                "tokenreviews",
            )
        };
        assert!(!review(&store, ("kube-system", "reviewer")));
        store.put(
            "clusterrolebindings.rbac.authorization.k8s.io",
            "",
            "b",
            binding(AUTH_DELEGATOR, ("kube-system", "reviewer")),
        );
        assert!(review(&store, ("kube-system", "reviewer")));
        assert!(
            !review(&store, ("istio-system", "reviewer")),
            "another namespace"
        );
        assert!(!allows(
            &store,
            ("kube-system", "reviewer"),
            "list",
            "",
            "pods"
        ));
        store.remove(roles, "", AUTH_DELEGATOR);
        assert!(!review(&store, ("kube-system", "reviewer")), "no such role");
    }
}
