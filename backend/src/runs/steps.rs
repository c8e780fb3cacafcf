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
mod tests {
    use std::sync::Mutex;

    use shared::mesh::migration::run::{MigrationOp, MigrationRun};

    use super::*;

    fn pending(title: &str) -> InstallStep {
        InstallStep {
            title: title.into(),
            state: StepState::Pending,
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("refused")]
    struct Refused;

    /// Fails the step whose work is `false`; remembers how many steps it
    /// performed and the phase it saw at the end.
    #[derive(Default)]
    struct Job {
        performed: Mutex<usize>,
        seen_at_end: Mutex<Option<InstallPhase>>,
    }

    impl StepJob<MigrationRun> for &Job {
        type Work = bool;
        type Error = Refused;

        async fn perform(&self, ok: bool, _run: &MigrationRun) -> Result<String, Refused> {
            *self.performed.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            if ok { Ok("done".into()) } else { Err(Refused) }
        }

        async fn ended(&self, run: &MigrationRun) {
            *self.seen_at_end.lock().unwrap_or_else(|e| e.into_inner()) = Some(run.phase);
        }
    }

    fn run(steps: Vec<InstallStep>) -> MigrationRun {
        MigrationRun {
            id: "r".into(),
            op: MigrationOp::Migrate,
            cluster: "gke-eu".parse().expect("a cluster name"),
            namespace: Some("shop".into()),
            revision: "asm-1106-2".into(),
            phase: InstallPhase::Running,
            steps,
            by: "ann".into(),
            started: 1,
            ended: None,
        }
    }

    #[tokio::test]
    async fn stops_at_the_first_failure_and_reports_the_end_before_publishing_it() {
        let run = run(vec![pending("a"), pending("b"), pending("c")]);
        let (tx, rx) = watch::channel(run);
        let job = Job::default();
        StepRunner::new(RunBook::default(), tx)
            .run(&job, vec![true, false, true])
            .await;
        let run = rx.borrow().clone();
        let states: Vec<StepState> = run.steps.into_iter().map(|s| s.state).collect();
        assert_eq!(
            states,
            [
                StepState::Done {
                    outcome: "done".into()
                },
                StepState::Failed {
                    message: "refused".into()
                },
                StepState::Pending,
            ]
        );
        assert_eq!(run.phase, InstallPhase::Failed);
        assert_eq!(
            *job.seen_at_end.lock().unwrap_or_else(|e| e.into_inner()),
            Some(InstallPhase::Running)
        );
    }

    #[tokio::test]
    async fn a_resumed_run_skips_its_done_steps_and_redoes_the_one_under_way() {
        let done = InstallStep {
            title: "a".into(),
            state: StepState::Done {
                outcome: "before the restart".into(),
            },
        };
        let under_way = InstallStep {
            title: "b".into(),
            state: StepState::Running,
        };
        let (tx, rx) = watch::channel(run(vec![done.clone(), under_way, pending("c")]));
        let job = Job::default();
        StepRunner::new(RunBook::default(), tx)
            .run(&job, vec![false, true, true])
            .await;
        let run = rx.borrow().clone();
        assert_eq!(*job.performed.lock().unwrap_or_else(|e| e.into_inner()), 2);
        assert_eq!(run.steps[0], done);
        assert_eq!(run.phase, InstallPhase::Succeeded);
    }

    /// Performs each step; at the second, another replica takes the run
    /// over (the lease expired meanwhile).
    struct TakenOver {
        other: RunBook<MigrationRun>,
        time: crate::clock::ManualTime,
        held: Mutex<Option<crate::runs::Holding>>,
        performed: Mutex<usize>,
        ended: Mutex<bool>,
    }

    impl StepJob<MigrationRun> for &TakenOver {
        type Work = ();
        type Error = Refused;

        async fn perform(&self, (): (), _run: &MigrationRun) -> Result<String, Refused> {
            let performed = {
                let mut performed = self.performed.lock().unwrap_or_else(|e| e.into_inner());
                *performed += 1;
                *performed
            };
            if performed == 2 {
                self.time.advance(crate::runs::LEASE_SECS + 1);
                let held = self.other.hold("r").await.expect("store");
                assert!(held.is_some(), "the other replica takes the run");
                *self.held.lock().unwrap_or_else(|e| e.into_inner()) = held;
            }
            Ok("done".into())
        }

        async fn ended(&self, _run: &MigrationRun) {
            *self.ended.lock().unwrap_or_else(|e| e.into_inner()) = true;
        }
    }

    #[tokio::test]
    async fn a_runner_whose_run_was_taken_over_stops_without_writing_it() {
        let (store, clock, time) = crate::runs::tests::store().await;
        let book = |owner: &str| {
            RunBook::<MigrationRun>::owned_by(Some((store.clone(), clock.clone())), owner.into())
        };
        let run = run(vec![pending("a"), pending("b"), pending("c")]);
        let record = crate::store::runs::RunRecord {
            kind: "migration",
            id: "r".into(),
            actor: "ann".into(),
            clusters: "gke-eu".into(),
            state: crate::store::runs::RUNNING,
            started: 1,
            plan: "null".into(),
            body: serde_json::to_string(&run).expect("json"),
            owner: "a".into(),
            lease_until: clock.now() + crate::runs::LEASE_SECS,
        };
        store
            .create_run(&record, clock.now())
            .await
            .expect("stored");
        let a = book("a");
        let job = TakenOver {
            other: book("b"),
            time,
            held: Mutex::default(),
            performed: Mutex::default(),
            ended: Mutex::default(),
        };
        StepRunner::new(a.clone(), a.publish(&run))
            .run(&job, vec![(), (), ()])
            .await;
        assert_eq!(*job.performed.lock().unwrap_or_else(|e| e.into_inner()), 2);
        assert!(!*job.ended.lock().unwrap_or_else(|e| e.into_inner()));
        let stored = store.run("migration", "r").await.expect("store");
        let stored: MigrationRun =
            serde_json::from_str(&stored.expect("stored").body).expect("json");
        // As a left it before losing it: the second step under way.
        assert_eq!(stored.phase, InstallPhase::Running);
        assert_eq!(stored.steps[1].state, StepState::Running);
        assert_eq!(stored.steps[2].state, StepState::Pending);
    }

    #[tokio::test]
    async fn an_ended_run_carries_the_time_it_ended() {
        let (store, clock, time) = crate::runs::tests::store().await;
        let book =
            RunBook::<MigrationRun>::owned_by(Some((store.clone(), clock.clone())), "a".into());
        let run = run(vec![pending("a"), pending("b")]);
        let record = crate::store::runs::RunRecord {
            kind: "migration",
            id: "r".into(),
            actor: "ann".into(),
            clusters: "gke-eu".into(),
            state: crate::store::runs::RUNNING,
            started: clock.now(),
            plan: "null".into(),
            body: serde_json::to_string(&run).expect("json"),
            owner: "a".into(),
            lease_until: clock.now() + crate::runs::LEASE_SECS,
        };
        store
            .create_run(&record, clock.now())
            .await
            .expect("stored");
        time.advance(90);
        let tx = book.publish(&run);
        let rx = tx.subscribe();
        assert_eq!(rx.borrow().ended, None);
        StepRunner::new(book, tx)
            .run(&Job::default(), vec![true, true])
            .await;
        assert_eq!(rx.borrow().phase, InstallPhase::Succeeded);
        assert_eq!(rx.borrow().ended, Some(time.now()));
        let stored = store.run("migration", "r").await.expect("store");
        let stored: MigrationRun =
            serde_json::from_str(&stored.expect("stored").body).expect("json");
        assert_eq!(stored.ended, Some(time.now()));
    }
}
