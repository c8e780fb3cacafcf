//! What a request asks to do, in the authorizer's terms: a verb, an API
//! group, a resource and subresource, a namespace and a name (a resource
//! request), or a verb on a path (anything else). And the refusal's
//! words, as kube-apiserver puts them.

use axum::http::Method;

use crate::api::path::{self, Target};

/// A resource request's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`.
    pub verb: String,
    pub group: String,
    /// The plural, e.g. `pods`.
    pub resource: String,
    /// e.g. `log` for `pods/log`.
    pub subresource: Option<String>,
    /// For a request on a namespace itself, the namespace's name (as the
    /// API server sets it, so RoleBindings there apply).
    pub namespace: Option<String>,
    pub name: Option<String>,
}

/// A request, as the authorizer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// On a resource: authorised by RBAC rules.
    Resource(Attributes),
    /// On a path that is no resource (discovery, `/version`, …).
    Path { verb: String, path: String },
}

impl Request {
    /// The request `method` makes on the canonical `segments` (with
    /// `watch` when the query asks to watch).
    pub fn of(method: &Method, segments: &[&str], watch: bool) -> Self {
        let plain = || Self::Path {
            verb: method.as_str().to_lowercase(),
            path: format!("/{}", segments.join("/")),
        };
        let (core, rest) = match segments {
            ["api", rest @ ..] => (true, rest),
            ["apis", rest @ ..] => (false, rest),
            _ => return plain(),
        };
        let Some(Target::Resource(r)) = path::parse(core, &rest.join("/")) else {
            return plain();
        };
        let verb = match (method, r.name.is_some()) {
            (&Method::GET | &Method::HEAD, false) if watch => "watch",
            (&Method::GET | &Method::HEAD, false) => "list",
            (&Method::GET | &Method::HEAD, true) => "get",
            (&Method::POST, _) => "create",
            (&Method::PUT, _) => "update",
            (&Method::PATCH, _) => "patch",
            (&Method::DELETE, false) => "deletecollection",
            (&Method::DELETE, true) => "delete",
            _ => return plain(),
        };
        let namespace = match (r.plural.as_str(), &r.name) {
            ("namespaces", Some(name)) => Some(name.clone()),
            _ => r.namespace,
        };
        Self::Resource(Attributes {
            verb: verb.to_owned(),
            group: r.group,
            resource: r.plural,
            subresource: r.subresource,
            namespace,
            name: r.name,
        })
    }
}

impl Attributes {
    /// `pods/log`, or `pods` without a subresource.
    pub fn resource_path(&self) -> String {
        match &self.subresource {
            Some(sub) => format!("{}/{sub}", self.resource),
            None => self.resource.clone(),
        }
    }

    /// Why `user` may not, as kube-apiserver's authorizer says it
    /// (`User "x" cannot list resource "pods" in API group "" at the
    /// cluster scope`).
    pub fn refusal(&self, user: &str) -> String {
        let scope = match &self.namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_owned(),
        };
        format!(
            "User \"{user}\" cannot {} resource \"{}\" in API group \"{}\" {scope}",
            self.verb,
            self.resource_path(),
            self.group
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attributes(method: Method, path: &str, watch: bool) -> Attributes {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match Request::of(&method, &segments, watch) {
            Request::Resource(a) => a,
            other => panic!("not a resource request: {other:?}"),
        }
    }

    #[test]
    fn verbs_follow_the_method_and_whether_a_name_is_given() {
        let list = attributes(Method::GET, "/api/v1/pods", false);
        assert_eq!((list.verb.as_str(), list.namespace), ("list", None));
        assert_eq!(attributes(Method::GET, "/api/v1/pods", true).verb, "watch");
        let log = attributes(Method::GET, "/api/v1/namespaces/web/pods/a/log", false);
        assert_eq!(
            (log.verb.as_str(), log.resource_path()),
            ("get", "pods/log".into())
        );
        assert_eq!(log.namespace.as_deref(), Some("web"));
        let approval = attributes(
            Method::PATCH,
            "/apis/certificates.k8s.io/v1/certificatesigningrequests/c/approval",
            false,
        );
        assert_eq!(approval.group, "certificates.k8s.io");
        assert_eq!(
            approval.resource_path(),
            "certificatesigningrequests/approval"
        );
        assert_eq!(
            attributes(
                Method::DELETE,
                "/apis/apps/v1/namespaces/w/deployments",
                false
            )
            .verb,
            "deletecollection"
        );
        assert_eq!(
            attributes(Method::PUT, "/api/v1/namespaces/w/finalize", false).verb,
            "update"
        );
    }

    #[test]
    fn a_namespace_is_in_its_own_namespace() {
        let patch = attributes(Method::PATCH, "/api/v1/namespaces/blue", false);
        assert_eq!(patch.namespace.as_deref(), Some("blue"));
        assert_eq!(
            patch.refusal("u"),
            "User \"u\" cannot patch resource \"namespaces\" in API group \"\" in the namespace \"blue\""
        );
    }

    #[test]
    fn discovery_is_a_path() {
        for path in ["/api", "/api/v1", "/apis/apps", "/apis/apps/v1", "/version"] {
            let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            assert!(
                matches!(
                    Request::of(&Method::GET, &segments, false),
                    Request::Path { .. }
                ),
                "{path}"
            );
        }
    }
}
