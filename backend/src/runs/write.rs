//! Writing runs to the store: a new run is created leased to this
//! replica; afterwards only the replica that owns a run's lease writes it
//! (every write is fenced by the owner and renews the lease), so a
//! replica that lost a run to another cannot overwrite it and stops
//! driving it; and an operator's decision on a run is written only if the
//! run is still the version the decision was made on.

use super::book::RunBook;
use super::lease::LEASE_SECS;
use super::run::{Run, corrupt, parse};
use crate::store::StoreError;
use crate::store::runs::RunRecord;

/// Whether a write was refused because the run is no longer this
/// replica's to write (another replica drives it, or a decision lost a
/// race): the writer stops.
pub fn lost(e: &StoreError) -> bool {
    matches!(e, StoreError::Conflict(_))
}

impl<T: Run> RunBook<T> {
    fn record(&self, run: &T, plan: Option<&T::Plan>, now: i64) -> Result<RunRecord, StoreError> {
        Ok(RunRecord {
            kind: T::KIND,
            id: run.id().to_owned(),
            actor: run.actor().to_owned(),
            clusters: run.clusters(),
            state: run.state(),
            started: run.started(),
            plan: match plan {
                Some(plan) => serde_json::to_string(plan).map_err(corrupt::<T>)?,
                None => "null".to_owned(),
            },
            body: serde_json::to_string(run).map_err(corrupt::<T>)?,
            owner: self.inner.owner.clone(),
            lease_until: now + LEASE_SECS,
        })
    }

    /// Stores a new run with its `plan`, leased to this replica.
    pub async fn create(&self, run: &T, plan: &T::Plan) -> Result<(), StoreError> {
        let Some((store, clock)) = &self.inner.store else {
            return Ok(());
        };
        let now = clock.now();
        store
            .create_run(&self.record(run, Some(plan), now)?, now)
            .await
    }

    /// Stores `run` as it is now (its plan as first stored), if this
    /// replica still owns it; a conflict ([`lost`]) when another replica
    /// has taken it over.
    pub async fn save(&self, run: &T) -> Result<(), StoreError> {
        let Some((store, clock)) = &self.inner.store else {
            return Ok(());
        };
        let now = clock.now();
        if store.update_run(&self.record(run, None, now)?, now).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict(format!(
                "{} run {} is driven by another replica now",
                T::KIND,
                run.id()
            )))
        }
    }

    /// The run `id` to decide on: as stored, with its version (as held,
    /// without one, in a book without a store).
    pub async fn to_decide(&self, id: &str) -> Result<Option<(T, Option<i64>)>, StoreError> {
        let Some((store, _)) = &self.inner.store else {
            return Ok(self.progress(id).map(|run| (run, None)));
        };
        match store.run(T::KIND, id).await? {
            Some(stored) => Ok(Some((parse::<T>(&stored)?.0, Some(stored.version)))),
            None => Ok(None),
        }
    }

    /// Stores `run` as decided on at `version` (from
    /// [`RunBook::to_decide`]) and leases it to this replica, which
    /// drives it next; a conflict ([`lost`]) naming the run when anything
    /// wrote it since.
    pub async fn decided(&self, run: &T, version: Option<i64>) -> Result<(), StoreError> {
        let (Some((store, clock)), Some(version)) = (&self.inner.store, version) else {
            return Ok(());
        };
        let now = clock.now();
        if store
            .decide_run(&self.record(run, None, now)?, version, now)
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::Conflict(format!(
                "{} run {} changed while this decision was made (another decision, or its \
                 progress); reload it and decide again",
                T::KIND,
                run.id()
            )))
        }
    }
}
