//! The fleet description (`fleet.yaml` beside the kubeconfig): what a
//! kubeconfig cannot say about each member — where it runs, its project and
//! mesh network, which member is the config cluster. The sandbox writes
//! one; for real clusters people write it (format in the README).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::{Platform, Project};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FleetDescription {
    pub fleet: FleetInfo,
    /// The member that runs multi-cluster ingress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_cluster: Option<String>,
    /// The fleet API that says and changes the config cluster; absent for
    /// real fleets (where it is GKE Hub itself) and fleets without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<HubEndpoint>,
    pub members: Vec<MemberDescription>,
}

/// Where the fleet API (GKE Hub's `features/multiclusteringress` and
/// `memberships`) is served: a base URL such as `http://127.0.0.1:7443`,
/// to which `/v1/projects/{project}/locations/global/…` is appended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HubEndpoint {
    pub endpoint: String,
}

/// The fleet's name and host project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FleetInfo {
    pub name: String,
    pub project: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemberDescription {
    pub name: String,
    /// The kubeconfig context that reaches it; its name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(default)]
    pub location: String,
    #[serde(default = "unknown_platform")]
    pub platform: Platform,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<Project>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// An on-prem admin cluster (never a mesh member).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub admin: bool,
    /// Labels people give the member (`env: prod`), for choosing members
    /// of fleet-wide jobs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

fn unknown_platform() -> Platform {
    Platform::Unknown
}

impl MemberDescription {
    pub fn context(&self) -> &str {
        self.context.as_deref().unwrap_or(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_sandbox_writes() {
        let json = serde_json::json!({
            "fleet": {"name": "meshdeck-demo", "project": "project-a"},
            "configCluster": "gke-us",
            "members": [{
                "name": "gke-eu", "context": "gke-eu", "location": "europe-west1-c",
                "platform": "gke", "project": {"id": "project-a", "number": "482915370162"},
                "network": "vpc-a"
            }, {"name": "bm", "platform": "bare-metal", "admin": true}]
        });
        let d: FleetDescription = serde_json::from_value(json).expect("parses");
        assert_eq!(d.config_cluster.as_deref(), Some("gke-us"));
        assert_eq!(d.members[0].platform, Platform::Gke);
        assert_eq!(d.members[1].context(), "bm");
        assert!(d.members[1].admin);
        assert_eq!(d.hub, None);
    }

    #[test]
    fn reads_the_hub_endpoint_and_refuses_misspelt_fields_in_it() {
        let json = serde_json::json!({
            "fleet": {"name": "f", "project": "p"},
            "hub": {"endpoint": "http://127.0.0.1:7443"},
            "members": []
        });
        let d: FleetDescription = serde_json::from_value(json).expect("parses");
        assert_eq!(
            d.hub.map(|h| h.endpoint).as_deref(),
            Some("http://127.0.0.1:7443")
        );
        let json = serde_json::json!({
            "fleet": {"name": "f", "project": "p"},
            "hub": {"url": "http://127.0.0.1:7443"},
            "members": []
        });
        let err = serde_json::from_value::<FleetDescription>(json).expect_err("refused");
        assert!(err.to_string().contains("url"), "{err}");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let json = serde_json::json!({
            "fleet": {"name": "f", "project": "p"},
            "members": [{"name": "a", "zone": "x"}]
        });
        let err = serde_json::from_value::<FleetDescription>(json).expect_err("refused");
        assert!(err.to_string().contains("zone"), "{err}");
    }
}
