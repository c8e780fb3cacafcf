//! The kinds a sandbox cluster serves: built-in Kubernetes resources plus the
//! custom resources of every CRD created in it.

use serde_json::Value;

/// One served resource (a plural name under a group-version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// `""` for the core group.
    pub group: String,
    pub version: String,
    /// Plural, lowercase: `pods`.
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    /// Subresources served: `status`, `scale`, `log`, `approval`.
    pub subresources: Vec<String>,
    /// Categories (`all`, `istio-io`) that `kubectl get <category>` expands.
    pub categories: Vec<String>,
    /// The OpenAPI v3 schema of a custom resource, used for validation.
    pub schema: Option<Value>,
    /// A request-only kind (`tokenreviews`): it can be created, and that
    /// answers the request; nothing is stored to get, list or delete.
    pub create_only: bool,
}

impl ResourceType {
    /// `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The storage key: `pods` or `deployments.apps`.
    pub fn key(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn has_subresource(&self, name: &str) -> bool {
        self.subresources.iter().any(|s| s == name)
    }

    /// Verbs the resource supports: all of them, but only `create` for a
    /// request-only kind.
    pub fn verbs(&self) -> Vec<&'static str> {
        if self.create_only {
            return vec!["create"];
        }
        vec![
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ]
    }
}

struct Builtin {
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    sub: &'static [&'static str],
}

const BUILTINS: &[Builtin] = &[
    b(
        "",
        "v1",
        "namespaces",
        "Namespace",
        false,
        &["ns"],
        &["status", "finalize"],
    ),
    b("", "v1", "pods", "Pod", true, &["po"], &["status", "log"]),
    b("", "v1", "services", "Service", true, &["svc"], &["status"]),
    b("", "v1", "endpoints", "Endpoints", true, &["ep"], &[]),
    b("", "v1", "secrets", "Secret", true, &[], &[]),
    b("", "v1", "configmaps", "ConfigMap", true, &["cm"], &[]),
    b(
        "",
        "v1",
        "serviceaccounts",
        "ServiceAccount",
        true,
        &["sa"],
        &["token"],
    ),
    b("", "v1", "events", "Event", true, &["ev"], &[]),
    b("", "v1", "nodes", "Node", false, &["no"], &["status"]),
    b(
        "apps",
        "v1",
        "deployments",
        "Deployment",
        true,
        &["deploy"],
        &["status", "scale"],
    ),
    b(
        "apps",
        "v1",
        "replicasets",
        "ReplicaSet",
        true,
        &["rs"],
        &["status", "scale"],
    ),
    b(
        "apps",
        "v1",
        "daemonsets",
        "DaemonSet",
        true,
        &["ds"],
        &["status"],
    ),
    b(
        "apps",
        "v1",
        "statefulsets",
        "StatefulSet",
        true,
        &["sts"],
        &["status", "scale"],
    ),
    b(
        "apps",
        "v1",
        "controllerrevisions",
        "ControllerRevision",
        true,
        &[],
        &[],
    ),
    b(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
        &["status"],
    ),
    b(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
        &["pdb"],
        &["status"],
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "Role",
        true,
        &[],
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
        &[],
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
        &[],
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
        &[],
        &[],
    ),
    b(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
        &[],
        &[],
    ),
    b(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
        &[],
        &[],
    ),
    b(
        "certificates.k8s.io",
        "v1",
        "certificatesigningrequests",
        "CertificateSigningRequest",
        false,
        &["csr"],
        &["status", "approval"],
    ),
    b(
        "authentication.k8s.io",
        "v1",
        "tokenreviews",
        "TokenReview",
        false,
        &[],
        &[],
    ),
    b(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        false,
        &["crd", "crds"],
        &["status"],
    ),
];

const fn b(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    sub: &'static [&'static str],
) -> Builtin {
    Builtin {
        group,
        version,
        plural,
        kind,
        namespaced,
        short,
        sub,
    }
}

/// The request-only built-in kinds.
const CREATE_ONLY: &[&str] = &["tokenreviews"];

/// The kinds real clusters put in the `all` category (ConfigMaps and
/// Secrets are not among them).
fn builtin_categories(kind: &str) -> Vec<String> {
    let in_all = matches!(
        kind,
        "Pod"
            | "Service"
            | "Deployment"
            | "ReplicaSet"
            | "DaemonSet"
            | "StatefulSet"
            | "HorizontalPodAutoscaler"
    );
    if in_all {
        vec!["all".into()]
    } else {
        Vec::new()
    }
}

