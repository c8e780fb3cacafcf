//! The authorizer over bindings: which subjects a ClusterRoleBinding or
//! RoleBinding names, and where a RoleBinding grants.

use serde_json::{Value, json};

use super::*;

const RBAC: &str = "rbac.authorization.k8s.io";

fn binding(kind: &str, namespace: &str, role: (&str, &str), subject: Value) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
           "metadata": {"name": "b", "namespace": namespace},
           "roleRef": {"apiGroup": RBAC, "kind": role.0, "name": role.1},
           "subjects": [subject]})
}

fn account(namespace: &str, name: &str) -> Value {
    json!({"kind": "ServiceAccount", "namespace": namespace, "name": name})
}

fn request(verb: &str, group: &str, resource: &str, namespace: Option<&str>) -> Attributes {
    Attributes {
        verb: verb.into(),
        group: group.into(),
        resource: resource.into(),
        subresource: None,
        namespace: namespace.map(Into::into),
        name: None,
    }
}

#[test]
fn only_a_bound_account_may_review_tokens() {
    let store = Store::memory();
    store.put(CLUSTER_ROLES, "", AUTH_DELEGATOR, auth_delegator());
    let reviewer = User::service_account("kube-system", "reviewer");
    let review = request("create", "authentication.k8s.io", "tokenreviews", None);
    assert!(!authorize(&store, &reviewer, &review));
    store.put(
        CLUSTER_ROLE_BINDINGS,
        "",
        "b",
        binding(
            "ClusterRoleBinding",
            "",
            ("ClusterRole", AUTH_DELEGATOR),
            account("kube-system", "reviewer"),
        ),
    );
    assert!(authorize(&store, &reviewer, &review));
    let elsewhere = User::service_account("istio-system", "reviewer");
    assert!(!authorize(&store, &elsewhere, &review), "another namespace");
    assert!(!authorize(
        &store,
        &reviewer,
        &request("list", "", "pods", None)
    ));
    store.remove(CLUSTER_ROLES, "", AUTH_DELEGATOR);
    assert!(!authorize(&store, &reviewer, &review), "no such role");
}

#[test]
fn a_role_binding_grants_in_its_namespace_only() {
    let store = Store::memory();
    let reader = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "reader", "namespace": "web"},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]});
    store.put(ROLES, "web", "reader", reader);
    store.put(
        ROLE_BINDINGS,
        "web",
        "b",
        binding(
            "RoleBinding",
            "web",
            ("Role", "reader"),
            account("ci", "bot"),
        ),
    );
    let bot = User::service_account("ci", "bot");
    assert!(authorize(
        &store,
        &bot,
        &request("list", "", "configmaps", Some("web"))
    ));
    assert!(!authorize(
        &store,
        &bot,
        &request("list", "", "configmaps", Some("api"))
    ));
    assert!(!authorize(
        &store,
        &bot,
        &request("list", "", "configmaps", None)
    ));
    assert!(!authorize(
        &store,
        &bot,
        &request("delete", "", "configmaps", Some("web"))
    ));
}

#[test]
fn a_cluster_role_bound_in_a_namespace_or_to_a_group_grants() {
    let store = Store::memory();
    let view = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "view"},
        "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]}]});
    store.put(CLUSTER_ROLES, "", "view", view);
    store.put(
        ROLE_BINDINGS,
        "web",
        "b",
        binding(
            "RoleBinding",
            "web",
            ("ClusterRole", "view"),
            json!({"kind": "Group", "name": "system:serviceaccounts:ci"}),
        ),
    );
    let bot = User::service_account("ci", "bot");
    assert!(authorize(
        &store,
        &bot,
        &request("watch", "apps", "deployments", Some("web"))
    ));
    assert!(!authorize(
        &store,
        &bot,
        &request("watch", "apps", "deployments", None)
    ));
    let other = User::service_account("dev", "bot");
    assert!(!authorize(
        &store,
        &other,
        &request("watch", "apps", "deployments", Some("web"))
    ));
}
