//! Fleet-wide install plans (issue 25): one reviewed install per selected
//! member, reviewed as a whole. Each member's plan is an ordinary install
//! plan; this holds what the fleet plan adds: which members it covers,
//! which are blocked and why, which the operator excluded, and the totals.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::install::PlanReview;
use super::preflight::{Check, CheckOverride};
use super::revision::{Revision, VersionTag};
use super::settings::{CaMode, InstallSettings};
use crate::ClusterName;
use crate::diff::{ChangeKind, ObjectDiff};
use crate::fleet::selector::{MemberSelector, SelectionError};
use crate::fleet::{Cluster, Fleet, Member, Platform};

/// The settings every member shares; the rest (cluster name, network,
/// profile, mesh id) are each member's suggested ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FleetInstallSettings {
    pub version: VersionTag,
    pub ca: CaMode,
    /// The revision label; the version's own (`asm-1106-2`) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<Revision>,
}

impl FleetInstallSettings {
    /// The install settings for `cluster`: its suggested ones with the
    /// shared ones over them. `None` when none can be suggested (no
    /// project number for the mesh id).
    pub fn for_member(&self, fleet: &Fleet, cluster: &Cluster) -> Option<InstallSettings> {
        let mut settings = InstallSettings::suggested(fleet, cluster, self.version.clone())?;
        settings.ca = self.ca;
        if let Some(revision) = &self.revision {
            settings.revision = revision.clone();
        }
        Some(settings)
    }
}

/// `POST /api/mesh/fleet-plans/selection`: the members a selector covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FleetSelection {
    pub members: Vec<SelectedMember>,
}

/// One selected member as the selection list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SelectedMember {
    pub name: ClusterName,
    pub platform: Platform,
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// How the console reaches it now (`Reachable`, `Unreachable`, …).
    pub reachability: String,
    /// The revisions of its control planes now.
    pub revisions: Vec<String>,
}

impl SelectedMember {
    pub fn of(cluster: &Cluster) -> Self {
        let Member {
            name,
            platform,
            location,
            project,
            network,
            labels,
            ..
        } = &cluster.member;
        Self {
            name: name.clone(),
            platform: *platform,
            location: location.clone(),
            project: project.as_ref().map(|p| p.id.clone()),
            network: network.clone(),
            labels: labels.clone(),
            reachability: cluster.reachability.label().to_owned(),
            revisions: cluster
                .control_planes
                .iter()
                .map(|cp| cp.revision.clone())
                .collect(),
        }
    }
}

/// `POST /api/mesh/fleet-plans`: plan `settings` on every member the
/// selector covers, `excluded` ones marked so from the start. The
/// selector is required (`{}` is the whole fleet, said explicitly) and
/// unknown fields are refused: a misspelt field must not widen or change
/// what is planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FleetPlanRequest {
    pub selector: MemberSelector,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<ClusterName>,
    pub settings: FleetInstallSettings,
    /// Failed checks set aside on every member, each with why; audited.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<CheckOverride>,
}

/// `PUT /api/mesh/fleet-plans/{id}/excluded`: the members left out now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FleetExclusions {
    pub excluded: Vec<ClusterName>,
}

/// Objects a plan creates, changes and deletes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ObjectCounts {
    pub created: u32,
    pub changed: u32,
    pub deleted: u32,
}

impl ObjectCounts {
    /// Counted from the per-object diffs of a plan.
    pub fn of(objects: &[ObjectDiff]) -> Self {
        objects.iter().fold(Self::default(), |mut n, o| {
            match o.change {
                ChangeKind::Create => n.created += 1,
                ChangeKind::Update => n.changed += 1,
                ChangeKind::Delete => n.deleted += 1,
                ChangeKind::Unchanged => {}
            }
            n
        })
    }

    fn add(&mut self, other: Self) {
        self.created += other.created;
        self.changed += other.changed;
        self.deleted += other.deleted;
    }
}

