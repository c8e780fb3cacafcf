//! Which console replica drives a run: each running run's lease in the
//! run table (owner and expiry), taken when a replica starts or resumes
//! the run and renewed while it drives it. A replica that dies stops
//! renewing; once the lease has expired another replica takes the run
//! over (see `crate::mesh::keep_resuming`).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

/// How long a lease holds without renewal (seconds).
pub const LEASE_SECS: i64 = 10;

/// How often the driving replica renews a lease.
pub const RENEW_EVERY: Duration = Duration::from_secs(3);

/// This replica's name: `MESHDECK_REPLICA` when set (each replica of a
/// shared database needs its own), else the host name, so a console
/// restarted on the same host is the same replica and takes its runs
/// back at once.
pub fn replica_id() -> String {
    std::env::var("MESHDECK_REPLICA")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "meshdeck".to_owned())
}

/// A run's lease held by this replica, renewed until dropped (when its
/// runner ends or is aborted).
pub struct Holding {
    id: String,
    /// The runs this replica drives.
    driving: Arc<Mutex<HashSet<String>>>,
    renewal: Option<JoinHandle<()>>,
    lost: Arc<AtomicBool>,
}

impl Holding {
    /// Marks `id` as driven here; `None` if it still is after a short
    /// wait (a runner that just published its run's pause or end may not
    /// have returned yet when the next one starts).
    pub(super) async fn take(driving: &Arc<Mutex<HashSet<String>>>, id: &str) -> Option<Self> {
        for _ in 0..50 {
            if lock(driving).insert(id.to_owned()) {
                return Some(Self {
                    id: id.to_owned(),
                    driving: Arc::clone(driving),
                    renewal: None,
                    lost: Arc::default(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    }

    /// Renews the lease with `renew` every [`RENEW_EVERY`] until it says
    /// another replica has taken the run.
    pub(super) fn renewed_by<F, Fut>(mut self, mut renew: F) -> Self
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = bool> + Send,
    {
        let lost = Arc::clone(&self.lost);
        self.renewal = Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                if !renew().await {
                    lost.store(true, Ordering::Relaxed);
                    return;
                }
            }
        }));
        self
    }

    /// Whether another replica has taken the run over: its runner stops.
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }
}

impl Drop for Holding {
    fn drop(&mut self) {
        if let Some(renewal) = self.renewal.take() {
            renewal.abort();
        }
        lock(&self.driving).remove(&self.id);
    }
}

/// The set of driven runs, whatever a panicked holder left (it stays
/// consistent between statements).
fn lock(driving: &Mutex<HashSet<String>>) -> std::sync::MutexGuard<'_, HashSet<String>> {
    driving.lock().unwrap_or_else(|e| e.into_inner())
}
