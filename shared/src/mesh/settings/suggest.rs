//! The values the console suggests for an install's settings, read from
//! the fleet: mesh id, trust domain and its aliases.

use super::names::{MeshId, TrustDomain, project_trust_domain};
use super::{CaMode, SettingsField, SettingsProblem};
use crate::fleet::{Cluster, Fleet};

/// The fleet's host project and its number, from the member that lives in
/// it.
pub(super) fn fleet_project(fleet: &Fleet) -> Option<(&str, Option<&str>)> {
    let id = fleet.project.as_deref()?;
    let number = fleet
        .clusters
        .iter()
        .filter_map(|c| c.member.project.as_ref())
        .find(|p| p.id == id)
        .map(|p| p.number.as_str());
    Some((id, number))
}

/// `<PROJECT>.svc.id.goog` for every project of the fleet, the fleet's host
/// project first, then the others in order of first appearance.
pub fn suggested_trust_domain_aliases(fleet: &Fleet) -> Vec<TrustDomain> {
    let mut ids: Vec<&str> = fleet.project.iter().map(String::as_str).collect();
    for c in &fleet.clusters {
        if let Some(p) = &c.member.project
            && !ids.contains(&p.id.as_str())
        {
            ids.push(&p.id);
        }
    }
    ids.into_iter()
        .filter_map(|id| project_trust_domain(id).ok())
        .collect()
}

/// The mesh id: `proj-<number>` of the fleet's host project, else of the
/// cluster's own project.
pub fn suggested_mesh_id(fleet: &Fleet, cluster: &Cluster) -> Option<MeshId> {
    let number = fleet_project(fleet)
        .and_then(|(_, n)| n)
        .or_else(|| cluster.member.project.as_ref().map(|p| p.number.as_str()))?;
    format!("proj-{number}").parse().ok()
}

/// The trust domain of workload identities: `<FLEET_PROJECT>.svc.id.goog`
/// (Mesh CA requires it); `cluster.local` for Istio CA without a fleet
/// project.
pub fn trust_domain(fleet: &Fleet, ca: CaMode) -> Result<TrustDomain, SettingsProblem> {
    match fleet.project.as_deref().map(project_trust_domain) {
        Some(Ok(td)) => Ok(td),
        _ if ca == CaMode::MeshCa => Err(SettingsProblem::new(
            SettingsField::Ca,
            "Mesh CA needs the fleet's host project (trust domain <FLEET_PROJECT>.svc.id.goog); the fleet description names none",
        )),
        _ => Ok(TrustDomain("cluster.local".into())),
    }
}
