//! The run registry: every run of one kind by id, each behind a watch
//! channel so handlers read its progress now and followers see each
//! change, and each stored in the console's database on every change so
//! a restarted console lists it and resumes it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

use super::lease::{Holding, LEASE_SECS, replica_id};
use super::run::{Run, parse, readable};
use crate::clock::Clock;
use crate::store::{Store, StoreError};

/// The console's runs of one kind, by id. Cheap to clone; clones share
/// the runs.
pub struct RunBook<T: Run> {
    pub(super) inner: Arc<Inner<T>>,
}

pub(super) struct Inner<T: Run> {
    runs: Mutex<HashMap<String, watch::Sender<T>>>,
    extra: T::Extra,
    /// Where runs are kept across restarts; none in unit tests.
    pub(super) store: Option<(Store, Clock)>,
    /// This replica, as lease owner.
    pub(super) owner: String,
    /// The runs this replica drives now.
    driving: Arc<Mutex<HashSet<String>>>,
    /// The runs driven elsewhere that someone here follows, each read
    /// from the store by one task whoever many follow it.
    pub(super) followed: Mutex<HashMap<String, watch::Sender<T>>>,
}

impl<T: Run> Default for RunBook<T> {
    fn default() -> Self {
        Self::with_store(None)
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
    /// A book keeping its runs in `store`, stamped by `clock`.
    pub fn stored(store: Store, clock: Clock) -> Self {
        Self::with_store(Some((store, clock)))
    }

    fn with_store(store: Option<(Store, Clock)>) -> Self {
        Self::owned_by(store, replica_id())
    }

    /// A book whose leases are taken as replica `owner`.
    pub(super) fn owned_by(store: Option<(Store, Clock)>, owner: String) -> Self {
        Self {
            inner: Arc::new(Inner {
                runs: Mutex::default(),
                extra: T::Extra::default(),
                store,
                owner,
                driving: Arc::default(),
                followed: Mutex::default(),
            }),
        }
    }

    /// The book's clock reading (Unix seconds); `None` for a book kept
    /// in memory only, which has no clock.
    pub fn now(&self) -> Option<i64> {
        self.inner.store.as_ref().map(|(_, clock)| clock.now())
    }

    /// What the feature keeps beside the runs.
    pub fn extra(&self) -> &T::Extra {
        &self.inner.extra
    }

    /// Where the runs are kept, if anywhere (a feature keeps what its
    /// runs need there too, such as reviewed plans).
    pub(crate) fn store(&self) -> Option<&Store> {
        self.inner.store.as_ref().map(|(store, _)| store)
    }

    /// A fresh id, `{prefix}-{now}-{random}`: unique across restarts and
    /// replicas, not only within this process.
    pub fn next_id(&self, prefix: &str, now: i64) -> String {
        format!("{prefix}-{now}-{:08x}", rand::random::<u32>())
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

    /// Like [`RunBook::open`], then stores the run with its `plan`; a run
    /// that cannot be stored is not started.
    pub async fn start(
        &self,
        run: &T,
        plan: &T::Plan,
        in_the_way: impl Fn(&T) -> bool,
    ) -> Result<watch::Sender<T>, Refused<T>> {
        let tx = self.open(run, in_the_way).map_err(Refused::Busy)?;
        if let Err(e) = self.create(run, plan).await {
            lock(&self.inner.runs).remove(run.id());
            return Err(Refused::Store(e));
        }
        Ok(tx)
    }

    /// Takes the lease of run `id` for this replica and keeps renewing it
    /// while the holding lives; `None` when this replica drives it
    /// already or another replica's lease still holds.
    pub async fn hold(&self, id: &str) -> Result<Option<Holding>, StoreError> {
        let Some(holding) = Holding::take(&self.inner.driving, id).await else {
            return Ok(None);
        };
        let Some((store, clock)) = self.inner.store.clone() else {
            return Ok(Some(holding));
        };
        let (owner, id) = (self.inner.owner.clone(), id.to_owned());
        let claim = move || {
            let (store, clock, owner, id) =
                (store.clone(), clock.clone(), owner.clone(), id.clone());
            async move {
                let now = clock.now();
                store
                    .claim_run(T::KIND, &id, &owner, now, now + LEASE_SECS)
                    .await
            }
        };
        if !claim().await? {
            return Ok(None);
        }
        Ok(Some(holding.renewed_by(move || {
            let claim = claim.clone();
            async move {
                match claim().await {
                    Ok(held) => Some(held),
                    // A store briefly away: keep driving and try again,
                    // until the lease may have expired (see `renewed_by`).
                    Err(e) => {
                        tracing::warn!(kind = T::KIND, error = %e, "cannot renew a run's lease");
                        None
                    }
                }
            }
        })))
    }

    /// Publishes `run` as its latest state, registering it if the book
    /// does not hold it yet (a run resumed from the store or followed).
    pub fn publish(&self, run: &T) -> watch::Sender<T> {
        let tx = lock(&self.inner.runs)
            .entry(run.id().to_owned())
            .or_insert_with(|| watch::channel(run.clone()).0)
            .clone();
        tx.send_replace(run.clone());
        tx
    }

    /// Follows run `id` as this console holds it.
    pub(super) fn subscribe(&self, id: &str) -> Option<watch::Receiver<T>> {
        lock(&self.inner.runs).get(id).map(watch::Sender::subscribe)
    }

    /// Follows `run`, held from now on unless held already.
    pub(super) fn register(&self, run: T) -> watch::Receiver<T> {
        lock(&self.inner.runs)
            .entry(run.id().to_owned())
            .or_insert_with(|| watch::channel(run).0)
            .subscribe()
    }

    /// A run's current progress, as this console holds it.
    pub fn progress(&self, id: &str) -> Option<T> {
        lock(&self.inner.runs).get(id).map(|tx| tx.borrow().clone())
    }

    /// The run `id`: as this replica has it while driving it, else as
    /// stored.
    pub async fn get(&self, id: &str) -> Result<Option<T>, StoreError> {
        let held = self.progress(id);
        let Some((store, _)) = &self.inner.store else {
            return Ok(held);
        };
        if held.is_some() && self.drives(id) {
            return Ok(held);
        }
        // Driven by another replica (or by none): the store has its latest.
        match store.run(T::KIND, id).await? {
            Some(stored) => Ok(Some(parse::<T>(&stored)?.0)),
            None => Ok(held),
        }
    }

    /// Whether this replica drives run `id` now.
    pub(super) fn drives(&self, id: &str) -> bool {
        lock(&self.inner.driving).contains(id)
    }

    /// Every run, stored or held here, newest first; the runs this
    /// replica drives as it has them.
    pub async fn list(&self) -> Result<Vec<T>, StoreError> {
        let mut by_id: HashMap<String, T> = HashMap::new();
        if let Some((store, _)) = &self.inner.store {
            for stored in store.runs(T::KIND).await? {
                if let Some((run, _)) = readable::<T>(&stored) {
                    by_id.insert(run.id().to_owned(), run);
                }
            }
        }
        for run in self.runs() {
            if !by_id.contains_key(run.id()) || self.drives(run.id()) {
                by_id.insert(run.id().to_owned(), run);
            }
        }
        let mut runs: Vec<T> = by_id.into_values().collect();
        newest_first(&mut runs);
        Ok(runs)
    }

    /// The stored runs still to be driven that this replica may take
    /// (its own not driven now, and those whose lease expired), with
    /// their plans.
    pub async fn unfinished(&self) -> Result<Vec<(T, T::Plan)>, StoreError> {
        let Some((store, clock)) = &self.inner.store else {
            return Ok(Vec::new());
        };
        let runs: Vec<(T, T::Plan)> = store
            .claimable_runs(T::KIND, &self.inner.owner, clock.now())
            .await?
            .iter()
            .filter_map(readable::<T>)
            .collect();
        let driving = lock(&self.inner.driving);
        Ok(runs
            .into_iter()
            .filter(|(run, _)| !driving.contains(run.id()))
            .collect())
    }

    /// Every run this console holds, newest first.
    pub fn runs(&self) -> Vec<T> {
        let mut runs: Vec<T> = lock(&self.inner.runs)
            .values()
            .map(|tx| tx.borrow().clone())
            .collect();
        newest_first(&mut runs);
        runs
    }
}

fn newest_first<T: Run>(runs: &mut [T]) {
    runs.sort_by(|a, b| {
        b.started()
            .cmp(&a.started())
            .then_with(|| b.id().cmp(a.id()))
    });
}

/// Why a run was not started.
#[derive(Debug)]
pub enum Refused<T> {
    /// A run in the way, still running.
    Busy(T),
    /// The run could not be stored.
    Store(StoreError),
}

/// A lock that a panicked holder did not poison for good: the guarded
/// maps stay consistent between statements.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
