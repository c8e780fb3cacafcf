//! The step loop: order, progress, stops and end times.

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
    let stored: MigrationRun = serde_json::from_str(&stored.expect("stored").body).expect("json");
    // As a left it before losing it: the second step under way.
    assert_eq!(stored.phase, InstallPhase::Running);
    assert_eq!(stored.steps[1].state, StepState::Running);
    assert_eq!(stored.steps[2].state, StepState::Pending);
}

#[tokio::test]
async fn an_ended_run_carries_the_time_it_ended() {
    let (store, clock, time) = crate::runs::tests::store().await;
    let book = RunBook::<MigrationRun>::owned_by(Some((store.clone(), clock.clone())), "a".into());
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
    let stored: MigrationRun = serde_json::from_str(&stored.expect("stored").body).expect("json");
    assert_eq!(stored.ended, Some(time.now()));
}
