//! How the fleet page arranges and sums up the fleet: members grouped by
//! region and platform, the revisions in use (one colour each, the same
//! on every page), and the headline figures.

use std::collections::BTreeSet;

use super::model::{Cluster, Fleet, Platform};

/// Members sharing a region and platform, drawn as one box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyGroup<'a> {
    /// Empty when members have no described location.
    pub region: String,
    pub platform: Platform,
    /// By name.
    pub clusters: Vec<&'a Cluster>,
}

/// The figures at the top of the fleet page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetSummary {
    pub clusters: usize,
    pub reachable: usize,
    /// Distinct control plane revisions installed anywhere.
    pub revisions: usize,
    /// Namespaces with at least one pod a restart would change.
    pub namespaces_restart_pending: usize,
}

impl Fleet {
    /// Groups by region, then platform, in name order.
    pub fn topology(&self) -> Vec<TopologyGroup<'_>> {
        let mut groups: Vec<TopologyGroup<'_>> = Vec::new();
        let mut clusters: Vec<&Cluster> = self.clusters.iter().collect();
        clusters.sort_by(|a, b| {
            (a.member.region(), a.member.platform, a.name()).cmp(&(
                b.member.region(),
                b.member.platform,
                b.name(),
            ))
        });
        for cluster in clusters {
            let region = cluster.member.region();
            match groups.last_mut() {
                Some(g) if g.region == region && g.platform == cluster.member.platform => {
                    g.clusters.push(cluster);
                }
                _ => groups.push(TopologyGroup {
                    region: region.to_owned(),
                    platform: cluster.member.platform,
                    clusters: vec![cluster],
                }),
            }
        }
        groups
    }

    /// Every control plane revision installed in the fleet, sorted.
    pub fn revisions(&self) -> Vec<&str> {
        let set: BTreeSet<&str> = self
            .clusters
            .iter()
            .flat_map(|c| c.control_planes.iter().map(|cp| cp.revision.as_str()))
            .collect();
        set.into_iter().collect()
    }

    /// The colour slot of `revision`, from its name alone
    /// ([`super::revision_slot`]); `None` for a revision no cluster runs.
    pub fn revision_colour(&self, revision: &str) -> Option<usize> {
        self.revisions()
            .contains(&revision)
            .then(|| super::revision_slot(revision))
    }

    /// Each revision of [`Fleet::revisions`] with how many clusters carry
    /// it, for the topology legend.
    pub fn revision_usage(&self) -> Vec<(&str, usize)> {
        self.revisions()
            .into_iter()
            .map(|revision| {
                let clusters = self
                    .clusters
                    .iter()
                    .filter(|c| c.control_planes.iter().any(|cp| cp.revision == revision))
                    .count();
                (revision, clusters)
            })
            .collect()
    }

    pub fn summary(&self) -> FleetSummary {
        FleetSummary {
            clusters: self.clusters.len(),
            reachable: self
                .clusters
                .iter()
                .filter(|c| c.reachability.is_reachable())
                .count(),
            revisions: self.revisions().len(),
            namespaces_restart_pending: self
                .clusters
                .iter()
                .flat_map(|c| c.namespaces.iter().map(move |n| c.restart_pending(n)))
                .filter(|pending| *pending > 0)
                .count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::fleet::fixtures;
    use crate::fleet::{Member, Namespace, PodCount, Reachability};

    fn cluster(name: &str, location: &str, platform: Platform, revs: &[&str]) -> Cluster {
        let member = Member::new(name.parse().expect("a valid name"), location, platform);
        let mut c = Cluster::new(member, Reachability::Reachable { since: 1 });
        c.control_planes = revs
            .iter()
            .map(|r| fixtures::ready_control_plane(r))
            .collect();
        c
    }

    #[test]
    fn groups_by_region_then_platform() {
        let fleet = Fleet {
            clusters: vec![
                cluster(
                    "gke-asia-2",
                    "asia-northeast1-a",
                    Platform::Gke,
                    &["default"],
                ),
                cluster("gke-asia-1", "asia-northeast1-a", Platform::Gke, &[]),
                cluster("onprem-1", "us-west1-onprem", Platform::GkeOnVmware, &[]),
                cluster(
                    "gke-eu",
                    "europe-west1-c",
                    Platform::Gke,
                    &["asm-1106-2", "default"],
                ),
            ],
            ..Fleet::default()
        };
        let groups: Vec<(String, Vec<&str>)> = fleet
            .topology()
            .into_iter()
            .map(|g| {
                (
                    g.region,
                    g.clusters.iter().map(|c| c.name().as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            groups,
            [
                (
                    "asia-northeast1".to_owned(),
                    vec!["gke-asia-1", "gke-asia-2"]
                ),
                ("europe-west1".to_owned(), vec!["gke-eu"]),
                ("us-west1-onprem".to_owned(), vec!["onprem-1"]),
            ]
        );
        assert_eq!(fleet.revisions(), ["asm-1106-2", "default"]);
        assert_eq!(
            fleet.revision_colour("default"),
            Some(super::super::revision_slot("default"))
        );
        assert_eq!(fleet.revision_colour("asm-1112-0"), None);
        assert_eq!(fleet.revision_usage(), [("asm-1106-2", 1), ("default", 2)]);
    }

    #[test]
    fn summary_counts_reachable_members_and_pending_namespaces() {
        let mut a = cluster("a", "x", Platform::Gke, &["default"]);
        a.upsert_namespace(Namespace {
            name: "blue".into(),
            rev_label: Some("asm-1106-2".into()),
            injection_label: None,
            pods: BTreeMap::from([("default".to_owned(), PodCount { total: 2, ready: 2 })]),
        });
        let mut b = cluster("b", "x", Platform::Gke, &["asm-1106-2"]);
        b.reachability = Reachability::Unreachable {
            since: 3,
            error: "connection refused".into(),
        };
        let fleet = Fleet {
            clusters: vec![a, b],
            ..Fleet::default()
        };
        assert_eq!(
            fleet.summary(),
            FleetSummary {
                clusters: 2,
                reachable: 1,
                revisions: 2,
                namespaces_restart_pending: 1,
            }
        );
    }
}
