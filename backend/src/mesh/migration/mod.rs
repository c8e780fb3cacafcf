//! Canary migration on member clusters (SPEC §2.4–2.6): per-namespace
//! migrate, rollback and finish as runs with step progress ([`run`]),
//! verification ([`verify`]), the ingress gateway's external address
//! ([`gateway`]) and waves across the fleet ([`waves`]). Per-namespace
//! runs live in memory like installs (every step is idempotent, so
//! re-running one finishes it); wave runs are stored durably.

pub mod http;
mod run;
pub mod verify;
pub mod workload;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use shared::mesh::InstallPhase;
use shared::mesh::migration::run::MigrationRun;
use tokio::sync::watch;

pub use self::run::{finish, migrate, rollback};

/// How long a migration waits for pods, and how often it looks.
#[derive(Debug, Clone, Copy)]
pub struct MigrationTiming {
    pub ready_timeout: Duration,
    pub poll: Duration,
}

impl Default for MigrationTiming {
    fn default() -> Self {
        Self {
            ready_timeout: Duration::from_secs(300),
            poll: Duration::from_millis(500),
        }
    }
}

/// The console's per-namespace migration runs.
#[derive(Clone, Default)]
pub struct Migrations {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    runs: Mutex<HashMap<String, watch::Sender<MigrationRun>>>,
    timing: Mutex<MigrationTiming>,
    next: AtomicU64,
}

impl Migrations {
    pub fn with_timing(timing: MigrationTiming) -> Self {
        let migrations = Self::default();
        migrations.set_timing(timing);
        migrations
    }

    /// Changes how long later runs wait (tests shorten it).
    pub fn set_timing(&self, timing: MigrationTiming) {
        *lock(&self.inner.timing) = timing;
    }

    pub fn timing(&self) -> MigrationTiming {
        *lock(&self.inner.timing)
    }

    fn next_id(&self, prefix: &str, now: i64) -> String {
        let n = self.inner.next.fetch_add(1, Ordering::Relaxed);
        format!("{prefix}-{now}-{n}")
    }

    /// Registers `run` unless another run on the same cluster and
    /// namespace is still going.
    fn register(&self, run: &MigrationRun) -> Result<watch::Sender<MigrationRun>, String> {
        let mut runs = lock(&self.inner.runs);
        if let Some(busy) = runs.values().find(|r| {
            let r = r.borrow();
            r.phase == InstallPhase::Running
                && r.cluster == run.cluster
                && (r.namespace == run.namespace
                    || r.namespace.is_none()
                    || run.namespace.is_none())
        }) {
            let busy = busy.borrow();
            return Err(format!(
                "{} of {} on {} is still running (run {}); wait for it to end",
                busy.op.title(),
                busy.namespace.as_deref().unwrap_or("the control plane"),
                busy.cluster,
                busy.id
            ));
        }
        let (tx, _) = watch::channel(run.clone());
        runs.insert(run.id.clone(), tx.clone());
        Ok(tx)
    }

    pub fn progress(&self, id: &str) -> Option<MigrationRun> {
        lock(&self.inner.runs).get(id).map(|tx| tx.borrow().clone())
    }

    pub fn subscribe(&self, id: &str) -> Option<watch::Receiver<MigrationRun>> {
        lock(&self.inner.runs).get(id).map(watch::Sender::subscribe)
    }

    /// Every run, newest first.
    pub fn runs(&self) -> Vec<MigrationRun> {
        let mut runs: Vec<MigrationRun> = lock(&self.inner.runs)
            .values()
            .map(|tx| tx.borrow().clone())
            .collect();
        runs.sort_by(|a, b| b.started.cmp(&a.started).then(b.id.cmp(&a.id)));
        runs
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
