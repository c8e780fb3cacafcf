//! One task per member cluster: check that it answers, watch what the
//! console shows (nodes, namespaces, istiod deployments, injector webhooks,
//! pods), keep small projections of them and publish what changed to the
//! [`Hub`]. When the member stops answering it is marked unreachable with
//! the reason, or degraded when its check timed out rather than failed;
//! the task keeps retrying with backoff and the member recovers by itself
//! when it answers again. Other members never wait on it.

mod events;
pub mod projection;
pub mod state;
pub mod stats;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use shared::ClusterName;
use shared::fleet::{ClusterChange, Reachability};

use self::events::{Kind, ListBuffers, Update};
use self::state::MemberState;
use self::stats::WatchStats;
use super::describe::describe;
use super::hub::Hub;
use crate::clock::Clock;

/// How often and how patiently a member is checked, and how retries back
/// off.
#[derive(Debug, Clone, Copy)]
pub struct WatchTiming {
    /// Between liveness checks of a member that is being watched.
    pub probe_every: Duration,
    /// A check (or connecting) that takes longer marks the member degraded.
    pub probe_timeout: Duration,
    /// First and longest pause between reconnection attempts.
    pub retry_min: Duration,
    pub retry_max: Duration,
}

impl Default for WatchTiming {
    fn default() -> Self {
        Self {
            probe_every: Duration::from_secs(5),
            probe_timeout: Duration::from_secs(4),
            retry_min: Duration::from_millis(500),
            retry_max: Duration::from_secs(5),
        }
    }
}

/// Everything one member's task works with.
pub struct MemberWatch {
    pub name: ClusterName,
    pub client: kube::Client,
    pub state: Arc<Mutex<MemberState>>,
    pub hub: Arc<Hub>,
    pub clock: Clock,
    pub timing: WatchTiming,
    /// Restarts and the last event's time, for the metrics.
    pub stats: Arc<WatchStats>,
}

/// Most events taken from the streams before publishing what they changed.
const BATCH: usize = 1024;

/// Why a member's session ended (shown as why it is not reachable).
#[derive(Debug, thiserror::Error)]
enum Unanswered {
    /// The API server's request failed, as [`describe`] puts it, or the
    /// watches ended: unreachable.
    #[error("{0}")]
    Failed(String),
    /// The check got no answer in time: degraded, since the member's other
    /// requests wait as long for theirs.
    #[error("requests time out (no answer within {} s)", .0.as_secs_f32())]
    Timeout(Duration),
}

impl MemberWatch {
    /// Runs until aborted.
    pub async fn run(self) {
        let mut pause = self.timing.retry_min;
        loop {
            let lost = self.session().await;
            self.stats.restarted();
            // A member that was synced starts its retries from the shortest
            // pause again.
            if self.is_reachable() {
                pause = self.timing.retry_min;
            }
            self.mark_lost(lost);
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(self.timing.retry_max);
        }
    }

    fn publish(&self, change: ClusterChange) {
        self.hub.publish(&self.name, change);
    }

    /// Marks the member degraded or unreachable, keeping when it was lost.
    fn mark_lost(&self, why: Unanswered) {
        let since = self
            .hub
            .cluster(self.name.as_str())
            .and_then(|c| c.reachability.lost_since())
            .unwrap_or_else(|| self.clock.now());
        let error = why.to_string();
        let reachability = match why {
            Unanswered::Timeout(_) => {
                tracing::warn!(cluster = %self.name, %error, "member degraded");
                Reachability::Degraded { since, error }
            }
            Unanswered::Failed(_) => {
                tracing::warn!(cluster = %self.name, %error, "member unreachable");
                Reachability::Unreachable { since, error }
            }
        };
        self.publish(ClusterChange::Reachability(reachability));
    }

    /// The member's Kubernetes version, if it answers in time.
    async fn probe(&self) -> Result<String, Unanswered> {
        match tokio::time::timeout(self.timing.probe_timeout, self.client.apiserver_version()).await
        {
            Ok(Ok(info)) => Ok(info.git_version),
            Ok(Err(e)) => Err(Unanswered::Failed(describe(&e))),
            Err(_) => Err(Unanswered::Timeout(self.timing.probe_timeout)),
        }
    }

    /// Watches until the member stops answering; returns why.
    async fn session(&self) -> Unanswered {
        let version = match self.probe().await {
            Ok(version) => version,
            Err(reason) => return reason,
        };
        self.publish(ClusterChange::KubernetesVersion(Some(version)));
        let mut updates = events::streams(&self.client);
        let mut waiting_for: Vec<Kind> = Kind::ALL.to_vec();
        let mut lists = ListBuffers::default();
        let mut probe = tokio::time::interval(self.timing.probe_every);
        probe.tick().await;
        loop {
            tokio::select! {
                next = updates.next() => {
                    let mut batch = vec![next];
                    while batch.len() < BATCH {
                        match updates.next().now_or_never() {
                            Some(next) => batch.push(next),
                            None => break,
                        }
                    }
                    for next in batch {
                        match next {
                            None => {
                                return Unanswered::Failed("the watch connections closed".into());
                            }
                            Some(Err(e)) => {
                                // A watch error is often a relist the watcher
                                // handles itself; only a failed check means
                                // the member is gone.
                                tracing::debug!(cluster = %self.name, error = %e, "watch error");
                                if let Err(reason) = self.probe().await {
                                    return reason;
                                }
                                tokio::time::sleep(self.timing.retry_min).await;
                            }
                            Some(Ok(update)) => {
                                self.stats.event_at(self.clock.now());
                                self.apply(update, &mut lists, &mut waiting_for);
                            }
                        }
                    }
                    self.flush();
                    if waiting_for.is_empty() {
                        self.mark_reachable();
                    }
                }
                _ = probe.tick() => {
                    if let Err(reason) = self.probe().await {
                        return reason;
                    }
                }
            }
        }
    }

    fn is_reachable(&self) -> bool {
        self.hub
            .cluster(self.name.as_str())
            .is_some_and(|c| c.reachability.is_reachable())
    }

    fn mark_reachable(&self) {
        if !self.is_reachable() {
            tracing::info!(cluster = %self.name, "member reachable");
            self.publish(ClusterChange::Reachability(Reachability::Reachable {
                since: self.clock.now(),
            }));
        }
    }

    fn apply(&self, update: Update, lists: &mut ListBuffers, waiting_for: &mut Vec<Kind>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(synced) = update.apply(&mut state, lists) {
            waiting_for.retain(|k| *k != synced);
        }
    }

    /// Publishes what changed in the member's state.
    fn flush(&self) {
        let (dirty, state) = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            (state.take_dirty(), state)
        };
        let mut changes = Vec::new();
        if dirty.nodes {
            changes.push(ClusterChange::Nodes(state.nodes()));
        }
        if dirty.control_planes {
            changes.push(ClusterChange::ControlPlanes(state.control_planes()));
        }
        for name in dirty.namespaces {
            changes.push(match state.namespace(&name) {
                Some(ns) => ClusterChange::Namespace(ns),
                None => ClusterChange::NamespaceRemoved(name),
            });
        }
        drop(state);
        for change in changes {
            self.publish(change);
        }
    }
}
