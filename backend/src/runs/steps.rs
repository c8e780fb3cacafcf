//! The one step loop: a stepped run's steps performed in order, each
//! published and stored as it starts and as it ends, the run stopping at
//! its first failed step; its end is reported to the job (which audits
//! it) before the outcome is published, so whoever sees the run end finds
//! its entry. A run resumed after a restart skips the steps already done;
//! the step that was under way is performed again, which every step's
//! work allows (applies, stamped restarts and deletions are idempotent).

use std::fmt::Display;
use std::future::Future;

use shared::mesh::{InstallPhase, InstallStep, StepState};
use tokio::sync::watch;

use super::book::RunBook;
use super::run::Run;

/// A run shown to the operator as a list of steps with a phase.
pub trait Stepped: Run {
    fn steps(&self) -> &[InstallStep];
    fn steps_mut(&mut self) -> &mut [InstallStep];
    /// Marks the run ended in `phase` at `at` (Unix seconds, when the
    /// book has a clock).
    fn end(&mut self, phase: InstallPhase, at: Option<i64>);
}

/// Implements [`Run`] and [`Stepped`] for a `shared` progress type with
/// `id`, `started`, `ended`, `by`, `cluster`, `phase` and `steps` fields.
macro_rules! stepped_run {
    ($run:ty, kind = $kind:literal, extra = $extra:ty, plan = $plan:ty) => {
        impl $crate::runs::run::Run for $run {
            type Extra = $extra;
            type Plan = $plan;
            const KIND: &'static str = $kind;

            fn id(&self) -> &str {
                &self.id
            }

            fn started(&self) -> i64 {
                self.started
            }

            fn actor(&self) -> &str {
                &self.by
            }

            fn clusters(&self) -> String {
                self.cluster.to_string()
            }

            fn is_live(&self) -> bool {
                self.phase == shared::mesh::InstallPhase::Running
            }

            fn state(&self) -> &'static str {
                match self.phase {
                    shared::mesh::InstallPhase::Running => $crate::store::runs::RUNNING,
                    shared::mesh::InstallPhase::Succeeded => "succeeded",
                    shared::mesh::InstallPhase::Failed => "failed",
                }
            }
        }

        impl $crate::runs::steps::Stepped for $run {
            fn steps(&self) -> &[shared::mesh::InstallStep] {
                &self.steps
            }

            fn steps_mut(&mut self) -> &mut [shared::mesh::InstallStep] {
                &mut self.steps
            }

            fn end(&mut self, phase: shared::mesh::InstallPhase, at: Option<i64>) {
                self.phase = phase;
                self.ended = at;
            }
        }
    };
}
pub(crate) use stepped_run;

/// What one kind of stepped run does at each step and at its end.
pub trait StepJob<T>: Send + Sync {
    /// One step's work, fixed when the run starts.
    type Work: Send;
    /// A failed step; its text is what the operator reads on the step.
    type Error: Display + Send;

    /// Performs one step of `run` (as published so far); `Ok` says what it
    /// did.
    fn perform(
        &self,
        work: Self::Work,
        run: &T,
    ) -> impl Future<Output = Result<String, Self::Error>> + Send;

    /// The run has ended (its steps final, its phase not yet published).
    fn ended(&self, run: &T) -> impl Future<Output = ()> + Send;
}

/// Drives one stepped run, publishing through its channel in the book
/// and storing each change.
pub struct StepRunner<T: Run> {
    book: RunBook<T>,
    tx: watch::Sender<T>,
}

impl<T: Stepped> StepRunner<T> {
    /// A runner publishing through `tx`, the run's channel in `book`.
    pub fn new(book: RunBook<T>, tx: watch::Sender<T>) -> Self {
        Self { book, tx }
    }

    /// Performs `work` (one item per step of the run, those already done
    /// skipped) and publishes the outcome.
    pub async fn run<J: StepJob<T>>(self, job: J, work: Vec<J::Work>) {
        let id = self.tx.borrow().id().to_owned();
        let held = match self.book.hold(&id).await {
            Ok(Some(held)) => held,
            Ok(None) => {
                tracing::info!(run = id, kind = T::KIND, "run driven by another replica");
                return;
            }
            Err(e) => {
                tracing::error!(run = id, kind = T::KIND, error = %e, "cannot take the run's lease");
                return;
            }
        };
        let mut failed = false;
        for (index, step) in work.into_iter().enumerate() {
            if held.lost() {
                tracing::warn!(
                    run = id,
                    kind = T::KIND,
                    "another replica took the run over"
                );
                return;
            }
            let done = matches!(
                self.tx.borrow().steps().get(index).map(|s| &s.state),
                Some(StepState::Done { .. })
            );
            if done {
                continue;
            }
            if !self.set(index, StepState::Running).await {
                return;
            }
            let run = self.tx.borrow().clone();
            let (state, ok) = match job.perform(step, &run).await {
                Ok(outcome) => (StepState::Done { outcome }, true),
                Err(error) => {
                    let message = error.to_string();
                    (StepState::Failed { message }, false)
                }
            };
            if !self.set(index, state).await {
                return;
            }
            if !ok {
                failed = true;
                break;
            }
        }
        let run = self.tx.borrow().clone();
        job.ended(&run).await;
        let phase = if failed {
            InstallPhase::Failed
        } else {
            InstallPhase::Succeeded
        };
        let at = self.book.now();
        self.tx.send_modify(|r| r.end(phase, at));
        self.store().await;
    }

    /// Sets step `index`'s state; `false` when the run is no longer
    /// this replica's (see [`Self::store`]).
    async fn set(&self, index: usize, state: StepState) -> bool {
        self.tx.send_modify(|r| {
            if let Some(step) = r.steps_mut().get_mut(index) {
                step.state = state;
            }
        });
        self.store().await
    }

    /// Stores the run as published. A store that is away loses only the
    /// ability to resume from this point, so the run goes on; a store
    /// that says another replica has taken the run over stops it here
    /// (`false`), without overwriting the new driver's progress.
    async fn store(&self) -> bool {
        let run = self.tx.borrow().clone();
        match self.book.save(&run).await {
            Ok(()) => true,
            Err(e) if super::write::lost(&e) => {
                tracing::warn!(run = run.id(), kind = T::KIND, error = %e, "run lost");
                false
            }
            Err(e) => {
                tracing::error!(run = run.id(), kind = T::KIND, error = %e, "run not stored");
                true
            }
        }
    }
}

#[cfg(test)]
mod tests;
