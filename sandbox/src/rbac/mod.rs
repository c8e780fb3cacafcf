//! RBAC as kube-apiserver's authorizer evaluates it, for every user but
//! the cluster's own bearer token (which is cluster-admin and never asks):
//! a request's [`Attributes`] are allowed when a rule of a ClusterRole
//! bound to the user by a ClusterRoleBinding, or of a Role or ClusterRole
//! bound by a RoleBinding in the request's namespace, grants them.
//! Users are service accounts here (their tokens are the only other
//! credentials a sandbox cluster accepts).

mod attributes;
mod builtin;
mod rules;

pub use attributes::{Attributes, Request};
pub use builtin::{AUTH_DELEGATOR, auth_delegator};
pub use rules::grants;

use serde_json::Value;

use crate::store::Store;

const CLUSTER_ROLES: &str = "clusterroles.rbac.authorization.k8s.io";
const CLUSTER_ROLE_BINDINGS: &str = "clusterrolebindings.rbac.authorization.k8s.io";
const ROLES: &str = "roles.rbac.authorization.k8s.io";
const ROLE_BINDINGS: &str = "rolebindings.rbac.authorization.k8s.io";

/// Who is asking: a user name, its groups and, for a service account, its
/// namespace and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub groups: Vec<String>,
    pub service_account: Option<(String, String)>,
}

impl User {
    /// Service account `namespace/name`, with the groups the API server
    /// gives every service account.
    pub fn service_account(namespace: &str, name: &str) -> Self {
        Self {
            name: format!("system:serviceaccount:{namespace}:{name}"),
            groups: vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{namespace}"),
                "system:authenticated".into(),
            ],
            service_account: Some((namespace.to_owned(), name.to_owned())),
        }
    }

    fn is(&self, subject: &Value) -> bool {
        let name = subject["name"].as_str().unwrap_or_default();
        match subject["kind"].as_str() {
            Some("ServiceAccount") => self
                .service_account
                .as_ref()
                .is_some_and(|(ns, sa)| sa == name && subject["namespace"] == ns.as_str()),
            Some("User") => self.name == name,
            Some("Group") => self.groups.iter().any(|g| g == name),
            _ => false,
        }
    }

    fn bound_by(&self, binding: &Value) -> bool {
        binding["subjects"]
            .as_array()
            .is_some_and(|subjects| subjects.iter().any(|s| self.is(s)))
    }
}

/// Whether `user` may do what `attributes` say on the cluster of `store`.
pub fn authorize(store: &Store, user: &User, attributes: &Attributes) -> bool {
    let allows = |role: Option<std::sync::Arc<Value>>| {
        role.is_some_and(|role| {
            role["rules"]
                .as_array()
                .is_some_and(|rules| rules.iter().any(|r| grants(r, attributes)))
        })
    };
    let (cluster_bindings, _) = store.list(CLUSTER_ROLE_BINDINGS, None);
    let by_cluster_binding = cluster_bindings.iter().any(|binding| {
        user.bound_by(binding)
            && binding["roleRef"]["kind"] == "ClusterRole"
            && allows(store.get(CLUSTER_ROLES, "", role_name(binding)))
    });
    if by_cluster_binding {
        return true;
    }
    let Some(namespace) = attributes.namespace.as_deref() else {
        return false;
    };
    let (bindings, _) = store.list(ROLE_BINDINGS, Some(namespace));
    bindings.iter().any(|binding| {
        user.bound_by(binding)
            && match binding["roleRef"]["kind"].as_str() {
                Some("ClusterRole") => allows(store.get(CLUSTER_ROLES, "", role_name(binding))),
                Some("Role") => allows(store.get(ROLES, namespace, role_name(binding))),
                _ => false,
            }
    })
}

fn role_name(binding: &Value) -> &str {
    binding["roleRef"]["name"].as_str().unwrap_or_default()
}

#[cfg(test)]
mod tests;
