//! Wave runs survive their replica (issue 23): two real `meshdeck`
//! processes on one database; the wave run started through replica A is
//! followed through replica B's events with the session signed in on A,
//! A is killed (SIGKILL) in the middle of a wave, and B takes the run
//! over and finishes it, restarting each namespace exactly once.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::ReplicaSet;
use kube::api::Api;
use sandbox::faults::Fault;
use serde_json::json;
use shared::mesh::migration::waves::{TargetStep, WavePhase, WaveRun, WaveState};
use shared::{AuditPage, Outcome, Role};

use crate::migration::{client, install, synced, workload};
use crate::restart::{Browser, Place, WAIT, deployments, serve};
use crate::support::{TestConsole, temp_dir};

const REV: &str = "asm-1106-2";
const CLUSTER: &str = "gke-us";
/// The first (one pod) is the canary wave alone; the other three (two
/// pods each) make the second wave, the one replica A is killed in.
const NAMESPACES: [(&str, u32); 4] = [("canary", 1), ("cart", 2), ("shop", 2), ("stock", 2)];

/// The namespaces of `run` restarted so far.
fn restarted(run: &WaveRun) -> usize {
    run.waves
        .iter()
        .flat_map(|w| &w.targets)
        .filter(|t| matches!(t.step, TargetStep::Restarted | TargetStep::OnTarget))
        .count()
}