/// One member of a fleet plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MemberPlan {
    pub cluster: ClusterName,
    /// Its reviewed install plan (`/api/mesh/plans/{plan}/export`), absent
    /// when none could be made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    pub counts: ObjectCounts,
    /// Why it cannot be installed: failed preflight checks, or why no plan
    /// was made (unreachable, timed out). Empty when it can.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<String>,
    /// Left out by the operator: not counted, not run.
    #[serde(default)]
    pub excluded: bool,
}

impl MemberPlan {
    /// A member whose plan was reviewed: blocked by its failed checks
    /// that `overridden` does not set aside (or that no override can).
    pub fn reviewed(review: &PlanReview, overridden: &[Check]) -> Self {
        let blocked = match review.preflight.allow(overridden) {
            Err(blocked) => blocked
                .failed
                .iter()
                .map(|check| format!("failed check: {}", check.title()))
                .collect(),
            Ok(()) => Vec::new(),
        };
        Self {
            cluster: review.cluster.clone(),
            plan: Some(review.id.clone()),
            counts: ObjectCounts::of(&review.objects),
            blocked,
            excluded: false,
        }
    }

    /// A member no plan could be made for, and why.
    pub fn unplanned(cluster: ClusterName, reason: String) -> Self {
        Self {
            cluster,
            plan: None,
            counts: ObjectCounts::default(),
            blocked: vec![reason],
            excluded: false,
        }
    }

    /// Will be installed when the plan runs.
    pub fn runs(&self) -> bool {
        !self.excluded && self.blocked.is_empty() && self.plan.is_some()
    }
}

/// What a fleet plan adds up to over the members not excluded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FleetTotals {
    /// Members that will be installed.
    pub ready: u32,
    /// Members blocked and not excluded: the plan cannot run until each is
    /// excluded.
    pub blocked: u32,
    pub excluded: u32,
    /// Objects over the members that will be installed.
    pub objects: ObjectCounts,
}

/// A reviewed fleet-wide install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FleetPlan {
    pub id: String,
    pub selector: MemberSelector,
    pub settings: FleetInstallSettings,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<CheckOverride>,
    /// In the fleet's order.
    pub members: Vec<MemberPlan>,
    pub totals: FleetTotals,
    /// Unix seconds.
    pub created: i64,
}

impl FleetPlan {
    /// A plan of `members`, totalled.
    pub fn new(
        id: String,
        request: FleetPlanRequest,
        members: Vec<MemberPlan>,
        created: i64,
    ) -> Self {
        let FleetPlanRequest {
            selector,
            settings,
            overrides,
            ..
        } = request;
        let mut plan = Self {
            id,
            selector,
            settings,
            overrides,
            members,
            totals: FleetTotals::default(),
            created,
        };
        plan.totals = plan.total();
        plan
    }

    /// Leaves out exactly `excluded` (members named before and not now are
    /// included again), re-totalling. Each name must be a member of the
    /// plan.
    pub fn exclude(&mut self, excluded: &[ClusterName]) -> Result<(), SelectionError> {
        let unknown: Vec<String> = excluded
            .iter()
            .filter(|n| !self.members.iter().any(|m| &m.cluster == *n))
            .map(ToString::to_string)
            .collect();
        if !unknown.is_empty() {
            return Err(SelectionError::NotSelected(unknown));
        }
        for m in &mut self.members {
            m.excluded = excluded.contains(&m.cluster);
        }
        self.totals = self.total();
        Ok(())
    }

    /// The members not excluded that block the run.
    pub fn blocking(&self) -> impl Iterator<Item = &MemberPlan> {
        self.members
            .iter()
            .filter(|m| !m.excluded && !m.blocked.is_empty())
    }

    fn total(&self) -> FleetTotals {
        let mut t = FleetTotals::default();
        for m in &self.members {
            if m.excluded {
                t.excluded += 1;
            } else if m.runs() {
                t.ready += 1;
                t.objects.add(m.counts);
            } else {
                t.blocked += 1;
            }
        }
        t
    }
}

#[cfg(test)]
mod tests;
