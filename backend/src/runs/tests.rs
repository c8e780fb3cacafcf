//! The run book's own tests: its registry, the lease-fenced writes, the
//! compare-and-set of decisions, and reading a store with a bad row.

use serde::{Deserialize, Serialize};

use super::book::RunBook;
use super::run::Run;
use crate::clock::{Clock, ManualTime};
use crate::store::runs::RunRecord;
use crate::store::{Store, StoreError};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct Job {
    pub id: String,
    pub started: i64,
    pub busy: bool,
}

impl Run for Job {
    type Extra = ();
    type Plan = ();
    const KIND: &'static str = "job";
    fn id(&self) -> &str {
        &self.id
    }
    fn started(&self) -> i64 {
        self.started
    }
    fn actor(&self) -> &str {
        "ann"
    }
    fn clusters(&self) -> String {
        String::new()
    }
    fn is_live(&self) -> bool {
        self.busy
    }
    fn state(&self) -> &'static str {
        if self.busy { "running" } else { "succeeded" }
    }
}

pub(super) fn job(id: &str, started: i64) -> Job {
    Job {
        id: id.into(),
        started,
        busy: true,
    }
}

/// A fresh SQLite store in its own directory, and a hand-moved clock.
pub(crate) async fn store() -> (Store, Clock, ManualTime) {
    let dir = std::env::temp_dir().join(format!(
        "meshdeck-runs-test-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let store = Store::open_sqlite_in(&dir).await.expect("a test store");
    let (clock, time) = Clock::manual(1_000);
    (store, clock, time)
}

/// Two replicas' books on one store.
async fn two_replicas() -> (RunBook<Job>, RunBook<Job>, Store, ManualTime) {
    let (store, clock, time) = store().await;
    let a = RunBook::owned_by(Some((store.clone(), clock.clone())), "a".into());
    let b = RunBook::owned_by(Some((store.clone(), clock)), "b".into());
    (a, b, store, time)
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

#[tokio::test]
async fn publish_registers_a_resumed_run_and_followers_see_changes() {
    let book = RunBook::<Job>::default();
    let tx = book.publish(&job("w", 5));
    let rx = book.follow("w").await.expect("no store").expect("held");
    tx.send_modify(|j| j.busy = false);
    assert!(rx.has_changed().unwrap_or(false));
    assert_eq!(book.progress("w").map(|j| j.busy), Some(false));
    book.publish(&job("w", 5));
    assert_eq!(book.progress("w").map(|j| j.busy), Some(true));
    assert_ne!(book.next_id("x", 1), book.next_id("x", 1));
}

#[tokio::test]
async fn a_replica_that_lost_a_run_cannot_overwrite_it() {
    let (a, b, store, time) = two_replicas().await;
    let mut run = job("r", 1);
    a.create(&run, &()).await.expect("created");
    let held_by_a = a.hold("r").await.expect("store").expect("a's lease");
    a.save(&run).await.expect("a owns it");
    assert!(
        b.hold("r").await.expect("store").is_none(),
        "a's lease holds"
    );
    // a stops renewing (paused, cut off): once the lease has expired, b
    // takes the run over.
    time.advance(super::LEASE_SECS + 1);
    let _held_by_b = b.hold("r").await.expect("store").expect("b takes it over");
    run.busy = false;
    let refused = a.save(&run).await.expect_err("a lost the run");
    assert!(super::lost(&refused), "{refused}");
    drop(held_by_a);
    let stored = store.run("job", "r").await.expect("store").expect("stored");
    assert!(stored.body.contains("\"busy\":true"), "{}", stored.body);
    b.save(&run).await.expect("b owns it now");
}

#[tokio::test]
async fn of_two_decisions_made_on_one_version_the_second_is_a_conflict() {
    let (a, b, _store, _time) = two_replicas().await;
    let mut run = job("r", 1);
    run.busy = false;
    a.create(&run, &()).await.expect("created");
    let (mut on_a, seen_a) = a.to_decide("r").await.expect("store").expect("stored");
    let (mut on_b, seen_b) = b.to_decide("r").await.expect("store").expect("stored");
    assert_eq!(seen_a, seen_b);
    on_a.busy = true;
    a.decided(&on_a, seen_a).await.expect("first decision");
    on_b.started = 2;
    let second = b.decided(&on_b, seen_b).await.expect_err("second decision");
    assert!(matches!(second, StoreError::Conflict(_)), "{second}");
    // The first decision stands, and its replica drives the run.
    let (now, _) = b.to_decide("r").await.expect("store").expect("stored");
    assert_eq!(now, on_a);
    a.save(&now)
        .await
        .expect("a was leased the run by its decision");
}

#[tokio::test]
async fn a_stored_run_that_does_not_parse_is_skipped_not_fatal() {
    let (a, _b, store, _time) = two_replicas().await;
    a.create(&job("good", 2), &()).await.expect("created");
    let bad = RunRecord {
        kind: "job",
        id: "bad".into(),
        actor: "ann".into(),
        clusters: String::new(),
        state: crate::store::runs::RUNNING,
        started: 1,
        plan: "null".into(),
        body: "{\"id\": 7".into(),
        owner: "a".into(),
        lease_until: 0,
    };
    store.create_run(&bad, 1).await.expect("stored");
    let listed: Vec<String> = a
        .list()
        .await
        .expect("the list answers")
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(listed, ["good"]);
    let unfinished: Vec<String> = a
        .unfinished()
        .await
        .expect("resuming goes on")
        .into_iter()
        .map(|(j, ())| j.id)
        .collect();
    assert_eq!(unfinished, ["good"]);
}

#[tokio::test]
async fn followers_of_a_run_driven_elsewhere_share_one_reader() {
    let (a, b, _store, _time) = two_replicas().await;
    let run = job("r", 1);
    a.create(&run, &()).await.expect("created");
    let _held = a.hold("r").await.expect("store").expect("a's lease");
    let first = b.follow("r").await.expect("store").expect("stored");
    let second = b.follow("r").await.expect("store").expect("stored");
    assert_eq!(super::book::lock(&b.inner.followed).len(), 1);
    assert!(first.same_channel(&second));
    let mut done = run.clone();
    done.busy = false;
    a.save(&done).await.expect("a drives it");
    let mut first = first;
    tokio::time::timeout(std::time::Duration::from_secs(5), first.changed())
        .await
        .expect("seen within a few polls")
        .expect("the reader sent it");
    assert!(!first.borrow().busy);
}
