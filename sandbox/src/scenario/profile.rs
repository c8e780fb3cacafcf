//! What a cluster's controllers know about the world outside it: its
//! platform, project and fleet, and which registries its nodes may read.
//! Set from the scenario at every start ([`crate::Cluster::set_profile`]);
//! a cluster without a scenario gets [`ClusterProfile::default`]: a GKE
//! cluster of no known project whose nodes may pull anything.

use std::sync::Arc;

use super::registries::RegistryAccess;
use super::{Platform, Scenario};

#[derive(Debug, Clone)]
pub struct ClusterProfile {
    pub platform: Platform,
    /// The project id the cluster lives in (empty when unknown).
    pub project: String,
    pub project_number: String,
    pub location: String,
    /// The fleet host project (empty when unknown).
    pub fleet_project: String,
    /// Shared by every cluster of the fleet, so a grant is seen by all.
    pub registries: Arc<RegistryAccess>,
}

impl Default for ClusterProfile {
    fn default() -> Self {
        Self {
            platform: Platform::Gke,
            project: String::new(),
            project_number: String::new(),
            location: String::new(),
            fleet_project: String::new(),
            registries: Arc::default(),
        }
    }
}

impl Scenario {
    /// The profile of member `name`, if it is one.
    pub fn profile(&self, name: &str) -> Option<ClusterProfile> {
        let spec = self.cluster(name)?;
        Some(ClusterProfile {
            platform: spec.platform,
            project: spec.project.clone(),
            project_number: self
                .projects
                .iter()
                .find(|p| p.id == spec.project)
                .map(|p| p.number.clone())
                .unwrap_or_default(),
            location: spec.location.clone(),
            fleet_project: self.fleet.project.clone(),
            registries: self.access.clone(),
        })
    }
}
