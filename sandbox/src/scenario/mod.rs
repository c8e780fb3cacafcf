//! Scenario files: which clusters a sandbox fleet has, where they are, what
//! they run at first start, and the fleet description the backend reads
//! beside the kubeconfig. The format is documented in
//! `sandbox/scenarios/README.md`; the default fleet ships as
//! `sandbox/scenarios/default.yaml`.

mod apply;
mod membership;
mod nodes;
mod profile;
pub mod registries;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
pub use shared::fleet::{FleetDescription, FleetInfo, MemberDescription, Platform, Project};

pub use apply::seed;
pub use profile::ClusterProfile;
use registries::{RegistryAccess, RegistryRules};

/// The scenario the product runs on by default.
pub const DEFAULT: &str = include_str!("../../scenarios/default.yaml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Scenario {
    pub fleet: FleetInfo,
    pub projects: Vec<Project>,
    /// The member that runs multi-cluster ingress.
    pub config_cluster: String,
    pub clusters: Vec<ClusterSpec>,
    /// Named lists of manifests that clusters `include`.
    #[serde(default)]
    pub sets: BTreeMap<String, Vec<serde_json::Value>>,
    /// Which registries which clusters may pull from.
    #[serde(default)]
    pub registries: RegistryRules,
    /// The registry rules in force, shared by every cluster started from
    /// this scenario (and its clones), so a grant made later reaches all.
    #[serde(skip)]
    pub access: Arc<RegistryAccess>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterSpec {
    pub name: String,
    pub location: String,
    pub platform: Platform,
    /// A project id from `projects`.
    pub project: String,
    /// The mesh network id.
    pub network: String,
    /// An on-prem admin cluster (meshes are not installed on those).
    #[serde(default)]
    pub admin: bool,
    /// Registered to the fleet (has a `Membership`); true unless set false.
    #[serde(default = "yes")]
    pub registered: bool,
    pub nodes: NodePool,
    /// Names of `sets` applied at first start, in order.
    #[serde(default)]
    pub include: Vec<String>,
    /// Its labels in the fleet description.
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodePool {
    pub count: u32,
    /// Allocatable CPU per node, a Kubernetes quantity (`4`, `3920m`).
    pub cpu: String,
    /// Allocatable memory per node (`16Gi`).
    pub memory: String,
    #[serde(default = "default_machine_type")]
    pub machine_type: String,
}

fn yes() -> bool {
    true
}

fn default_machine_type() -> String {
    "e2-standard-4".into()
}

/// A scenario that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError(pub String);

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Parses and checks a scenario file's text.
    pub fn parse(text: &str) -> Result<Self, ScenarioError> {
        let mut scenario: Scenario =
            serde_yaml::from_str(text).map_err(|e| ScenarioError(format!("scenario: {e}")))?;
        scenario.check(text)?;
        let projects = scenario.projects.iter().map(|p| p.id.clone()).collect();
        scenario.access = Arc::new(RegistryAccess::new(scenario.registries.clone(), projects));
        Ok(scenario)
    }

    pub fn default_fleet() -> Self {
        // The shipped file is checked by a test; failing here is a build defect.
        Self::parse(DEFAULT)
            .unwrap_or_else(|e| panic!("the shipped default scenario is invalid: {e}"))
    }

    fn check(&self, text: &str) -> Result<(), ScenarioError> {
        let fail = |field: String, needle: &str, why: String| {
            let at = line_of(text, needle)
                .map(|l| format!(" at line {l}"))
                .unwrap_or_default();
            Err(ScenarioError(format!("scenario: {field}{at}: {why}")))
        };
        let mut seen = BTreeMap::new();
        for (i, c) in self.clusters.iter().enumerate() {
            if !is_dns_label(&c.name) {
                return fail(
                    format!("clusters[{i}].name"),
                    &c.name,
                    format!(
                        "{:?} is not a valid cluster name (lowercase letters, digits and '-', at most 63)",
                        c.name
                    ),
                );
            }
            if seen
                .insert((c.location.clone(), c.name.clone()), i)
                .is_some()
            {
                return fail(
                    format!("clusters[{i}].name"),
                    &c.name,
                    format!("{:?} is already a member in {}", c.name, c.location),
                );
            }
            if c.platform == Platform::Unknown {
                // Its own `platform:` line: the i-th one, as clusters come in order.
                let line = text
                    .lines()
                    .map(str::trim_start)
                    .filter(|l| l.starts_with("platform:") || l.starts_with("- platform:"))
                    .nth(i)
                    .unwrap_or("platform:");
                return fail(
                    format!("clusters[{i}].platform"),
                    line,
                    "the platform must be gke, gke-on-vmware, bare-metal, attached-aws or attached-azure".into(),
                );
            }
            if !self.projects.iter().any(|p| p.id == c.project) {
                return fail(
                    format!("clusters[{i}].project"),
                    &format!("project: {}", c.project),
                    format!("{:?} is not one of the scenario's projects", c.project),
                );
            }
            for set in &c.include {
                if !self.sets.contains_key(set) {
                    return fail(
                        format!("clusters[{i}].include"),
                        set,
                        format!("no set named {set:?}"),
                    );
                }
            }
            for (field, value) in [("cpu", &c.nodes.cpu), ("memory", &c.nodes.memory)] {
                if nodes::parse_quantity(value).is_none() {
                    return fail(
                        format!("clusters[{i}].nodes.{field}"),
                        &format!("{field}: {value}"),
                        format!("{value:?} is not a Kubernetes quantity"),
                    );
                }
            }
        }
        for (i, g) in self.registries.grants.iter().enumerate() {
            for project in std::iter::once(&g.project).chain(&g.readers) {
                if !self.projects.iter().any(|p| &p.id == project) {
                    return fail(
                        format!("registries.grants[{i}]"),
                        project,
                        format!("{project:?} is not one of the scenario's projects"),
                    );
                }
            }
        }
        if !self.clusters.iter().any(|c| c.name == self.config_cluster) {
            return fail(
                "configCluster".into(),
                "configCluster",
                format!("{:?} is not a cluster of the scenario", self.config_cluster),
            );
        }
        if !self.projects.iter().any(|p| p.id == self.fleet.project) {
            return fail(
                "fleet.project".into(),
                &format!("project: {}", self.fleet.project),
                format!(
                    "{:?} is not one of the scenario's projects",
                    self.fleet.project
                ),
            );
        }
        Ok(())
    }

    pub fn cluster(&self, name: &str) -> Option<&ClusterSpec> {
        self.clusters.iter().find(|c| c.name == name)
    }

    /// What the backend reads beside the kubeconfig: one entry per member.
    pub fn description(&self) -> FleetDescription {
        let members = self
            .clusters
            .iter()
            .map(|c| MemberDescription {
                name: c.name.clone(),
                context: Some(c.name.clone()),
                location: c.location.clone(),
                platform: c.platform,
                project: self.projects.iter().find(|p| p.id == c.project).cloned(),
                network: Some(c.network.clone()),
                admin: c.admin,
                labels: c.labels.clone(),
            })
            .collect();
        FleetDescription {
            fleet: self.fleet.clone(),
            config_cluster: Some(self.config_cluster.clone()),
            // The fleet fills in where its hub listens once it serves one.
            hub: None,
            members,
        }
    }
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// The first line (1-based) containing `needle`.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_default_fleet_is_valid() {
        let s = Scenario::parse(DEFAULT).unwrap();
        let names: Vec<&str> = s.clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "gke-us",
                "gke-eu",
                "gke-asia-1",
                "gke-asia-2",
                "onprem-vmware-1",
                "baremetal-1"
            ]
        );
        assert_eq!(s.config_cluster, "gke-us");
        let projects: std::collections::BTreeSet<&str> =
            s.clusters.iter().map(|c| c.project.as_str()).collect();
        assert!(projects.len() >= 2, "two projects for multi-project meshes");
        let d = s.description();
        assert_eq!(d.members[1].location, "europe-west1-c");
        assert!(
            !d.members[0]
                .project
                .as_ref()
                .expect("a project")
                .number
                .is_empty()
        );
    }

    #[test]
    fn bad_files_name_the_line_and_field() {
        let err = Scenario::parse("fleet: {name: f, project: p}\nprojects: []\nconfigCluster: a\nclusters:\n  - name: a\n    locaton: x\n").unwrap_err();
        assert!(
            err.0.contains("locaton") && err.0.contains("line 6"),
            "{err}"
        );

        let text = DEFAULT.replacen("project: project-b", "project: project-z", 1);
        let err = Scenario::parse(&text).unwrap_err();
        assert!(
            err.0.contains(".project")
                && err.0.contains("project-z")
                && err.0.contains(" at line "),
            "{err}"
        );

        let text = DEFAULT.replacen("platform: bare-metal", "platform: mainframe", 1);
        let err = Scenario::parse(&text).unwrap_err();
        let line = text
            .lines()
            .position(|l| l.contains("mainframe"))
            .expect("replaced")
            + 1;
        assert!(
            err.0.contains("clusters[5].platform") && err.0.contains(&format!("line {line}")),
            "{err}"
        );

        let text = DEFAULT.replacen("cpu: \"4\"", "cpu: four", 1);
        let err = Scenario::parse(&text).unwrap_err();
        assert!(
            err.0.contains("nodes.cpu") && err.0.contains("four"),
            "{err}"
        );
    }
}
