//! Which member clusters a MultiClusterService selects (SPEC §4.2, §4.3):
//! every member without `spec.clusters`, else those a `LOCATION/NAME` link
//! names; a chosen member without the service's namespace gets no backends.
//! The config cluster is a member like any other.

use serde::{Deserialize, Serialize};

use super::link::ClusterLink;
use super::mcs::MultiClusterService;
use crate::ClusterName;
use crate::fleet::{Cluster, Fleet, Reachability};

/// Why a member gets no derived Service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExclusionReason {
    /// `spec.clusters` is given and does not link it.
    NotInClusters,
    /// Chosen, but the namespace of the service does not exist there.
    NamespaceMissing,
}

impl ExclusionReason {
    pub fn describe(self) -> &'static str {
        match self {
            ExclusionReason::NotInClusters => "not in spec.clusters",
            ExclusionReason::NamespaceMissing => "namespace missing",
        }
    }
}

/// What selection makes of one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Selection {
    Selected,
    Excluded {
        reason: ExclusionReason,
    },
    /// Chosen, but the console has not listed its namespaces yet (never
    /// reached), so whether the namespace exists is not known.
    Unverified,
}

impl Selection {
    /// Selected, or chosen pending a namespace check: traffic may go there.
    pub fn is_chosen(self) -> bool {
        matches!(self, Selection::Selected | Selection::Unverified)
    }
}

/// One member and what selection made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MemberSelection {
    pub cluster: ClusterName,
    pub location: String,
    pub config_cluster: bool,
    pub selection: Selection,
    /// Index in `spec.clusters` of the link naming it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<usize>,
}

/// Why a `spec.clusters` entry names no member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum LinkProblem {
    /// No member has this location and name. `member_location`: where a
    /// member of that name is, if one is (a wrong location is the usual
    /// mistake).
    NotAMember {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        member_location: Option<String>,
    },
    /// Not `LOCATION/NAME`; [`super::validate`] says how.
    Invalid,
}

/// A `spec.clusters` entry that names no member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UnmatchedLink {
    /// Index in `spec.clusters`.
    pub index: usize,
    pub link: String,
    #[serde(flatten)]
    pub problem: LinkProblem,
}

impl UnmatchedLink {
    /// The field the problem belongs to.
    pub fn field(&self) -> String {
        format!("spec.clusters[{}].link", self.index)
    }

    /// A sentence for the editor.
    pub fn message(&self) -> String {
        match &self.problem {
            LinkProblem::NotAMember {
                member_location: Some(location),
            } if location.is_empty() => format!(
                "{} is not a member: the fleet description gives no location for a member of that name",
                self.link
            ),
            LinkProblem::NotAMember {
                member_location: Some(location),
            } => {
                let name = self.link.rsplit('/').next().unwrap_or_default();
                format!(
                    "{} is not a member: {name} is in {location}; expected \"{location}/{name}\"",
                    self.link
                )
            }
            LinkProblem::NotAMember {
                member_location: None,
            } => format!(
                "{} names no member cluster of the fleet; expected LOCATION/NAME of a member",
                self.link
            ),
            LinkProblem::Invalid => format!("{:?} is not LOCATION/NAME", self.link),
        }
    }
}

/// Selection of one MultiClusterService over the fleet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SelectionReport {
    /// Every member, in fleet order.
    pub members: Vec<MemberSelection>,
    /// Links naming no member, in `spec.clusters` order.
    pub unmatched: Vec<UnmatchedLink>,
}

impl SelectionReport {
    pub fn get(&self, cluster: &str) -> Option<&MemberSelection> {
        self.members.iter().find(|m| m.cluster.as_str() == cluster)
    }

    /// Members with the given outcome.
    pub fn with(&self, selection: Selection) -> impl Iterator<Item = &MemberSelection> {
        self.members
            .iter()
            .filter(move |m| m.selection == selection)
    }

    /// Members that get a derived Service (or may, once verified).
    pub fn chosen(&self) -> Vec<ClusterName> {
        self.members
            .iter()
            .filter(|m| m.selection.is_chosen())
            .map(|m| m.cluster.clone())
            .collect()
    }
}

/// Whether the console has listed `cluster`'s namespaces: it has once it
/// reached the cluster, and keeps the last list while unreachable or
/// degraded.
pub fn namespaces_known(cluster: &Cluster) -> bool {
    match cluster.reachability {
        Reachability::Reachable { .. } => true,
        Reachability::Unreachable { .. } | Reachability::Degraded { .. } => {
            !cluster.namespaces.is_empty()
        }
        Reachability::Connecting { .. } | Reachability::Misconfigured { .. } => false,
    }
}

/// Resolves which members `mcs` selects.
pub fn resolve_selection(mcs: &MultiClusterService, fleet: &Fleet) -> SelectionReport {
    let links: Vec<Option<ClusterLink>> = mcs
        .spec
        .clusters
        .iter()
        .map(|c| c.link.parse().ok())
        .collect();
    let namespace = mcs.namespace();

    let members = fleet
        .clusters
        .iter()
        .map(|cluster| {
            let member = &cluster.member;
            let link = links
                .iter()
                .position(|l| l.as_ref().is_some_and(|l| l.names(member)));
            let selection = if !mcs.selects_all() && link.is_none() {
                Selection::Excluded {
                    reason: ExclusionReason::NotInClusters,
                }
            } else if !namespaces_known(cluster) {
                Selection::Unverified
            } else if cluster.namespace(namespace).is_none() {
                Selection::Excluded {
                    reason: ExclusionReason::NamespaceMissing,
                }
            } else {
                Selection::Selected
            };
            MemberSelection {
                cluster: member.name.clone(),
                location: member.location.clone(),
                config_cluster: member.config_cluster,
                selection,
                link,
            }
        })
        .collect();

    let unmatched = mcs
        .spec
        .clusters
        .iter()
        .zip(&links)
        .enumerate()
        .filter_map(|(index, (selector, link))| {
            let problem = match link {
                None => LinkProblem::Invalid,
                Some(link) if fleet.clusters.iter().any(|c| link.names(&c.member)) => {
                    return None;
                }
                Some(link) => LinkProblem::NotAMember {
                    member_location: fleet
                        .cluster(link.name().as_str())
                        .map(|c| c.member.location.clone()),
                },
            };
            Some(UnmatchedLink {
                index,
                link: selector.link.clone(),
                problem,
            })
        })
        .collect();

    SelectionReport { members, unmatched }
}
