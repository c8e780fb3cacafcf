//! The `MultiClusterIngress` resource (SPEC §4.1): like a core Ingress's
//! `spec.template.spec`, an optional default backend and `rules[]` of host
//! with a backend or paths, all naming MultiClusterServices of its own
//! namespace; its annotations (static IP, pre-shared certificates) and the
//! VIP its status reports.

use serde::{Deserialize, Serialize};

use super::object::{BackendRef, GkeObject, KindSpec, Status, Template};
use super::quota::IngressKind;

/// `kind` of a MultiClusterIngress.
pub const MCI_KIND: &str = "MultiClusterIngress";

/// Annotation giving a reserved global address for the VIP.
pub const STATIC_IP_ANNOTATION: &str = "networking.gke.io/static-ip";

/// Annotation listing Compute Engine SSL certificates, comma-separated.
pub const PRE_SHARED_CERTS_ANNOTATION: &str = "networking.gke.io/pre-shared-certs";

/// A `networking.gke.io/v1` MultiClusterIngress.
pub type MultiClusterIngress = GkeObject<MciSpec, MciStatus>;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MciSpec {
    #[serde(default)]
    pub template: MciTemplate,
}

impl KindSpec for MciSpec {
    const KIND: IngressKind = IngressKind::MultiClusterIngress;
}

/// `spec.template` of a MultiClusterIngress.
pub type MciTemplate = Template<MciTemplateSpec>;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MciTemplateSpec {
    /// Serves requests no rule matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<BackendRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<IngressRule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tls: Vec<IngressTls>,
}

/// A host (all hosts when absent) routed to one backend or by path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Every path of the host (the seed's form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<BackendRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRule {
    #[serde(default)]
    pub paths: Vec<HttpPath>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpPath {
    /// Every path when absent; `/foo/*` matches below `/foo/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<BackendRef>,
}

/// A certificate from a Secret in the config cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressTls {
    #[serde(default)]
    pub secret_name: String,
}

/// What the controller reports; spelt as GKE does (`VIP`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MciStatus {
    #[serde(rename = "VIP", default, skip_serializing_if = "Option::is_none")]
    pub vip: Option<String>,
}

impl Status for MciStatus {
    fn hidden(status: &Option<Self>) -> bool {
        status.is_none()
    }
}

/// One backend of a MultiClusterIngress and where it sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendUse<'a> {
    /// Path of the `backend` field, e.g. `spec.template.spec.rules[0].backend`.
    pub field: String,
    /// `None`: the default backend or a rule without a host.
    pub host: Option<&'a str>,
    /// `None`: every path.
    pub path: Option<&'a str>,
    /// The default backend (`spec.template.spec.backend`).
    pub default: bool,
    pub backend: &'a BackendRef,
}

/// The field path of the template spec, the prefix of every backend.
pub const TEMPLATE_SPEC: &str = "spec.template.spec";

impl MultiClusterIngress {
    /// The `networking.gke.io/static-ip` annotation.
    pub fn static_ip(&self) -> Option<&str> {
        self.metadata.annotation(STATIC_IP_ANNOTATION)
    }

    /// The names in `networking.gke.io/pre-shared-certs`.
    pub fn pre_shared_certs(&self) -> Vec<&str> {
        self.metadata
            .annotation(PRE_SHARED_CERTS_ANNOTATION)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The VIP the controller gave it.
    pub fn vip(&self) -> Option<&str> {
        self.status.as_ref().and_then(|s| s.vip.as_deref())
    }

    /// Every backend given, with its field path: the default one first,
    /// then rules in order.
    pub fn backends(&self) -> Vec<BackendUse<'_>> {
        let spec = &self.spec.template.spec;
        let mut out: Vec<_> = spec
            .backend
            .iter()
            .map(|backend| BackendUse {
                field: format!("{TEMPLATE_SPEC}.backend"),
                host: None,
                path: None,
                default: true,
                backend,
            })
            .collect();
        for (i, rule) in spec.rules.iter().enumerate() {
            let host = rule.host.as_deref();
            let at = format!("{TEMPLATE_SPEC}.rules[{i}]");
            if let Some(backend) = &rule.backend {
                out.push(BackendUse {
                    field: format!("{at}.backend"),
                    host,
                    path: None,
                    default: false,
                    backend,
                });
            }
            for (j, p) in rule.http.iter().flat_map(|h| &h.paths).enumerate() {
                if let Some(backend) = &p.backend {
                    out.push(BackendUse {
                        field: format!("{at}.http.paths[{j}].backend"),
                        host,
                        path: p.path.as_deref(),
                        default: false,
                        backend,
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's MultiClusterIngress, as JSON.
    const SEED_FOOBAR: &str = r#"{
      "apiVersion": "networking.gke.io/v1",
      "kind": "MultiClusterIngress",
      "metadata": {"name": "foobar-ingress", "namespace": "blue",
        "annotations": {"networking.gke.io/static-ip": "34.102.201.47",
                        "networking.gke.io/pre-shared-certs": "cert-a, cert-b"}},
      "spec": {"template": {"spec": {
        "backend": {"serviceName": "default-backend", "servicePort": 80},
        "rules": [
          {"host": "foo.example.com", "backend": {"serviceName": "foo", "servicePort": 80}},
          {"host": "bar.example.com", "backend": {"serviceName": "bar", "servicePort": 80}},
          {"host": "baz.example.com", "http": {"paths": [
            {"path": "/api/*", "backend": {"serviceName": "foo", "servicePort": "web"}}]}}
        ]
      }}},
      "status": {"VIP": "203.0.113.7", "CloudResources": {"Firewalls": ["x"]}}
    }"#;

    #[test]
    fn reads_the_seed_manifest() {
        let mci: MultiClusterIngress = serde_json::from_str(SEED_FOOBAR).unwrap();
        assert_eq!(mci.static_ip(), Some("34.102.201.47"));
        assert_eq!(mci.pre_shared_certs(), ["cert-a", "cert-b"]);
        assert_eq!(mci.vip(), Some("203.0.113.7"));
        let backends = mci.backends();
        let seen: Vec<_> = backends
            .iter()
            .map(|b| {
                (
                    b.field.as_str(),
                    b.host,
                    b.path,
                    b.backend.service_name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("spec.template.spec.backend", None, None, "default-backend"),
                (
                    "spec.template.spec.rules[0].backend",
                    Some("foo.example.com"),
                    None,
                    "foo"
                ),
                (
                    "spec.template.spec.rules[1].backend",
                    Some("bar.example.com"),
                    None,
                    "bar"
                ),
                (
                    "spec.template.spec.rules[2].http.paths[0].backend",
                    Some("baz.example.com"),
                    Some("/api/*"),
                    "foo"
                ),
            ]
        );
        assert!(backends[0].default && !backends[1].default);
    }

    #[test]
    fn misspelt_rule_fields_are_refused() {
        let text = SEED_FOOBAR.replace(r#""host": "foo"#, r#""hots": "foo"#);
        let err = serde_json::from_str::<MultiClusterIngress>(&text).unwrap_err();
        assert!(err.to_string().contains("unknown field `hots`"), "{err}");
    }

    #[test]
    fn status_vip_round_trips_as_gke_spells_it() {
        let mut mci = MultiClusterIngress::new("blue", "x");
        mci.status = Some(MciStatus {
            vip: Some("203.0.113.9".into()),
        });
        let json = serde_json::to_string(&mci).unwrap();
        assert!(json.contains(r#""status":{"VIP":"203.0.113.9"}"#), "{json}");
    }
}
