//! Large fleets made up from a seed, for performance work: `clusters`
//! members spread over GKE regions, on-prem sites and attached AWS clusters
//! in a few projects, each with nodes sized for its pods, istiod of one or
//! two revisions, namespaces labelled `istio.io/rev` or
//! `istio-injection=enabled` (or neither), and Deployments whose
//! ReplicaSets and pods are already settled — Running, Ready, bound to a
//! node, injected with the proxy of their namespace's revision — as in a
//! cluster that has been running for days. They are written straight into
//! the store, so the controllers find nothing to do at start.
//!
//! The same [`ScaleSpec`] always gives the same cluster, namespace,
//! workload and pod names and counts (uids and timestamps too, apart from
//! their age relative to now).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use sandbox::scale::ScaleSpec;
//! let spec = ScaleSpec { clusters: 50, pods_per_cluster: 2000, seed: 7 };
//! let fleet = sandbox::Fleet::start(sandbox::FleetOptions::scaled(spec)).await?;
//! assert_eq!(fleet.members.len(), 50);
//! # Ok(()) }
//! ```

mod istio;
mod rng;
mod workload;
mod world;

use std::fmt;
use std::str::FromStr;

use crate::cluster::Cluster;
use crate::scenario::{
    ClusterProfile, FleetDescription, FleetInfo, MemberDescription, Platform, Project,
};
use rng::Rng;

/// How big a generated fleet is, and the seed that decides the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleSpec {
    pub clusters: usize,
    /// Every pod of a cluster, istiod's included.
    pub pods_per_cluster: usize,
    pub seed: u64,
}

impl FromStr for ScaleSpec {
    type Err = String;

    /// `50x2000`: clusters × pods per cluster, seed 0.
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not CLUSTERSxPODS (e.g. 50x2000)");
        let (clusters, pods) = text.split_once(['x', 'X']).ok_or_else(bad)?;
        let clusters: usize = clusters.trim().parse().map_err(|_| bad())?;
        let pods_per_cluster = pods.trim().parse().map_err(|_| bad())?;
        if clusters == 0 {
            return Err("a scaled fleet needs at least one cluster".into());
        }
        Ok(Self {
            clusters,
            pods_per_cluster,
            seed: 0,
        })
    }
}

impl fmt::Display for ScaleSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}x{} (seed {})",
            self.clusters, self.pods_per_cluster, self.seed
        )
    }
}

/// Where one generated cluster is and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterPlan {
    pub name: String,
    pub location: String,
    pub platform: Platform,
    pub project: Project,
    pub network: String,
}

const PROJECTS: &[&str] = &[
    "retail-prod",
    "payments-prod",
    "platform-shared",
    "data-eu",
    "media-apac",
];

/// (short name, location) of cloud regions and zones.
const CLOUD: &[(&str, &str)] = &[
    ("usc1", "us-central1"),
    ("usc1", "us-central1-c"),
    ("use4", "us-east4-a"),
    ("usw1", "us-west1-b"),
    ("euw1", "europe-west1-c"),
    ("euw4", "europe-west4-a"),
    ("eun1", "europe-north1-b"),
    ("ane1", "asia-northeast1-a"),
    ("ase1", "asia-southeast1-b"),
    ("aus1", "australia-southeast1-a"),
    ("sae1", "southamerica-east1-b"),
];

const ON_PREM: &[(&str, &str)] = &[
    ("dc-fra", "europe-west3-onprem"),
    ("dc-ams", "europe-west4-onprem"),
    ("dc-dal", "us-south1-onprem"),
    ("dc-nyc", "us-east4-onprem"),
    ("dc-tyo", "asia-northeast1-onprem"),
];

impl ScaleSpec {
    fn projects(&self) -> Vec<Project> {
        let mut rng = Rng::new(self.seed, u64::MAX);
        let count = 2 + rng.below(PROJECTS.len() - 1);
        PROJECTS[..count]
            .iter()
            .map(|p| Project {
                id: format!("{p}-{:04}", rng.below(10_000)),
                number: format!("{}", 100_000_000_000 + rng.below(900_000_000_000)),
            })
            .collect()
    }