/// All resources of one cluster.
#[derive(Debug, Clone)]
pub struct Registry {
    types: Vec<ResourceType>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Registry {
    /// The built-in kinds every cluster serves.
    pub fn builtin() -> Self {
        let types = BUILTINS
            .iter()
            .map(|b| ResourceType {
                group: b.group.into(),
                version: b.version.into(),
                plural: b.plural.into(),
                singular: b.kind.to_ascii_lowercase(),
                kind: b.kind.into(),
                namespaced: b.namespaced,
                short_names: b.short.iter().map(|s| (*s).into()).collect(),
                subresources: b.sub.iter().map(|s| (*s).into()).collect(),
                categories: builtin_categories(b.kind),
                schema: None,
                create_only: CREATE_ONLY.contains(&b.plural),
            })
            .collect();
        Self { types }
    }

    pub fn all(&self) -> &[ResourceType] {
        &self.types
    }

    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
    }

    pub fn by_key(&self, key: &str) -> Option<&ResourceType> {
        self.types.iter().find(|t| t.key() == key)
    }

    /// Group-versions in serving order (core first, then groups by name).
    pub fn group_versions(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for t in &self.types {
            let gv = (t.group.clone(), t.version.clone());
            if !out.contains(&gv) {
                out.push(gv);
            }
        }
        out
    }

    /// Replaces the custom resources with those of the given CRDs (only
    /// established ones, i.e. every stored CRD; served versions only).
    pub fn set_custom(&mut self, crds: &[Value]) {
        self.types.retain(|t| t.schema.is_none());
        for crd in crds {
            self.types.extend(custom_types(crd));
        }
    }
}

/// The resource types one CRD defines, one per served version.
pub fn custom_types(crd: &Value) -> Vec<ResourceType> {
    let spec = &crd["spec"];
    let names = &spec["names"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let group = text(&spec["group"]);
    let plural = text(&names["plural"]);
    let kind = text(&names["kind"]);
    let singular = match names["singular"].as_str() {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => kind.to_ascii_lowercase(),
    };
    let namespaced = spec["scope"].as_str() != Some("Cluster");
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(Into::into))
            .collect()
    };
    let short_names = strings(&names["shortNames"]);
    let categories = strings(&names["categories"]);
    spec["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["served"].as_bool().unwrap_or(true))
        .map(|v| {
            let mut subresources = Vec::new();
            if v["subresources"]["status"].is_object() {
                subresources.push("status".to_owned());
            }
            if v["subresources"]["scale"].is_object() {
                subresources.push("scale".to_owned());
            }
            ResourceType {
                group: group.clone(),
                version: text(&v["name"]),
                plural: plural.clone(),
                singular: singular.clone(),
                kind: kind.clone(),
                namespaced,
                short_names: short_names.clone(),
                subresources,
                categories: categories.clone(),
                schema: Some(v["schema"]["openAPIV3Schema"].clone()),
                create_only: false,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_builtins_by_group_version_plural() {
        let reg = Registry::builtin();
        let deploy = reg.find("apps", "v1", "deployments").unwrap();
        assert_eq!(deploy.kind, "Deployment");
        assert_eq!(deploy.key(), "deployments.apps");
        assert!(deploy.has_subresource("scale"));
        assert!(reg.find("", "v1", "pods").unwrap().namespaced);
        assert!(!reg.find("", "v1", "nodes").unwrap().namespaced);
    }

    #[test]
    fn custom_resources_come_and_go_with_their_crd() {
        let crd = serde_json::json!({
            "spec": {
                "group": "networking.gke.io",
                "scope": "Namespaced",
                "names": {"plural": "multiclusterservices", "kind": "MultiClusterService", "shortNames": ["mcs"], "categories": ["mesh"]},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {"type": "object"}},
                    "subresources": {"status": {}}}]
            }
        });
        let mut reg = Registry::builtin();
        reg.set_custom(&[crd]);
        let mcs = reg
            .find("networking.gke.io", "v1", "multiclusterservices")
            .unwrap();
        assert_eq!(mcs.short_names, vec!["mcs".to_owned()]);
        assert_eq!(mcs.categories, vec!["mesh".to_owned()]);
        assert_eq!(reg.find("", "v1", "pods").unwrap().categories, ["all"]);
        assert!(reg.find("", "v1", "secrets").unwrap().categories.is_empty());
        assert!(mcs.has_subresource("status"));
        reg.set_custom(&[]);
        assert!(
            reg.find("networking.gke.io", "v1", "multiclusterservices")
                .is_none()
        );
        assert!(reg.find("", "v1", "pods").is_some());
    }
}
