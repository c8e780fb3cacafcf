//! What the run book needs of a run and of its stored plan.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::StoreError;
use crate::store::runs::StoredRun;

/// A run's published state, as the book keeps it.
pub trait Run: Clone + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// What this kind of run keeps beside its runs (install plans, a
    /// timing, the tasks driving wave runs); defined by the feature.
    type Extra: Default + Send + Sync + 'static;
    /// What the run does, fixed when it starts and stored with it, so a
    /// restarted console can carry on.
    type Plan: RunPlan;

    /// The kind as stored: `install`, `migration`, `wave`.
    const KIND: &'static str;

    /// Unique within the book.
    fn id(&self) -> &str;

    /// Unix seconds; the book lists the newest first.
    fn started(&self) -> i64;

    /// Who started it.
    fn actor(&self) -> &str;

    /// The clusters it works on, comma-separated.
    fn clusters(&self) -> String;

    /// Whether the run may still change (a paused wave run may): its
    /// followers keep listening while it is.
    fn is_live(&self) -> bool;

    /// Its state as stored: [`crate::store::runs::RUNNING`] while it must
    /// be driven (and is resumed after a restart).
    fn state(&self) -> &'static str;
}

/// A run's stored plan.
pub trait RunPlan: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The role of the operator who started the run, for the audit of
    /// its end when a restarted console finishes it.
    fn role(&self) -> Option<String>;
}

/// Runs whose plan is in the run itself.
impl RunPlan for () {
    fn role(&self) -> Option<String> {
        None
    }
}

/// A run or plan that does not serialise or parse, as a store error.
pub(super) fn corrupt<T: Run>(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("{} run: {e}", T::KIND))
}

/// A stored run and its plan, parsed.
pub(super) fn parse<T: Run>(stored: &StoredRun) -> Result<(T, T::Plan), StoreError> {
    Ok((
        serde_json::from_str(&stored.body).map_err(corrupt::<T>)?,
        serde_json::from_str(&stored.plan).map_err(corrupt::<T>)?,
    ))
}

/// A stored run and its plan, parsed; `None` (logged) for a row that does
/// not parse, so that one bad row does not hide every other run.
pub(super) fn readable<T: Run>(stored: &StoredRun) -> Option<(T, T::Plan)> {
    parse::<T>(stored)
        .inspect_err(|e| {
            tracing::error!(kind = T::KIND, run = stored.id, error = %e, "stored run skipped");
        })
        .ok()
}
