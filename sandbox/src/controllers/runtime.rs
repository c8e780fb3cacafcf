//! The loop every controller runs: a work queue of object keys filled from
//! the store's watch events, with delayed requeues and periodic resyncs —
//! the informer + workqueue pattern of client-go, in miniature.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use super::Timing;
use crate::cluster::Cluster;
use crate::store::Event;

/// (namespace or "", name) of the object a controller reconciles.
pub type Key = (String, String);

/// One controller: which objects it reconciles, which events concern
/// them, and how to drive one object towards its desired state.
pub trait Reconciler: Send + Sync + 'static {
    /// The store key of the reconciled resource (`deployments.apps`).
    fn primary(&self) -> &'static str;

    /// The keys to reconcile because of `event`.
    fn keys_for(&self, cluster: &Cluster, event: &Event) -> Vec<Key>;

    /// Reconciles one object; `Some(d)` asks to be called again after `d`.
    fn reconcile(
        &self,
        cluster: &Arc<Cluster>,
        key: &Key,
    ) -> impl Future<Output = Option<Duration>> + Send;
}

pub fn key_of(object: &serde_json::Value) -> Key {
    let meta = &object["metadata"];
    (
        meta["namespace"].as_str().unwrap_or_default().to_owned(),
        meta["name"].as_str().unwrap_or_default().to_owned(),
    )
}

fn all_keys(cluster: &Cluster, resource: &str) -> Vec<Key> {
    let (items, _) = cluster.store.list(resource, None);
    items.iter().map(|o| key_of(o)).collect()
}

/// Runs `r` against `cluster` until the task is aborted.
pub async fn run<R: Reconciler>(cluster: Arc<Cluster>, r: R, timing: Timing) {
    let (items, _, mut rx) = cluster.store.list_and_watch(r.primary(), None);
    let mut dirty: BTreeSet<Key> = items.iter().map(|o| key_of(o)).collect();
    let mut timers: BTreeMap<Key, Instant> = BTreeMap::new();
    let mut next_resync = Instant::now() + timing.resync;
    loop {
        // Take everything already queued before working, so a burst of
        // events for one object costs one reconcile.
        loop {
            match rx.try_recv() {
                Ok(event) => dirty.extend(r.keys_for(&cluster, &event)),
                Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => {
                    dirty.extend(all_keys(&cluster, r.primary()));
                }
                Err(_) => break,
            }
        }
        while let Some(key) = dirty.pop_first() {
            timers.remove(&key);
            if let Some(after) = r.reconcile(&cluster, &key).await {
                timers.insert(key, Instant::now() + after);
            }
        }
        let next_timer = timers.values().min().copied();
        let wake = next_timer.map_or(next_resync, |t| t.min(next_resync));
        tokio::select! {
            received = rx.recv() => match received {
                Ok(event) => dirty.extend(r.keys_for(&cluster, &event)),
                Err(RecvError::Lagged(_)) => dirty.extend(all_keys(&cluster, r.primary())),
                Err(RecvError::Closed) => return,
            },
            () = tokio::time::sleep_until(wake) => {
                let now = Instant::now();
                let due: Vec<Key> = timers
                    .iter()
                    .filter(|(_, at)| **at <= now)
                    .map(|(k, _)| k.clone())
                    .collect();
                for key in due {
                    timers.remove(&key);
                    dirty.insert(key);
                }
                if next_resync <= now {
                    dirty.extend(all_keys(&cluster, r.primary()));
                    next_resync = now + timing.resync;
                }
            }
        }
    }
}
