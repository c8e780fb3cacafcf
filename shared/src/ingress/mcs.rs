//! The `MultiClusterService` resource (SPEC §4.1): a pod selector and ports
//! like a Service's `spec.template.spec`, and the member clusters it selects
//! (`spec.clusters[].link`, all members when absent or empty).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::object::{GkeObject, Ignored, IntOrString, KindSpec, Template};
use super::quota::IngressKind;

/// `kind` of a MultiClusterService.
pub const MCS_KIND: &str = "MultiClusterService";

/// Annotation naming the BackendConfig(s) of the load balancer's backend
/// services; its JSON value is passed on untouched.
pub const BACKEND_CONFIG_ANNOTATION: &str = "cloud.google.com/backend-config";

/// A `networking.gke.io/v1` MultiClusterService; its status, written by
/// the controller, is accepted and not used by the console.
pub type MultiClusterService = GkeObject<McsSpec, Ignored>;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct McsSpec {
    #[serde(default)]
    pub template: McsTemplate,
    /// Empty: every member cluster is selected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<ClusterSelector>,
}

impl KindSpec for McsSpec {
    const KIND: IngressKind = IngressKind::MultiClusterService;
}

/// `spec.template` of a MultiClusterService.
pub type McsTemplate = Template<McsTemplateSpec>;

/// What the derived Services copy: selector and ports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct McsTemplateSpec {
    #[serde(default)]
    pub selector: BTreeMap<String, String>,
    #[serde(default)]
    pub ports: Vec<ServicePort>,
}

/// A port as in a core Service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServicePort {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `TCP` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    /// `port` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<IntOrString>,
}

impl ServicePort {
    /// A TCP port `name` on `port`, forwarded to the same port (the
    /// editor's blank and the seed's `web` 80).
    pub fn tcp(name: &str, port: i64) -> Self {
        Self {
            name: Some(name.to_owned()),
            protocol: Some("TCP".to_owned()),
            port: Some(port),
            target_port: Some(IntOrString::Int(port)),
        }
    }

    /// Whether a backend's `servicePort` (number or name) means this port.
    pub fn answers(&self, service_port: &IntOrString) -> bool {
        match service_port {
            IntOrString::Int(n) => self.port == Some(*n),
            IntOrString::String(name) => self.name.as_deref() == Some(name.as_str()),
        }
    }
}

/// One entry of `spec.clusters`: `link: "LOCATION/NAME"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterSelector {
    #[serde(default)]
    pub link: String,
}

impl MultiClusterService {
    /// Without `spec.clusters` every member cluster is selected.
    pub fn selects_all(&self) -> bool {
        self.spec.clusters.is_empty()
    }

    /// The `cloud.google.com/backend-config` annotation.
    pub fn backend_config(&self) -> Option<&str> {
        self.metadata.annotation(BACKEND_CONFIG_ANNOTATION)
    }

    pub fn ports(&self) -> &[ServicePort] {
        &self.spec.template.spec.ports
    }

    /// The port a backend's `servicePort` refers to.
    pub fn port(&self, service_port: &IntOrString) -> Option<&ServicePort> {
        self.ports().iter().find(|p| p.answers(service_port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's second manifest, as JSON.
    pub(crate) const SEED_FOO: &str = r#"{
      "apiVersion": "networking.gke.io/v1",
      "kind": "MultiClusterService",
      "metadata": {"name": "foo", "namespace": "blue",
                   "annotations": {"cloud.google.com/backend-config": "{\"default\":\"foo-bc\"}"}},
      "spec": {
        "template": {"spec": {
          "selector": {"app": "foo"},
          "ports": [{"name": "web", "protocol": "TCP", "port": 80, "targetPort": 80}]
        }},
        "clusters": [{"link": "europe-west1-c/gke-eu"}, {"link": "asia-northeast1-a/gke-asia-1"}]
      }
    }"#;

    #[test]
    fn reads_the_seed_manifest() {
        let mcs: MultiClusterService = serde_json::from_str(SEED_FOO).unwrap();
        assert_eq!((mcs.namespace(), mcs.name()), ("blue", "foo"));
        assert!(!mcs.selects_all());
        assert_eq!(mcs.spec.clusters[1].link, "asia-northeast1-a/gke-asia-1");
        assert_eq!(mcs.backend_config(), Some(r#"{"default":"foo-bc"}"#));
        let port = mcs.port(&IntOrString::from("web")).unwrap();
        assert_eq!(port.port, Some(80));
        assert_eq!(port.target_port, Some(IntOrString::Int(80)));
        assert!(mcs.port(&IntOrString::Int(80)).is_some());
        assert!(mcs.port(&IntOrString::Int(81)).is_none());
    }

    #[test]
    fn round_trips_in_camel_case() {
        let mcs: MultiClusterService = serde_json::from_str(SEED_FOO).unwrap();
        let json = serde_json::to_string(&mcs).unwrap();
        assert!(json.contains(r#""targetPort":80"#), "{json}");
        assert!(json.contains(r#""apiVersion":"networking.gke.io/v1""#));
        assert_eq!(
            serde_json::from_str::<MultiClusterService>(&json).unwrap(),
            mcs
        );
    }

    #[test]
    fn a_misspelt_clusters_field_is_refused_not_read_as_all_clusters() {
        let text = SEED_FOO.replace(r#""clusters""#, r#""cluster""#);
        let err = serde_json::from_str::<MultiClusterService>(&text).unwrap_err();
        assert!(err.to_string().contains("unknown field `cluster`"), "{err}");
    }

    #[test]
    fn server_fields_are_accepted() {
        let text = SEED_FOO.replace(
            r#""name": "foo","#,
            r#""name": "foo", "uid": "u-1", "resourceVersion": "7","#,
        );
        let text = text.replacen('{', r#"{"status": {"anything": [1]},"#, 1);
        let mcs: MultiClusterService = serde_json::from_str(&text).unwrap();
        assert_eq!(mcs.name(), "foo");
    }
}