    /// The clusters, in member order; the first is a GKE cluster (the
    /// config cluster).
    pub fn plan(&self) -> Vec<ClusterPlan> {
        let projects = self.projects();
        let mut rng = Rng::new(self.seed, u64::MAX - 1);
        (0..self.clusters)
            .map(|i| {
                let platform = if i == 0 {
                    Platform::Gke
                } else {
                    match rng.below(100) {
                        0..60 => Platform::Gke,
                        60..75 => Platform::GkeOnVmware,
                        75..85 => Platform::BareMetal,
                        85..93 => Platform::AttachedAws,
                        _ => Platform::AttachedAzure,
                    }
                };
                let project = rng.pick(&projects).clone();
                let (prefix, (short, location)) = match platform {
                    Platform::Gke | Platform::Unknown => ("gke", *rng.pick(CLOUD)),
                    Platform::AttachedAws => ("eks", *rng.pick(CLOUD)),
                    Platform::AttachedAzure => ("aks", *rng.pick(CLOUD)),
                    Platform::GkeOnVmware => ("vmw", *rng.pick(ON_PREM)),
                    Platform::BareMetal => ("bm", *rng.pick(ON_PREM)),
                };
                let name = format!("{prefix}-{short}-{:03}", i + 1);
                let network = if platform.on_prem() {
                    format!("{name}-net")
                } else {
                    format!("vpc-{}", project.id)
                };
                ClusterPlan {
                    name,
                    location: location.to_owned(),
                    platform,
                    project,
                    network,
                }
            })
            .collect()
    }

    /// The cluster (and context) names.
    pub fn cluster_names(&self) -> Vec<String> {
        self.plan().into_iter().map(|c| c.name).collect()
    }

    /// The fleet description (`fleet.yaml`) of the generated fleet.
    pub fn description(&self) -> FleetDescription {
        let plan = self.plan();
        let host = plan
            .first()
            .map(|c| c.project.id.clone())
            .unwrap_or_default();
        FleetDescription {
            fleet: FleetInfo {
                name: format!("scale-{}", self.seed),
                project: host,
            },
            config_cluster: plan.first().map(|c| c.name.clone()),
            // The fleet fills in where its hub listens once it serves one.
            hub: None,
            members: plan
                .into_iter()
                .map(|c| MemberDescription {
                    context: Some(c.name.clone()),
                    name: c.name,
                    location: c.location,
                    platform: c.platform,
                    project: Some(c.project),
                    network: Some(c.network),
                    admin: false,
                    labels: Default::default(),
                })
                .collect(),
        }
    }

    /// What the controllers of member `name` know about its place.
    pub fn profile(&self, name: &str) -> Option<ClusterProfile> {
        let plan = self.plan();
        let fleet_project = plan.first()?.project.id.clone();
        let c = plan.into_iter().find(|c| c.name == name)?;
        Some(ClusterProfile {
            platform: c.platform,
            project: c.project.id,
            project_number: c.project.number,
            location: c.location,
            fleet_project,
            ..ClusterProfile::default()
        })
    }

    /// Writes member `name`'s generated objects into its (empty) store.
    pub fn seed(&self, cluster: &Cluster) -> Result<Counts, String> {
        let index = self
            .cluster_names()
            .iter()
            .position(|n| *n == cluster.name)
            .ok_or_else(|| format!("{} is not a member of the {self} fleet", cluster.name))?;
        let plan = &self.plan()[index];
        world::seed(cluster, self, plan, index)
    }
}

/// What [`ScaleSpec::seed`] wrote into one cluster.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub nodes: usize,
    pub namespaces: usize,
    pub deployments: usize,
    pub pods: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_are_deterministic_and_spread() {
        let spec = ScaleSpec {
            clusters: 40,
            pods_per_cluster: 10,
            seed: 7,
        };
        assert_eq!(spec.plan(), spec.plan());
        let other = ScaleSpec { seed: 8, ..spec };
        assert_ne!(spec.cluster_names(), other.cluster_names());
        let plan = spec.plan();
        assert_eq!(plan[0].platform, Platform::Gke);
        assert!(plan.iter().any(|c| c.platform.on_prem()));
        let names: std::collections::BTreeSet<_> = plan.iter().map(|c| &c.name).collect();
        assert_eq!(names.len(), 40);
        let d = spec.description();
        assert_eq!(d.config_cluster.as_deref(), Some(plan[0].name.as_str()));
        assert_eq!(d.members.len(), 40);
    }

    #[test]
    fn specs_parse() {
        let spec: ScaleSpec = "50x2000".parse().unwrap();
        assert_eq!((spec.clusters, spec.pods_per_cluster), (50, 2000));
        assert!("50".parse::<ScaleSpec>().is_err());
        assert!("0x5".parse::<ScaleSpec>().is_err());
    }
}
