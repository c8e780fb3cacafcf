//! The fleet snapshot every reader sees, the versioned deltas that changed
//! it, and their fan-out to event-stream subscribers. Watchers publish
//! changes; a change that alters nothing is dropped, so subscribers only
//! hear about real differences.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use shared::ClusterName;
use shared::fleet::{Cluster, ClusterChange, Fleet, FleetDelta};
use tokio::sync::broadcast;

/// Deltas kept for clients resuming with `Last-Event-ID`.
const BACKLOG: usize = 8192;

pub struct Hub {
    state: Mutex<HubState>,
    deltas: broadcast::Sender<Arc<FleetDelta>>,
}

struct HubState {
    fleet: Fleet,
    backlog: VecDeque<Arc<FleetDelta>>,
}

/// What a subscriber resuming after a version gets.
pub enum Resume {
    /// The deltas it missed, then everything new.
    Deltas {
        missed: Vec<Arc<FleetDelta>>,
        live: broadcast::Receiver<Arc<FleetDelta>>,
    },
    /// Too far behind (or from before a restart): reload the snapshot.
    Reload { version: u64 },
}

impl Hub {
    /// A hub for `fleet`. Versions start from `first_version`, so a client
    /// holding a version from an earlier run of the console is told to
    /// reload instead of receiving deltas against a snapshot it never had.
    pub fn new(mut fleet: Fleet, first_version: u64) -> Self {
        fleet.version = first_version;
        Self {
            state: Mutex::new(HubState {
                fleet,
                backlog: VecDeque::with_capacity(BACKLOG),
            }),
            deltas: broadcast::channel(1024).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn snapshot(&self) -> Fleet {
        self.lock().fleet.clone()
    }

    pub fn cluster(&self, name: &str) -> Option<Cluster> {
        self.lock().fleet.cluster(name).cloned()
    }

    pub fn version(&self) -> u64 {
        self.lock().fleet.version
    }

    /// Applies `change` to `cluster` and tells subscribers, unless it
    /// changes nothing. Returns whether it did.
    pub fn publish(&self, cluster: &ClusterName, change: ClusterChange) -> bool {
        let mut state = self.lock();
        let Some(current) = state.fleet.cluster_mut(cluster.as_str()) else {
            return false;
        };
        let mut changed = current.clone();
        change.apply_to(&mut changed);
        if changed == *current {
            return false;
        }
        *current = changed;
        state.fleet.version += 1;
        let delta = Arc::new(FleetDelta {
            version: state.fleet.version,
            cluster: cluster.clone(),
            change,
        });
        if state.backlog.len() == BACKLOG {
            state.backlog.pop_front();
        }
        state.backlog.push_back(delta.clone());
        // Sent under the lock so subscribers see deltas in version order.
        let _ = self.deltas.send(delta);
        true
    }

    /// Marks `config` (none: no member) as the config cluster and every
    /// other member as not, one delta per member whose flag changes.
    /// Returns how many changed.
    pub fn mark_config_cluster(&self, config: Option<&str>) -> usize {
        let members: Vec<ClusterName> = self
            .lock()
            .fleet
            .clusters
            .iter()
            .map(|c| c.member.name.clone())
            .collect();
        members
            .iter()
            .filter(|name| {
                let is = config == Some(name.as_str());
                self.publish(name, ClusterChange::ConfigCluster(is))
            })
            .count()
    }

    /// Everything after `version` for a subscriber.
    pub fn resume(&self, version: u64) -> Resume {
        let state = self.lock();
        let current = state.fleet.version;
        let oldest = state.backlog.front().map_or(current + 1, |d| d.version);
        if version > current || version + 1 < oldest {
            return Resume::Reload { version: current };
        }
        let missed = state
            .backlog
            .iter()
            .filter(|d| d.version > version)
            .cloned()
            .collect();
        Resume::Deltas {
            missed,
            live: self.deltas.subscribe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use shared::fleet::{Member, Namespace, Platform, Reachability};

    use super::*;

    fn hub() -> Hub {
        let name = "gke-eu".parse().expect("a valid name");
        let member = Member::new(name, "", Platform::Gke);
        let fleet = Fleet {
            clusters: vec![Cluster::new(member, Reachability::Connecting { since: 0 })],
            ..Fleet::default()
        };
        Hub::new(fleet, 100)
    }

    fn ns(name: &str) -> ClusterChange {
        ClusterChange::Namespace(Namespace {
            name: name.into(),
            rev_label: None,
            injection_label: None,
            pods: Default::default(),
        })
    }

    #[test]
    fn repeated_changes_are_not_published() {
        let hub = hub();
        let c: ClusterName = "gke-eu".parse().expect("a valid name");
        assert!(hub.publish(&c, ns("blue")));
        assert!(!hub.publish(&c, ns("blue")));
        assert_eq!(hub.version(), 101);
        let unknown: ClusterName = "nope".parse().expect("a valid name");
        assert!(!hub.publish(&unknown, ns("blue")));
    }

    #[test]
    fn marking_the_config_cluster_publishes_only_the_flags_that_change() {
        let hub = hub();
        let eu: ClusterName = "gke-eu".parse().expect("a valid name");
        assert_eq!(hub.mark_config_cluster(Some("gke-eu")), 1);
        assert!(
            hub.cluster("gke-eu")
                .is_some_and(|c| c.member.config_cluster)
        );
        assert_eq!(hub.mark_config_cluster(Some("gke-eu")), 0);
        assert_eq!(hub.version(), 101);
        match hub.resume(100) {
            Resume::Deltas { missed, .. } => {
                assert_eq!(missed.len(), 1);
                assert_eq!(missed[0].cluster, eu);
                assert_eq!(missed[0].change, ClusterChange::ConfigCluster(true));
            }
            Resume::Reload { .. } => panic!("100 is in the backlog"),
        }
        assert_eq!(hub.mark_config_cluster(Some("gke-us")), 1);
        assert!(
            hub.cluster("gke-eu")
                .is_some_and(|c| !c.member.config_cluster)
        );
    }

    #[test]
    fn resuming_replays_missed_deltas_or_asks_for_a_reload() {
        let hub = hub();
        let c: ClusterName = "gke-eu".parse().expect("a valid name");
        for name in ["a", "b", "c"] {
            hub.publish(&c, ns(name));
        }
        match hub.resume(101) {
            Resume::Deltas { missed, .. } => {
                let versions: Vec<u64> = missed.iter().map(|d| d.version).collect();
                assert_eq!(versions, [102, 103]);
            }
            Resume::Reload { .. } => panic!("101 is in the backlog"),
        }
        // From the future (an earlier run of the console) or too old.
        assert!(matches!(hub.resume(500), Resume::Reload { version: 103 }));
        assert!(matches!(hub.resume(5), Resume::Reload { .. }));
        assert!(matches!(hub.resume(100), Resume::Deltas { .. }));
    }
}
