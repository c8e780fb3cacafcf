//! The run registry: every run of one kind by id, each behind a watch
//! channel so handlers read its progress now and followers see each
//! change.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

/// A run's published state, as the book keeps it.
pub trait Run: Clone + Send + Sync + 'static {
    /// What this kind of run keeps beside its runs (install plans, a
    /// timing, the tasks driving wave runs); defined by the feature.
    type Extra: Default + Send + Sync + 'static;

    /// Unique within the book.
    fn id(&self) -> &str;

    /// Unix seconds; the book lists the newest first.
    fn started(&self) -> i64;

    /// Whether the run may still change (a paused wave run may): its
    /// followers keep listening while it is.
    fn is_live(&self) -> bool;
}

/// The console's runs of one kind, by id. Cheap to clone; clones share
/// the runs.
pub struct RunBook<T: Run> {
    inner: Arc<Inner<T>>,
}

struct Inner<T: Run> {
    runs: Mutex<HashMap<String, watch::Sender<T>>>,
    next: AtomicU64,
    extra: T::Extra,
}

impl<T: Run> Default for RunBook<T> {
    fn default() -> Self {
        Self {
            inner: Arc::new(Inner {
                runs: Mutex::default(),
                next: AtomicU64::new(0),
                extra: T::Extra::default(),
            }),
        }
    }
}

impl<T: Run> Clone for RunBook<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T: Run> RunBook<T> {
    /// What the feature keeps beside the runs.
    pub fn extra(&self) -> &T::Extra {
        &self.inner.extra
    }

    /// A fresh id, `{prefix}-{now}-{n}`, unique within this book.
    pub fn next_id(&self, prefix: &str, now: i64) -> String {
        let n = self.inner.next.fetch_add(1, Ordering::Relaxed);
        format!("{prefix}-{now}-{n}")
    }

    /// Registers a new run, unless `in_the_way` holds for a run already
    /// in the book: then that run is returned instead.
    pub fn open(&self, run: &T, in_the_way: impl Fn(&T) -> bool) -> Result<watch::Sender<T>, T> {
        let mut runs = lock(&self.inner.runs);
        if let Some(busy) = runs.values().find(|r| in_the_way(&r.borrow())) {
            return Err(busy.borrow().clone());
        }
        let (tx, _) = watch::channel(run.clone());
        runs.insert(run.id().to_owned(), tx.clone());
        Ok(tx)
    }

    /// Publishes `run` as its latest state, registering it if the book
    /// does not hold it yet (a run resumed from the store).
    pub fn publish(&self, run: &T) -> watch::Sender<T> {
        let tx = lock(&self.inner.runs)
            .entry(run.id().to_owned())
            .or_insert_with(|| watch::channel(run.clone()).0)
            .clone();
        tx.send_replace(run.clone());
        tx
    }

    /// A run's current progress.
    pub fn progress(&self, id: &str) -> Option<T> {
        lock(&self.inner.runs).get(id).map(|tx| tx.borrow().clone())
    }

    /// Follows a run: the current progress, then every change.
    pub fn subscribe(&self, id: &str) -> Option<watch::Receiver<T>> {
        lock(&self.inner.runs).get(id).map(watch::Sender::subscribe)
    }

    /// Every run, newest first.
    pub fn runs(&self) -> Vec<T> {
        let mut runs: Vec<T> = lock(&self.inner.runs)
            .values()
            .map(|tx| tx.borrow().clone())
            .collect();
        runs.sort_by(|a, b| {
            b.started()
                .cmp(&a.started())
                .then_with(|| b.id().cmp(a.id()))
        });
        runs
    }
}

/// A lock that a panicked holder did not poison for good: the guarded
/// maps stay consistent between statements.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Job {
        id: String,
        started: i64,
        busy: bool,
    }

    impl Run for Job {
        type Extra = ();
        fn id(&self) -> &str {
            &self.id
        }
        fn started(&self) -> i64 {
            self.started
        }
        fn is_live(&self) -> bool {
            self.busy
        }
    }

    fn job(id: &str, started: i64) -> Job {
        Job {
            id: id.into(),
            started,
            busy: true,
        }
    }

    #[test]
    fn lists_newest_first_and_refuses_a_run_in_the_way() {
        let book = RunBook::<Job>::default();
        book.open(&job("a", 1), |_| false).expect("first run");
        book.open(&job("b", 2), |r| !r.busy).expect("second run");
        let refused = book.open(&job("c", 3), |r| r.id == "a");
        assert_eq!(refused.err().map(|r| r.id), Some("a".to_owned()));
        let ids: Vec<String> = book.runs().into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["b", "a"]);
    }

    #[test]
    fn publish_registers_a_resumed_run_and_followers_see_changes() {
        let book = RunBook::<Job>::default();
        let tx = book.publish(&job("w", 5));
        let rx = book.subscribe("w").expect("registered");
        tx.send_modify(|j| j.busy = false);
        assert!(rx.has_changed().unwrap_or(false));
        assert_eq!(book.progress("w").map(|j| j.busy), Some(false));
        book.publish(&job("w", 5));
        assert_eq!(book.progress("w").map(|j| j.busy), Some(true));
        assert_ne!(book.next_id("x", 1), book.next_id("x", 1));
    }
}
