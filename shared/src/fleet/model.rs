//! The fleet snapshot: what the backend's watchers know about every member
//! cluster, reduced to what the console shows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ClusterName;

pub use super::reachability::Reachability;

/// Where a member cluster runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    Gke,
    GkeOnVmware,
    BareMetal,
    AttachedAws,
    AttachedAzure,
    /// Not named in the fleet description.
    #[serde(other)]
    Unknown,
}

impl Platform {
    pub fn title(self) -> &'static str {
        match self {
            Platform::Gke => "GKE",
            Platform::GkeOnVmware => "GKE on VMware",
            Platform::BareMetal => "Bare metal",
            Platform::AttachedAws => "Attached (AWS)",
            Platform::AttachedAzure => "Attached (Azure)",
            Platform::Unknown => "Unknown platform",
        }
    }

    /// Runs in the customer's data centre (GKE on VMware, bare metal).
    pub fn on_prem(self) -> bool {
        matches!(self, Platform::GkeOnVmware | Platform::BareMetal)
    }
}

/// A Google Cloud project: its id and number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub id: String,
    pub number: String,
}

/// A member cluster as the fleet description and kubeconfig name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Member {
    pub name: ClusterName,
    /// The kubeconfig context the console reaches it through.
    pub context: String,
    /// Region or zone, e.g. `europe-west1-c`; empty when not described.
    pub location: String,
    pub platform: Platform,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<Project>,
    /// The mesh network id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Runs multi-cluster ingress for the fleet.
    #[serde(default)]
    pub config_cluster: bool,
    /// Its labels in the fleet description.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

impl Member {
    /// Member `name` at `location`, reached through the kubeconfig context
    /// of its name, in no project or network and not the config cluster:
    /// where fixtures start (with struct update for the rest).
    pub fn new(name: ClusterName, location: &str, platform: Platform) -> Self {
        Self {
            context: name.to_string(),
            name,
            location: location.to_owned(),
            platform,
            project: None,
            network: None,
            config_cluster: false,
            labels: BTreeMap::new(),
        }
    }

    /// The region of [`Member::location`] (see [`region_of`]).
    pub fn region(&self) -> &str {
        region_of(&self.location)
    }
}

/// The region of a location: a zone such as `europe-west1-c` loses its zone
/// letter; regions and on-prem locations stay as they are.
pub fn region_of(location: &str) -> &str {
    match location.rsplit_once('-') {
        Some((region, zone))
            if zone.len() == 1
                && zone.chars().all(|c| c.is_ascii_lowercase())
                && region.ends_with(|c: char| c.is_ascii_digit()) =>
        {
            region
        }
        _ => location,
    }
}

/// A node and what it can give to pods (its allocatable resources).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Node {
    pub name: String,
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    pub ready: bool,
}

/// One control plane revision installed on a cluster (an istiod
/// Deployment, its injection webhook, or both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ControlPlane {
    /// `istio.io/rev` of istiod; [`crate::fleet::DEFAULT_REVISION`] when
    /// installed without one.
    pub revision: String,
    /// The istiod Deployment, absent when only the webhook exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    /// The version tag of its image, e.g. `1.10.6-asm.2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub replicas: u32,
    pub ready_replicas: u32,
    /// Its sidecar injection webhook exists.
    pub webhook: bool,
}

impl ControlPlane {
    pub fn ready(&self) -> bool {
        self.deployment.is_some() && self.replicas > 0 && self.ready_replicas >= self.replicas
    }
}

/// Pods, and how many of them are Ready.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PodCount {
    pub total: u32,
    pub ready: u32,
}

/// A namespace: its injection labels and its pods by proxy revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Namespace {
    pub name: String,
    /// The `istio.io/rev` label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev_label: Option<String>,
    /// The legacy `istio-injection` label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injection_label: Option<String>,
    /// Pods by the revision of their proxy; the empty key counts pods
    /// without one.
    #[serde(default)]
    pub pods: BTreeMap<String, PodCount>,
}

/// One member cluster as the console knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Cluster {
    pub member: Member,
    pub reachability: Reachability,
    /// `gitVersion` of its API server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    pub nodes: Vec<Node>,
    /// By revision.
    pub control_planes: Vec<ControlPlane>,
    /// By name.
    pub namespaces: Vec<Namespace>,
}

