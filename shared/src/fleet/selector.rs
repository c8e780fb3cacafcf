//! Choosing fleet members for a fleet-wide job: by what the fleet
//! description says of them (platform, location, project, network) or by
//! hand, matched against the fleet model alone so the browser shows the
//! same list the backend acts on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::{Cluster, Fleet, Member, Platform};
use crate::ClusterName;

/// Which members a fleet-wide job covers. Either explicit `names`, or the
/// members matching every non-empty criterion (any value of a criterion
/// matches); an empty selector covers the whole fleet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MemberSelector {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<Platform>,
    /// A zone, a region or a prefix of either ending at a `-`: `europe`
    /// matches `europe-west1-c`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<String>,
    /// Project ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<String>,
    /// Mesh network ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<String>,
    /// Labels of the fleet description the member must all carry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Members chosen by hand; no other criterion may be set beside them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<ClusterName>,
}

/// Why a selection cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    #[error("not members of the fleet: {}", .0.join(", "))]
    NotMembers(Vec<String>),
    #[error("choose members by name or by criteria, not both")]
    NamesAndCriteria,
    #[error("{what}: at most {MAX_VALUES} values, got {got}")]
    TooMany { what: &'static str, got: usize },
    #[error("not selected, so they cannot be left out: {}", .0.join(", "))]
    NotSelected(Vec<String>),
}

/// The most values one criterion (or list of names) may hold: a fleet's
/// members fit, and matching stays cheap.
pub const MAX_VALUES: usize = 1000;

/// Refuses a list of more than [`MAX_VALUES`] values.
pub fn bounded(what: &'static str, got: usize) -> Result<(), SelectionError> {
    if got > MAX_VALUES {
        Err(SelectionError::TooMany { what, got })
    } else {
        Ok(())
    }
}

impl MemberSelector {
    /// Members chosen by hand.
    pub fn names(names: impl IntoIterator<Item = ClusterName>) -> Self {
        Self {
            names: names.into_iter().collect(),
            ..Self::default()
        }
    }

    fn has_criteria(&self) -> bool {
        !(self.platforms.is_empty()
            && self.locations.is_empty()
            && self.projects.is_empty()
            && self.networks.is_empty()
            && self.labels.is_empty())
    }

    /// Whether `member` meets every criterion (names aside).
    pub fn matches(&self, member: &Member) -> bool {
        let any = |values: &[String], matches: &dyn Fn(&str) -> bool| {
            values.is_empty() || values.iter().any(|v| matches(v.trim()))
        };
        (self.platforms.is_empty() || self.platforms.contains(&member.platform))
            && any(&self.locations, &|v| location_matches(&member.location, v))
            && any(&self.projects, &|v| {
                member.project.as_ref().is_some_and(|p| p.id == v)
            })
            && any(&self.networks, &|v| member.network.as_deref() == Some(v))
            && self
                .labels
                .iter()
                .all(|(k, v)| member.labels.get(k) == Some(v))
    }

    /// The selected members of `fleet`, in the fleet's order. Every name
    /// given must be a member.
    pub fn select<'f>(&self, fleet: &'f Fleet) -> Result<Vec<&'f Cluster>, SelectionError> {
        bounded("platforms", self.platforms.len())?;
        bounded("locations", self.locations.len())?;
        bounded("projects", self.projects.len())?;
        bounded("networks", self.networks.len())?;
        bounded("labels", self.labels.len())?;
        bounded("names", self.names.len())?;
        if self.names.is_empty() {
            return Ok(fleet
                .clusters
                .iter()
                .filter(|c| self.matches(&c.member))
                .collect());
        }
        if self.has_criteria() {
            return Err(SelectionError::NamesAndCriteria);
        }
        not_members(fleet, &self.names)?;
        Ok(fleet
            .clusters
            .iter()
            .filter(|c| self.names.contains(c.name()))
            .collect())
    }
}

/// Refuses `names` that are not members of `fleet`, naming each.
pub fn not_members(fleet: &Fleet, names: &[ClusterName]) -> Result<(), SelectionError> {
    let unknown: Vec<String> = names
        .iter()
        .filter(|n| fleet.cluster(n.as_str()).is_none())
        .map(ToString::to_string)
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(SelectionError::NotMembers(unknown))
    }
}

