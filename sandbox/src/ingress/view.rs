//! What one controller pass sees: the fleet as `shared::fleet::Fleet` (so
//! the shared selection and routing rules decide, exactly as in the
//! console) and the config cluster's MultiClusterServices and
//! MultiClusterIngresses, read into the shared types, in quota order.

use std::sync::Arc;

use serde_json::Value;
use shared::fleet::{Cluster as FleetCluster, Fleet, Member, Namespace, Platform, Reachability};
use shared::ingress::{MultiClusterIngress, MultiClusterService};

use super::crds::{MCI, MCS};
use crate::cluster::Cluster;
use crate::controllers::util;

/// A member cluster and how the fleet describes it.
#[derive(Clone)]
pub(crate) struct MemberCluster {
    pub cluster: Arc<Cluster>,
    pub member: Member,
}

/// Builds the members of `clusters`, described by `description` when
/// there is one.
pub(crate) fn members(
    clusters: &[Arc<Cluster>],
    description: Option<&crate::scenario::FleetDescription>,
) -> Vec<MemberCluster> {
    clusters
        .iter()
        .filter_map(|cluster| {
            let described = description.and_then(|d| d.members.iter().find(|m| m.name == cluster.name));
            let Ok(name) = cluster.name.parse() else {
                tracing::warn!(cluster = %cluster.name, "not a valid member name; multi-cluster ingress ignores it");
                return None;
            };
            let member = Member {
                name,
                context: cluster.name.clone(),
                location: described.map(|d| d.location.clone()).unwrap_or_default(),
                platform: described.map_or(Platform::Unknown, |d| d.platform),
                project: described.and_then(|d| d.project.clone()),
                network: described.and_then(|d| d.network.clone()),
                config_cluster: false,
                labels: described.map(|d| d.labels.clone()).unwrap_or_default(),
            };
            Some(MemberCluster {
                cluster: cluster.clone(),
                member,
            })
        })
        .collect()
}

/// The fleet now: every member, the config cluster marked, each with the
/// namespaces it has (none known while it is unreachable, so selection
/// leaves it unverified rather than excluded).
pub(crate) fn fleet(
    members: &[MemberCluster],
    config: Option<&str>,
    project: Option<&str>,
) -> Fleet {
    let clusters = members
        .iter()
        .map(|m| {
            let mut member = m.member.clone();
            member.config_cluster = config == Some(member.name.as_str());
            if m.cluster.is_unreachable() {
                let reachability = Reachability::Unreachable {
                    since: 0,
                    error: "unreachable".into(),
                };
                return FleetCluster::new(member, reachability);
            }
            let mut cluster = FleetCluster::new(member, Reachability::Reachable { since: 0 });
            let (namespaces, _) = m.cluster.store.list("namespaces", None);
            // Listed sorted by name, as `Cluster::namespace` expects.
            cluster.namespaces = namespaces
                .iter()
                .filter(|ns| !util::is_deleting(ns))
                .map(|ns| Namespace {
                    name: util::name(ns).to_owned(),
                    rev_label: None,
                    injection_label: None,
                    pods: Default::default(),
                })
                .collect();
            cluster
        })
        .collect();
    Fleet {
        version: 0,
        name: None,
        project: project.map(str::to_owned),
        clusters,
    }
}

/// One stored resource and what the shared type makes of it.
pub(crate) struct Stored<T> {
    pub object: Arc<Value>,
    /// The parse error when the stored object does not read as `T`.
    pub parsed: Result<T, String>,
}

/// The MultiClusterServices of `config`, oldest first.
pub(crate) fn services(config: &Cluster) -> Vec<Stored<MultiClusterService>> {
    read(config, MCS)
}

/// The MultiClusterIngresses of `config`, oldest first.
pub(crate) fn ingresses(config: &Cluster) -> Vec<Stored<MultiClusterIngress>> {
    read(config, MCI)
}

/// Oldest first, as quotas admit them: the 101st created is the one over.
fn read<T: serde::de::DeserializeOwned>(config: &Cluster, key: &str) -> Vec<Stored<T>> {
    let (items, _) = config.store.list(key, None);
    let mut stored: Vec<Stored<T>> = items
        .into_iter()
        .filter(|o| !util::is_deleting(o))
        .map(|object| {
            let parsed = T::deserialize(&*object).map_err(|e| e.to_string());
            Stored { object, parsed }
        })
        .collect();
    stored.sort_by(|a, b| {
        let at = |s: &Stored<T>| {
            (
                util::str_at(&s.object, "/metadata/creationTimestamp").to_owned(),
                util::str_at(&s.object, "/metadata/namespace").to_owned(),
                util::name(&s.object).to_owned(),
            )
        };
        at(a).cmp(&at(b))
    });
    stored
}
