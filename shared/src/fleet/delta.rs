//! Changes to the fleet as the event stream carries them. Every delta has
//! the next version of the fleet; a client applies them in order to the
//! snapshot it fetched and reloads the snapshot when it misses one.

use serde::{Deserialize, Serialize};

use super::model::{Cluster, ControlPlane, Fleet, Namespace, Node, Reachability};
use crate::ClusterName;

/// One change to one member cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FleetDelta {
    /// The fleet's version once this delta is applied.
    pub version: u64,
    pub cluster: ClusterName,
    pub change: ClusterChange,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ClusterChange {
    Reachability(Reachability),
    KubernetesVersion(Option<String>),
    Nodes(Vec<Node>),
    ControlPlanes(Vec<ControlPlane>),
    /// A namespace was added or changed (labels or pods).
    Namespace(Namespace),
    NamespaceRemoved(String),
    /// It became (or stopped being) the fleet's multi-cluster ingress
    /// config cluster.
    ConfigCluster(bool),
}

/// Sent instead of deltas to a client too far behind: fetch the snapshot
/// again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ReloadNotice {
    pub reason: String,
    /// The fleet's current version.
    pub version: u64,
}

/// Why a delta could not be applied; the client reloads the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("missed deltas: at version {have}, received {got}")]
    Gap { have: u64, got: u64 },
    #[error("cluster {0} is not in the snapshot")]
    UnknownCluster(String),
}

impl ClusterChange {
    /// Applies the change to one cluster.
    pub fn apply_to(&self, cluster: &mut Cluster) {
        match self {
            ClusterChange::Reachability(r) => cluster.reachability = r.clone(),
            ClusterChange::KubernetesVersion(v) => cluster.kubernetes_version = v.clone(),
            ClusterChange::Nodes(nodes) => cluster.nodes = nodes.clone(),
            ClusterChange::ControlPlanes(cps) => cluster.control_planes = cps.clone(),
            ClusterChange::Namespace(ns) => cluster.upsert_namespace(ns.clone()),
            ClusterChange::NamespaceRemoved(name) => cluster.remove_namespace(name),
            ClusterChange::ConfigCluster(is) => cluster.member.config_cluster = *is,
        }
    }
}

impl Fleet {
    /// Applies the next delta. Deltas at or below the snapshot's version are
    /// already included and ignored (`Ok(false)`).
    pub fn apply(&mut self, delta: &FleetDelta) -> Result<bool, ApplyError> {
        if delta.version <= self.version {
            return Ok(false);
        }
        if delta.version != self.version + 1 {
            return Err(ApplyError::Gap {
                have: self.version,
                got: delta.version,
            });
        }
        let cluster = self
            .cluster_mut(delta.cluster.as_str())
            .ok_or_else(|| ApplyError::UnknownCluster(delta.cluster.to_string()))?;
        delta.change.apply_to(cluster);
        self.version = delta.version;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::fleet::{Member, Platform};

    fn fleet() -> Fleet {
        let name = "gke-eu".parse().expect("a valid name");
        let member = Member::new(name, "europe-west1-c", Platform::Gke);
        Fleet {
            version: 7,
            name: None,
            project: None,
            clusters: vec![Cluster::new(member, Reachability::Connecting { since: 0 })],
        }
    }

    fn delta(version: u64, change: ClusterChange) -> FleetDelta {
        FleetDelta {
            version,
            cluster: "gke-eu".parse().expect("a valid name"),
            change,
        }
    }

    #[test]
    fn deltas_apply_in_order_and_gaps_are_refused() {
        let mut f = fleet();
        let ns = Namespace {
            name: "blue".into(),
            rev_label: Some("asm-1106-2".into()),
            injection_label: None,
            pods: BTreeMap::new(),
        };
        assert_eq!(
            f.apply(&delta(8, ClusterChange::Namespace(ns.clone()))),
            Ok(true)
        );
        assert_eq!(f.clusters[0].namespace("blue"), Some(&ns));
        // A repeat of an applied delta changes nothing.
        assert_eq!(
            f.apply(&delta(8, ClusterChange::NamespaceRemoved("blue".into()))),
            Ok(false)
        );
        assert!(f.clusters[0].namespace("blue").is_some());
        assert_eq!(
            f.apply(&delta(10, ClusterChange::NamespaceRemoved("blue".into()))),
            Err(ApplyError::Gap { have: 8, got: 10 })
        );
        assert_eq!(
            f.apply(&delta(9, ClusterChange::NamespaceRemoved("blue".into()))),
            Ok(true)
        );
        assert!(f.clusters[0].namespaces.is_empty());
        assert_eq!(f.version, 9);
    }

    #[test]
    fn deltas_serialise_with_a_kind_tag() {
        let d = delta(
            3,
            ClusterChange::Reachability(Reachability::Unreachable {
                since: 5,
                error: "connection refused".into(),
            }),
        );
        let json = serde_json::to_value(&d).expect("serialises");
        assert_eq!(json["change"]["kind"], "reachability");
        assert_eq!(json["change"]["value"]["state"], "unreachable");
        let back: FleetDelta = serde_json::from_value(json).expect("parses");
        assert_eq!(back, d);
    }
}
