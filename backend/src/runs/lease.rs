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
    /// another replica has taken the run (`Some(false)`), or it could not
    /// be renewed (`None`: the store is away) for so long that the lease
    /// may have expired and another replica may drive the run now.
    pub(super) fn renewed_by<F, Fut>(mut self, mut renew: F) -> Self
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = Option<bool>> + Send,
    {
        let lost = Arc::clone(&self.lost);
        let unsure_after =
            Duration::from_secs(LEASE_SECS.unsigned_abs()).saturating_sub(RENEW_EVERY);
        self.renewal = Some(tokio::spawn(async move {
            let mut renewed = tokio::time::Instant::now();
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                match renew().await {
                    Some(true) => renewed = tokio::time::Instant::now(),
                    None if renewed.elapsed() < unsure_after => {}
                    Some(false) | None => {
                        lost.store(true, Ordering::Relaxed);
                        return;
                    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Real time (about 14 s): renewals every 3 s against a store that
    /// is away, one that renews, and one that says another replica took
    /// the run.
    #[tokio::test]
    async fn a_lease_is_given_up_when_taken_or_unrenewable_before_it_may_expire() {
        let driving = Arc::new(Mutex::new(HashSet::new()));
        let hold = |id: &'static str| Holding::take(&driving, id);
        let away = hold("away").await.unwrap().renewed_by(|| async { None });
        let kept = hold("kept")
            .await
            .unwrap()
            .renewed_by(|| async { Some(true) });
        let taken = hold("taken")
            .await
            .unwrap()
            .renewed_by(|| async { Some(false) });
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert!(!away.lost(), "a store away briefly: keep driving");
        assert!(taken.lost(), "another replica holds it");
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(away.lost(), "given up before the 10 s lease may expire");
        assert!(!kept.lost());
    }
}