fn wave_run(browser: &Browser, id: &str) -> WaveRun {
    let (status, body) = browser.get(&shared::routes::fill(shared::routes::WAVE, &[&id]));
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

/// Two replicas on one database: A is killed in the middle of the second
/// wave; B, which followed the run from the start with A's session,
/// takes it over once A's lease has expired and finishes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wave_run_whose_replica_is_killed_mid_wave_is_finished_by_another_replica() {
    // The fleet outlives the consoles. An in-process console installs the
    // revision and creates the namespaces.
    let fleet = sandbox::Fleet::start(sandbox::FleetOptions::from_scenario(
        sandbox::scenario::Scenario::default_fleet(),
        None,
    ))
    .await
    .unwrap();
    let kubeconfig = temp_dir("kubeconfig").join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    let mut setup = TestConsole::watching(fleet, &kubeconfig, None).await;
    let operator = setup.signed_in("operator", Role::Operator, false).await;
    synced(&setup, &operator).await;
    install(&setup, &operator, CLUSTER).await;
    for (namespace, pods) in NAMESPACES {
        workload(
            &setup,
            &operator,
            CLUSTER,
            namespace,
            "gcr.io/google-samples/hello-app:1.0",
            pods,
        )
        .await;
    }
    let gke_us = client(&setup, CLUSTER);
    let fleet = setup.sandbox.take().unwrap();
    drop(setup);

    let place = Place::new().await;
    let password = place.account("olga");
    let a = serve(&place, &kubeconfig, "replica-a");
    let b = serve(&place, &kubeconfig, "replica-b");
    let olga = Browser::sign_in(&a, "olga", &password);
    olga.fleet_when("saw the revision and the namespaces", |f| {
        f.cluster(CLUSTER).is_some_and(|c| {
            c.reachability.is_reachable()
                && NAMESPACES.iter().all(|(n, _)| c.namespace(n).is_some())
                && c.control_planes
                    .iter()
                    .any(|cp| cp.revision == REV && cp.webhook)
        })
    });

    // Slow member: each step of each namespace takes a few round trips
    // of 400 ms, so A is caught in the middle of the second wave.
    let faults = fleet.cluster(CLUSTER).unwrap().faults();
    faults.set(Fault::Latency(Duration::from_millis(400)));
    faults.applied().await;
    let targets: Vec<_> = NAMESPACES
        .iter()
        .map(|(n, _)| json!({"cluster": CLUSTER, "namespace": n}))
        .collect();
    let (status, started) = olga.post(
        shared::routes::WAVES,
        &json!({"revision": REV, "soak_secs": 1, "targets": targets}),
    );
    assert_eq!(status, 202, "{started}");
    let run: WaveRun = serde_json::from_value(started).unwrap();
    let shape: Vec<Vec<&str>> = run
        .waves
        .iter()
        .map(|w| w.targets.iter().map(|t| t.namespace.as_str()).collect())
        .collect();
    assert_eq!(shape, [vec!["canary"], vec!["cart", "shop", "stock"]]);
    assert_eq!(restarted(&run), 0);

    // The session signed in on A serves on B (sessions and CSRF tokens
    // are in the database), and follows the run there from the start.
    let on_b = olga.on(&b);
    let (status, session) = on_b.get("/api/session");
    assert_eq!(status, 200, "A's session on B: {session}");
    assert_eq!(session["account"]["name"], "olga");
    let events = on_b.follow(&shared::routes::fill(
        shared::routes::WAVE_EVENTS,
        &[&run.id],
    ));
    // B's stream shows A's progress (from the store) before A is killed.
    let deadline = Instant::now() + WAIT;
    let mut seen_on_b: Vec<WaveRun> = Vec::new();
    while !seen_on_b.iter().any(|r| restarted(r) >= 1) {
        let left = deadline.saturating_duration_since(Instant::now());
        let (_, event) = events
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("replica B showed no progress ({e}): {seen_on_b:#?}"));
        seen_on_b.push(serde_json::from_value(event).unwrap());
    }

    // Killed mid-wave: the second wave has a namespace restarted and one
    // not yet started.
    let mid_wave = |r: &WaveRun| {
        let second = &r.waves[1].targets;
        second
            .iter()
            .any(|t| matches!(t.step, TargetStep::Restarted | TargetStep::OnTarget))
            && second.iter().any(|t| t.step == TargetStep::Pending)
    };
    let at_kill = loop {
        let now = wave_run(&olga, &run.id);
        if mid_wave(&now) {
            break now;
        }
        assert!(
            Instant::now() < deadline && now.phase == WavePhase::Running,
            "never mid-wave: {now:#?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let killed = Instant::now();
    drop(a); // SIGKILL
    assert_eq!(at_kill.waves[0].state, WaveState::Passed, "{at_kill:#?}");
    assert_eq!(at_kill.waves[1].state, WaveState::Running, "{at_kill:#?}");
    faults.restore();
    faults.applied().await;

    // B takes the run over and finishes it; A's session still serves.
    let deadline = Instant::now() + WAIT;
    let done = loop {
        let now = wave_run(&on_b, &run.id);
        if now.phase != WavePhase::Running {
            break now;
        }
        assert!(Instant::now() < deadline, "never finished: {now:#?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(done.phase, WavePhase::Finished, "{done:#?}");
    assert!(
        done.waves.iter().all(|w| w.state == WaveState::Passed),
        "{done:#?}"
    );
    assert_eq!(restarted(&done), NAMESPACES.len(), "{done:#?}");

    // B's stream carried on after A was killed and ended with the run.
    let rest: Vec<(Instant, WaveRun)> = events
        .iter()
        .map(|(at, v)| (at, serde_json::from_value(v).unwrap()))
        .collect();
    let before = rest
        .iter()
        .filter(|(at, _)| *at < killed)
        .map(|(_, r)| restarted(r))
        .chain(seen_on_b.iter().map(restarted))
        .chain([restarted(&at_kill)])
        .max()
        .unwrap_or_default();
    let (first_after, _) = rest
        .iter()
        .find(|(at, r)| *at > killed && restarted(r) > before)
        .unwrap_or_else(|| panic!("no progress on B after the kill: {rest:#?}"));
    eprintln!(
        "takeover: replica B's first namespace restarted {:.1} s after replica A was killed",
        first_after.duration_since(killed).as_secs_f64()
    );
    seen_on_b.extend(rest.into_iter().map(|(_, r)| r));
    let last = seen_on_b.last().unwrap();
    assert_eq!(last.phase, WavePhase::Finished, "{last:#?}");
    assert_eq!(restarted(last), NAMESPACES.len());

    // Each namespace rolled out once (revision 1 → 2, one new
    // ReplicaSet), by this run's stamp for it.
    for (namespace, _) in NAMESPACES {
        let stamp = format!("{}/{CLUSTER}/{namespace}", run.id);
        assert_eq!(
            deployments(&gke_us, namespace).await,
            [("app".to_owned(), "2".to_owned(), stamp)],
            "{namespace}"
        );
        let sets = Api::<ReplicaSet>::namespaced(gke_us.clone(), namespace)
            .list(&Default::default())
            .await
            .unwrap();
        assert_eq!(sets.items.len(), 2, "{namespace}: {:#?}", sets.items);
    }

    // The run's end is audited, once.
    let (status, page) = on_b.get("/api/audit?action=mesh.wave.finish");
    assert_eq!(status, 200, "{page}");
    let page: AuditPage = serde_json::from_value(page).unwrap();
    let outcomes: Vec<(Outcome, bool)> = page
        .entries
        .iter()
        .map(|e| (e.outcome, e.params.contains(&format!("run={}", run.id))))
        .collect();
    assert_eq!(outcomes, [(Outcome::Success, true)]);
    drop(fleet);
}