fn location_matches(location: &str, wanted: &str) -> bool {
    !wanted.is_empty()
        && (location == wanted
            || location
                .strip_prefix(wanted)
                .is_some_and(|rest| rest.starts_with('-')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{Project, Reachability};

    fn cluster(
        name: &str,
        location: &str,
        platform: Platform,
        project: &str,
        net: &str,
    ) -> Cluster {
        let mut member = Member::new(name.parse().expect("a name"), location, platform);
        member.labels.insert("env".into(), format!("env-{net}"));
        member.project = Some(Project {
            id: project.into(),
            number: "1".into(),
        });
        member.network = Some(net.into());
        Cluster::new(member, Reachability::Connecting { since: 0 })
    }

    fn fleet() -> Fleet {
        Fleet {
            clusters: vec![
                cluster(
                    "gke-eu",
                    "europe-west1-c",
                    Platform::Gke,
                    "project-a",
                    "vpc-a",
                ),
                cluster(
                    "gke-eu-2",
                    "europe-west4",
                    Platform::Gke,
                    "project-b",
                    "vpc-b",
                ),
                cluster("gke-us", "us-central1", Platform::Gke, "project-a", "vpc-a"),
                cluster(
                    "vmware",
                    "europe-onprem",
                    Platform::GkeOnVmware,
                    "project-a",
                    "dc",
                ),
            ],
            ..Fleet::default()
        }
    }

    fn names(selector: &MemberSelector) -> Vec<String> {
        let f = fleet();
        selector
            .select(&f)
            .expect("selects")
            .iter()
            .map(|c| c.name().to_string())
            .collect()
    }

    #[test]
    fn an_empty_selector_covers_the_fleet() {
        assert_eq!(names(&MemberSelector::default()).len(), 4);
    }

    #[test]
    fn gke_in_europe_means_every_criterion() {
        let s = MemberSelector {
            platforms: vec![Platform::Gke],
            locations: vec!["europe".into()],
            ..MemberSelector::default()
        };
        assert_eq!(names(&s), ["gke-eu", "gke-eu-2"]);
        let s = MemberSelector {
            locations: vec!["europe-west1".into(), "us-central1".into()],
            ..MemberSelector::default()
        };
        assert_eq!(names(&s), ["gke-eu", "gke-us"]);
        let s = MemberSelector {
            locations: vec!["europe-west".into()],
            ..MemberSelector::default()
        };
        assert!(names(&s).is_empty(), "a prefix ends at a dash");
    }

    #[test]
    fn projects_and_networks_select() {
        let s = MemberSelector {
            projects: vec!["project-a".into()],
            networks: vec!["vpc-a".into()],
            ..MemberSelector::default()
        };
        assert_eq!(names(&s), ["gke-eu", "gke-us"]);
        let s = MemberSelector {
            networks: vec!["dc".into()],
            ..MemberSelector::default()
        };
        assert_eq!(names(&s), ["vmware"]);
    }

    #[test]
    fn labels_must_all_match() {
        let mut s = MemberSelector::default();
        s.labels.insert("env".into(), "env-vpc-a".into());
        assert_eq!(names(&s), ["gke-eu", "gke-us"]);
        s.labels.insert("tier".into(), "gold".into());
        assert!(names(&s).is_empty());
    }

    #[test]
    fn names_pick_by_hand_and_unknown_names_are_named() {
        let pick = |n: &[&str]| MemberSelector::names(n.iter().map(|n| n.parse().expect("a name")));
        assert_eq!(names(&pick(&["gke-us", "gke-eu"])), ["gke-eu", "gke-us"]);
        let err = pick(&["gke-us", "nope", "gone"])
            .select(&fleet())
            .expect_err("refused");
        assert_eq!(
            err,
            SelectionError::NotMembers(vec!["nope".into(), "gone".into()])
        );
        assert!(err.to_string().contains("nope, gone"), "{err}");
        let mut both = pick(&["gke-us"]);
        both.platforms.push(Platform::Gke);
        assert_eq!(
            both.select(&fleet()).expect_err("refused"),
            SelectionError::NamesAndCriteria
        );
    }
}
