//! Wave runs through the API on the sandbox fleet: the proposal (smallest
//! namespace first, then by cluster), a gate failing on a namespace whose
//! image cannot be pulled and pausing the run, the operator skipping it,
//! and a console restarted mid-soak on the same store resuming the run
//! without restarting anything twice.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::Api;
use serde_json::json;
use shared::mesh::migration::waves::{
    GateState, TargetStep, WavePhase, WaveProposal, WaveRun, WaveState,
};
use shared::{Outcome, Role};

use crate::migration::{client, install, post, synced, take_down_istiod, verify, workload};
use crate::support::{Session, TestConsole, api_error, body_json, temp_dir, test_store_shared};

const WAIT: Duration = Duration::from_secs(60);
const REV: &str = "asm-1106-2";

async fn wave_run(console: &TestConsole, session: &Session, id: &str) -> WaveRun {
    let response = console
        .get_as(&format!("/api/mesh/waves/{id}"), Some(session))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

async fn until(
    console: &TestConsole,
    session: &Session,
    id: &str,
    what: &str,
    done: impl Fn(&WaveRun) -> bool,
) -> WaveRun {
    let deadline = Instant::now() + WAIT;
    loop {
        let run = wave_run(console, session, id).await;
        if done(&run) {
            return run;
        }
        assert!(Instant::now() < deadline, "never {what}: {run:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn revisions(client: &kube::Client, namespace: &str) -> Vec<(String, String)> {
    let list = Api::<Deployment>::namespaced(client.clone(), namespace)
        .list(&Default::default())
        .await
        .unwrap();
    list.items
        .into_iter()
        .map(|d| {
            let rev = d
                .metadata
                .annotations
                .unwrap_or_default()
                .get("deployment.kubernetes.io/revision")
                .cloned()
                .unwrap_or_default();
            (d.metadata.name.unwrap_or_default(), rev)
        })
        .collect()
}

#[tokio::test]
async fn a_failing_gate_pauses_the_run_and_a_restarted_console_resumes_it_without_repeating_restarts()
 {
    let shared_store = test_store_shared().await;
    let fleet = sandbox::Fleet::start(sandbox::FleetOptions::from_scenario(
        sandbox::scenario::Scenario::default_fleet(),
        None,
    ))
    .await
    .unwrap();
    let kubeconfig = temp_dir("kubeconfig").join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    let store = shared_store.store.clone();
    let mut first = TestConsole::watching_on(fleet, &kubeconfig, None, store).await;
    let operator = first.signed_in("operator", Role::Operator, false).await;
    synced(&first, &operator).await;
    install(&first, &operator, "gke-us").await;
    install(&first, &operator, "gke-asia-2").await;
    // project-b's gke-asia-2 cannot pull project-a's images.
    workload(
        &first,
        &operator,
        "gke-asia-2",
        "red",
        "gcr.io/project-a/red:1.0",
        1,
    )
    .await;
    workload(
        &first,
        &operator,
        "gke-us",
        "green",
        "gcr.io/google-samples/hello-app:1.0",
        1,
    )
    .await;

    let request = json!({"revision": REV, "soak_secs": 30, "targets": [
        {"cluster": "gke-us", "namespace": "blue"},
        {"cluster": "gke-us", "namespace": "green"},
        {"cluster": "gke-asia-2", "namespace": "red"},
    ]});
    let response = post(
        &first,
        &operator,
        "/api/mesh/waves/proposal",
        request.clone(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let proposal: WaveProposal = serde_json::from_value(body_json(response).await).unwrap();
    let shape: Vec<Vec<String>> = proposal
        .waves
        .iter()
        .map(|w| {
            w.targets
                .iter()
                .map(|t| format!("{}/{}", t.cluster, t.namespace))
                .collect()
        })
        .collect();
    assert_eq!(
        shape,
        vec![vec!["gke-asia-2/red"], vec!["gke-us/green", "gke-us/blue"]]
    );
    assert_eq!(proposal.waves[1].targets[1].deployments, ["bar", "foo"]);
    let manager = first.signed_in("mgr", Role::Manager, false).await;
    let denied = post(&first, &manager, "/api/mesh/waves", request.clone()).await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);

    let response = post(&first, &operator, "/api/mesh/waves", request).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let run: WaveRun = serde_json::from_value(body_json(response).await).unwrap();

    // Wave 1's image cannot be pulled: its gate fails and the run pauses.
    let paused = until(&first, &operator, &run.id, "paused", |r| {
        r.phase == WavePhase::Paused
    })
    .await;
    assert_eq!(paused.waves[0].state, WaveState::Failed);
    let reason = paused.paused.clone().unwrap();
    assert!(
        reason.contains("gke-asia-2/red") && reason.contains("cannot pull"),
        "{reason}"
    );
    assert!(matches!(paused.waves[0].gate, GateState::Failed { .. }));
    assert_eq!(paused.waves[1].state, WaveState::Pending);
    let resumed = post(
        &first,
        &operator,
        &format!("/api/mesh/waves/{}/resume", run.id),
        json!({}),
    )
    .await;
    // Resumed without a fix, the gate fails again.
    assert_eq!(resumed.status(), StatusCode::OK);
    let paused = until(&first, &operator, &run.id, "paused again", |r| {
        r.phase == WavePhase::Paused
    })
    .await;
    assert_eq!(paused.waves[0].state, WaveState::Failed);

    // Skip it: wave 2 migrates, then soaks (the console's clock stands).
    let skipped = post(
        &first,
        &operator,
        &format!("/api/mesh/waves/{}/skip", run.id),
        json!({}),
    )
    .await;
    assert_eq!(skipped.status(), StatusCode::OK);
    let soaking = until(&first, &operator, &run.id, "soaking", |r| {
        matches!(r.waves[1].gate, GateState::Soaking { .. })
    })
    .await;
    assert_eq!(soaking.waves[0].state, WaveState::Skipped);
    assert!(
        soaking.waves[1]
            .targets
            .iter()
            .all(|t| t.step == TargetStep::OnTarget)
    );
    let again = post(
        &first,
        &operator,
        &format!("/api/mesh/waves/{}/skip", run.id),
        json!({}),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(api_error(again).await.message.contains("not paused"));
    let gke_us = client(&first, "gke-us");
    let blue_before = revisions(&gke_us, "blue").await;
    let green_before = revisions(&gke_us, "green").await;
    assert_eq!(
        blue_before,
        [
            ("bar".to_owned(), "2".to_owned()),
            ("foo".to_owned(), "2".to_owned())
        ]
    );

    // The console goes down mid-soak; a new one on the same store resumes.
    first.state.waves().halt();
    let fleet = first.sandbox.take().unwrap();
    let second =
        TestConsole::watching_on(fleet, &kubeconfig, None, shared_store.reopen().await).await;
    let operator = second.sign_in("operator", "operator-password").await;
    synced(&second, &operator).await;
    assert_eq!(
        backend::mesh::waves::resume_all(&second.state)
            .await
            .unwrap(),
        1
    );
    second.time.advance(31);
    let done = until(&second, &operator, &run.id, "finished", |r| {
        r.phase == WavePhase::Finished
    })
    .await;
    assert_eq!(done.waves[1].state, WaveState::Passed, "{done:#?}");
    let gke_us = client(&second, "gke-us");
    assert_eq!(
        revisions(&gke_us, "blue").await,
        blue_before,
        "no second restart"
    );
    assert_eq!(revisions(&gke_us, "green").await, green_before);

    // Every step is audited, in the one store both consoles wrote.
    let audit = second.audit(&operator, "action=mesh.wave").await;
    let count = |action: &str, outcome: Outcome| {
        audit
            .entries
            .iter()
            .filter(|e| e.action == action && e.outcome == outcome)
            .count()
    };
    assert_eq!(count("mesh.wave.run", Outcome::Success), 1);
    assert_eq!(count("mesh.wave.run", Outcome::Denied), 1);
    assert_eq!(count("mesh.wave.skip", Outcome::Success), 1);
    assert_eq!(count("mesh.wave.gate", Outcome::Failure), 2);
    assert_eq!(count("mesh.wave.gate", Outcome::Success), 1);
    assert_eq!(count("mesh.wave.finish", Outcome::Success), 1);
    // green and blue: relabelled, restarted, on target, once each.
    let steps: Vec<&str> = audit
        .entries
        .iter()
        .filter(|e| e.action == "mesh.wave.step" && e.clusters == ["gke-us"])
        .flat_map(|e| {
            e.params
                .iter()
                .filter(|p| p.starts_with("step="))
                .map(String::as_str)
        })
        .collect();
    assert_eq!(steps.len(), 6, "{steps:?}");
}

#[tokio::test]
async fn rolling_back_a_failed_wave_returns_its_namespaces_to_the_default_revision() {
    let (console, operator) = crate::migration::console().await;
    install(&console, &operator, "gke-us").await;
    // istiod-asm-1106-2 down: its injection webhook refuses the new pods.
    take_down_istiod(&console, &operator, "gke-us").await;
    let gke_us = client(&console, "gke-us");

    let request = json!({"revision": REV, "soak_secs": 0, "targets": [
        {"cluster": "gke-us", "namespace": "blue"},
    ]});
    let response = post(&console, &operator, "/api/mesh/waves", request).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let run: WaveRun = serde_json::from_value(body_json(response).await).unwrap();
    let paused = until(&console, &operator, &run.id, "paused", |r| {
        r.phase == WavePhase::Paused
    })
    .await;
    let reason = paused.paused.clone().unwrap();
    assert!(reason.contains("failed calling webhook"), "{reason}");
    let labels = namespace_labels(&gke_us, "blue").await;
    assert_eq!(labels.get("istio.io/rev").map(String::as_str), Some(REV));

    let response = post(
        &console,
        &operator,
        &format!("/api/mesh/waves/{}/rollback", run.id),
        json!({}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let done = until(&console, &operator, &run.id, "finished", |r| {
        r.phase == WavePhase::Finished
    })
    .await;
    assert_eq!(done.waves[0].state, WaveState::RolledBack, "{done:#?}");
    assert_eq!(done.waves[0].targets[0].step, TargetStep::RolledBack);
    let labels = namespace_labels(&gke_us, "blue").await;
    assert_eq!(
        labels.get("istio-injection").map(String::as_str),
        Some("enabled")
    );
    assert!(!labels.contains_key("istio.io/rev"), "{labels:?}");
    let blue = verify(&console, &operator, "gke-us", "blue", "default").await;
    assert!(blue.complete(), "{blue:#?}");
    assert_eq!(blue.pods.get("default"), Some(&4), "{blue:#?}");

    let audit = console.audit(&operator, "action=mesh.wave").await;
    let has = |action: &str, step: Option<&str>| {
        audit.entries.iter().any(|e| {
            e.action == action
                && e.outcome == Outcome::Success
                && step.is_none_or(|s| e.params.contains(&format!("step={s}")))
        })
    };
    assert!(has("mesh.wave.rollback", None), "{:#?}", audit.entries);
    assert!(
        has("mesh.wave.step", Some("rolled_back")),
        "{:#?}",
        audit.entries
    );
}

async fn namespace_labels(
    client: &kube::Client,
    name: &str,
) -> std::collections::BTreeMap<String, String> {
    Api::<k8s_openapi::api::core::v1::Namespace>::all(client.clone())
        .get(name)
        .await
        .unwrap()
        .metadata
        .labels
        .unwrap_or_default()
}

/// Two operators decide on the same paused run at once, each through
/// another replica of one database: one decision is applied, the other is
/// a 409 (the decision is a compare-and-set on the run's version), in
/// whatever order the two requests interleave. (The member is slow, so
/// the resumed run does not pause again before the second decision.)
#[tokio::test]
async fn of_two_decisions_at_once_on_two_replicas_one_is_applied_and_the_other_is_409() {
    use shared::mesh::migration::waves::{Wave, WaveRequest, WaveTarget};

    let shared_store = test_store_shared().await;
    let fleet = sandbox::Fleet::start(sandbox::FleetOptions::from_scenario(
        sandbox::scenario::Scenario::default_fleet(),
        None,
    ))
    .await
    .unwrap();
    let kubeconfig = temp_dir("kubeconfig").join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    let faults = fleet.cluster("gke-us").unwrap().faults();
    faults.set(sandbox::faults::Fault::Latency(Duration::from_secs(30)));
    faults.applied().await;
    let a = TestConsole::watching_on(fleet, &kubeconfig, None, shared_store.store.clone()).await;
    let b = a.beside(shared_store.reopen().await).await;
    let on_a = a.signed_in("operator", Role::Operator, false).await;
    let on_b = b.sign_in("operator", "operator-password").await;
    let request: WaveRequest = serde_json::from_value(json!({
        "revision": REV, "soak_secs": 0,
        "targets": [{"cluster": "gke-us", "namespace": "blue"}]
    }))
    .unwrap();
    let wave = Wave {
        targets: vec![WaveTarget {
            cluster: "gke-us".parse().unwrap(),
            namespace: "blue".into(),
            pods: 1,
            deployments: vec!["app".into()],
        }],
    };
    for _ in 0..3 {
        let id = a.state.waves().next_id("waves", crate::support::START);
        let mut run = WaveRun::new(id, &request, vec![wave.clone()], "operator".into(), 1);
        run.phase = WavePhase::Paused;
        run.paused = Some("wave 1: gate failed".into());
        run.waves[0].state = WaveState::Failed;
        a.state.waves().create(&run, &()).await.unwrap();
        let path = format!("/api/mesh/waves/{}/resume", run.id);
        let (first, second) = tokio::join!(
            post(&a, &on_a, &path, json!({})),
            post(&b, &on_b, &path, json!({}))
        );
        let mut statuses = [first.status(), second.status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    }
}