impl Cluster {
    /// A member not yet heard from.
    pub fn new(member: Member, reachability: Reachability) -> Self {
        Self {
            member,
            reachability,
            kubernetes_version: None,
            nodes: Vec::new(),
            control_planes: Vec::new(),
            namespaces: Vec::new(),
        }
    }

    pub fn name(&self) -> &ClusterName {
        &self.member.name
    }

    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces
            .binary_search_by(|n| n.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.namespaces[i])
    }

    /// Adds or replaces `namespace`, keeping the list sorted.
    pub fn upsert_namespace(&mut self, namespace: Namespace) {
        match self
            .namespaces
            .binary_search_by(|n| n.name.cmp(&namespace.name))
        {
            Ok(i) => self.namespaces[i] = namespace,
            Err(i) => self.namespaces.insert(i, namespace),
        }
    }

    pub fn remove_namespace(&mut self, name: &str) {
        if let Ok(i) = self
            .namespaces
            .binary_search_by(|n| n.name.as_str().cmp(name))
        {
            self.namespaces.remove(i);
        }
    }

    /// The revisions whose injector webhook exists here.
    pub fn injected_revisions(&self) -> Vec<&str> {
        self.control_planes
            .iter()
            .filter(|cp| cp.webhook)
            .map(|cp| cp.revision.as_str())
            .collect()
    }

    /// Pods of `namespace` a rolling restart would change here.
    pub fn restart_pending(&self, namespace: &Namespace) -> u32 {
        namespace.restart_pending(&self.injected_revisions())
    }

    /// Allocatable CPU (millicores) and memory (bytes) over all nodes.
    pub fn capacity(&self) -> (u64, u64) {
        self.nodes.iter().fold((0, 0), |(cpu, mem), n| {
            (cpu + n.cpu_millis, mem + n.memory_bytes)
        })
    }
}

/// The whole fleet at one version of the event stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Fleet {
    /// The version of the last delta included; the event stream resumes
    /// after it.
    pub version: u64,
    /// The fleet's name and host project, when described.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// By name.
    pub clusters: Vec<Cluster>,
}

impl Fleet {
    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.clusters
            .iter()
            .find(|c| c.member.name.as_str() == name)
    }

    pub fn cluster_mut(&mut self, name: &str) -> Option<&mut Cluster> {
        self.clusters
            .iter_mut()
            .find(|c| c.member.name.as_str() == name)
    }
}

/// What a pod is doing, as the console needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PodPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

/// One pod of a namespace page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PodSummary {
    pub name: String,
    pub phase: PodPhase,
    pub ready: bool,
    /// The revision of its proxy; absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Its `app` label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
}

/// `GET /api/clusters/{name}/namespaces/{ns}`: a namespace and its pods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NamespaceDetail {
    pub cluster: ClusterName,
    pub namespace: Namespace,
    /// By name.
    pub pods: Vec<PodSummary>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(location: &str) -> Member {
        Member::new("c".parse().expect("a valid name"), location, Platform::Gke)
    }

    #[test]
    fn zones_belong_to_their_region() {
        assert_eq!(member("europe-west1-c").region(), "europe-west1");
        assert_eq!(member("asia-northeast1-a").region(), "asia-northeast1");
        assert_eq!(member("us-central1").region(), "us-central1");
        assert_eq!(member("us-west1-onprem").region(), "us-west1-onprem");
        assert_eq!(member("").region(), "");
    }

    #[test]
    fn platforms_use_the_fleet_description_spelling() {
        let p: Platform = serde_json::from_str("\"gke-on-vmware\"").expect("parses");
        assert_eq!(p, Platform::GkeOnVmware);
        let p: Platform = serde_json::from_str("\"mainframe\"").expect("parses");
        assert_eq!(p, Platform::Unknown);
        assert!(Platform::BareMetal.on_prem() && !Platform::Gke.on_prem());
    }

    #[test]
    fn namespaces_stay_sorted() {
        let mut c = Cluster::new(member("x"), Reachability::Connecting { since: 0 });
        for name in ["b", "a", "c", "a"] {
            c.upsert_namespace(Namespace {
                name: name.into(),
                rev_label: None,
                injection_label: None,
                pods: BTreeMap::new(),
            });
        }
        let names: Vec<_> = c.namespaces.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert!(c.namespace("b").is_some());
        c.remove_namespace("b");
        assert!(c.namespace("b").is_none());
    }
}
