//! Canary migration through the API on the sandbox fleet (SPEC §2.4–2.6):
//! migrate a namespace to an installed revision, verify it, roll another
//! back, finish refused while anything uses the old control plane and
//! allowed once nothing does; failures that stop a migration (image pulls,
//! injection webhook refusals); the ingress gateway's load balancer IP and
//! NodePort mapping; role checks and audit entries.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Service};
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;
use shared::fleet::Fleet;
use shared::mesh::migration::gateway::GatewayAddress;
use shared::mesh::migration::run::{MigrationRun, Verification};
use shared::mesh::{CaMode, InstallPhase, InstallProgress, InstallSettings, PlanReview, StepState};
use shared::{Outcome, Role};

use crate::support::{Session, TestConsole, api_error, body_bytes, body_json, json_request};

const WAIT: Duration = Duration::from_secs(60);
const REV: &str = "asm-1106-2";
const REASON: &str = "port names are fixed by the app team next sprint; demo cluster";

pub(crate) async fn console() -> (TestConsole, Session) {
    let console = TestConsole::with_sandbox().await;
    let operator = console.signed_in("operator", Role::Operator, false).await;
    synced(&console, &operator).await;
    (console, operator)
}

/// Waits until every member of `console` has synced.
pub(crate) async fn synced(console: &TestConsole, session: &Session) {
    console
        .state
        .migrations()
        .set_timing(backend::mesh::migration::MigrationTiming {
            ready_timeout: Duration::from_secs(20),
            poll: Duration::from_millis(100),
        });
    crate::mesh::reachable(console, session).await;
}

pub(crate) async fn fleet(console: &TestConsole, session: &Session) -> Fleet {
    let response = console.get_as("/api/fleet", Some(session)).await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

pub(crate) async fn post(
    console: &TestConsole,
    session: &Session,
    path: &str,
    body: serde_json::Value,
) -> axum::response::Response {
    console
        .send(json_request(Method::POST, path, &body, Some(session)))
        .await
}

pub(crate) fn client(console: &TestConsole, cluster: &str) -> kube::Client {
    console.state.fleet().client(cluster).unwrap()
}

/// Installs `asm-1106-2` (Mesh CA) on `cluster` and waits for its
/// injector to show in the fleet.
pub(crate) async fn install(console: &TestConsole, session: &Session, cluster: &str) {
    let f = fleet(console, session).await;
    let tag = "1.10.6-asm.2".parse().unwrap();
    let mut s = InstallSettings::suggested(&f, f.cluster(cluster).unwrap(), tag).unwrap();
    s.ca = CaMode::MeshCa;
    let response = post(
        console,
        session,
        "/api/mesh/plans",
        json!({"cluster": cluster, "settings": s}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let plan: PlanReview = serde_json::from_value(body_json(response).await).unwrap();
    let response = post(
        console,
        session,
        "/api/mesh/installs",
        json!({"plan": plan.id, "overrides": crate::mesh::overrides(REASON)}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let run: InstallProgress = serde_json::from_value(body_json(response).await).unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let response = console
            .get_as(&format!("/api/mesh/installs/{}", run.id), Some(session))
            .await;
        let p: InstallProgress = serde_json::from_value(body_json(response).await).unwrap();
        if p.phase != InstallPhase::Running {
            assert_eq!(p.phase, InstallPhase::Succeeded, "{p:#?}");
            break;
        }
        assert!(Instant::now() < deadline, "install still running: {p:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    loop {
        let f = fleet(console, session).await;
        if f.cluster(cluster)
            .unwrap()
            .control_planes
            .iter()
            .any(|cp| cp.revision == REV && cp.webhook)
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the fleet never saw {REV} on {cluster}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Creates namespace `name` (labelled for the default revision) with one
/// Deployment of `replicas` pods running `image`, and waits until the
/// fleet knows the namespace.
pub(crate) async fn workload(
    console: &TestConsole,
    session: &Session,
    cluster: &str,
    name: &str,
    image: &str,
    replicas: u32,
) {
    let client = client(console, cluster);
    let namespace: Namespace = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"istio-injection": "enabled"}}
    }))
    .unwrap();
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &namespace)
        .await
        .unwrap();
    let deployment: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "app", "namespace": name, "labels": {"app": "app"}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "app"}},
            "template": {"metadata": {"labels": {"app": "app"}},
                "spec": {"containers": [{"name": "app", "image": image,
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}
    }))
    .unwrap();
    Api::<Deployment>::namespaced(client, name)
        .create(&PostParams::default(), &deployment)
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while fleet(console, session)
        .await
        .cluster(cluster)
        .unwrap()
        .namespace(name)
        .is_none()
    {
        assert!(Instant::now() < deadline, "the fleet never saw {name}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts an operation (`migrate`, `rollback`, `finish`) and follows it to
/// its end.
pub(crate) async fn operate(
    console: &TestConsole,
    session: &Session,
    op: &str,
    body: serde_json::Value,
) -> MigrationRun {
    let response = post(
        console,
        session,
        &format!("/api/mesh/migrations/{op}"),
        body,
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED, "{op}");
    let run: MigrationRun = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(run.ended, None, "a run just started has not ended");
    let deadline = Instant::now() + WAIT;
    loop {
        let response = console
            .get_as(&format!("/api/mesh/migrations/{}", run.id), Some(session))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let r: MigrationRun = serde_json::from_value(body_json(response).await).unwrap();
        if r.phase != InstallPhase::Running {
            // The end is recorded with the run, for the runs list.
            assert!(
                r.ended.is_some_and(|end| end >= r.started),
                "{op} ended without its end time: {r:#?}"
            );
            return r;
        }
        assert!(Instant::now() < deadline, "{op} still running: {r:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn verify(
    console: &TestConsole,
    session: &Session,
    cluster: &str,
    namespace: &str,
    revision: &str,
) -> Verification {
    let response = console
        .get_as(
            &format!("/api/clusters/{cluster}/namespaces/{namespace}/verify?revision={revision}"),
            Some(session),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

pub(crate) fn outcome_of<'a>(run: &'a MigrationRun, prefix: &str) -> &'a str {
    run.steps
        .iter()
        .find(|s| s.title.starts_with(prefix))
        .and_then(|s| match &s.state {
            StepState::Done { outcome } => Some(outcome.as_str()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no finished step {prefix:?} in {run:#?}"))
}

pub(crate) async fn exists(client: &kube::Client, name: &str) -> bool {
    Api::<Deployment>::namespaced(client.clone(), "istio-system")
        .get_opt(name)
        .await
        .unwrap()
        .is_some()
}

/// The revision the validation Service `istiod` selects.
pub(crate) async fn validation_selects(client: &kube::Client) -> Option<String> {
    let service = Api::<Service>::namespaced(client.clone(), "istio-system")
        .get_opt("istiod")
        .await
        .unwrap()?;
    let selector = service.spec.unwrap().selector.unwrap_or_default();
    let labels = service.metadata.labels.unwrap_or_default();
    assert_eq!(
        labels.get("istio.io/rev"),
        selector.get("istio.io/rev"),
        "its label names the revision it selects"
    );
    selector.get("istio.io/rev").cloned()
}

#[tokio::test]
async fn migrate_verify_roll_back_and_finish_once_nothing_uses_the_old_control_plane() {
    let (console, operator) = console().await;
    let cluster = "gke-eu";
    install(&console, &operator, cluster).await;
    workload(
        &console,
        &operator,
        cluster,
        "green",
        "gcr.io/google-samples/hello-app:1.0",
        1,
    )
    .await;

    // Before: blue runs the default revision; asm-1106-2 has no pods
    // (once the sandbox's controllers made all four, which a loaded
    // machine may take a moment for).
    let deadline = Instant::now() + Duration::from_secs(30);
    let before = loop {
        let seen = verify(&console, &operator, cluster, "blue", REV).await;
        if seen.pods.values().sum::<u32>() >= 4 || Instant::now() > deadline {
            break seen;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(before.pods.get("default"), Some(&4), "{before:#?}");
    assert_eq!(before.stragglers.len(), 4);
    assert!(!before.complete());

    let migrate = json!({"cluster": cluster, "namespace": "blue", "revision": REV});
    let run = operate(&console, &operator, "migrate", migrate.clone()).await;
    assert_eq!(run.phase, InstallPhase::Succeeded, "{run:#?}");
    assert_eq!(outcome_of(&run, "Label namespace blue"), "relabelled");
    assert_eq!(
        outcome_of(&run, "Rolling restart of Deployment blue/foo"),
        "restarted"
    );
    let after = verify(&console, &operator, cluster, "blue", REV).await;
    assert!(after.complete(), "{after:#?}");
    assert_eq!(after.pods.get(REV), Some(&4));
    assert_eq!(after.on_revision.len(), 4);
    let ns = Api::<Namespace>::all(client(&console, cluster))
        .get("blue")
        .await
        .unwrap();
    let labels = ns.metadata.labels.unwrap();
    assert_eq!(labels.get("istio.io/rev").map(String::as_str), Some(REV));
    assert!(!labels.contains_key("istio-injection"));

    // Again: nothing to relabel, nothing restarted.
    let again = operate(&console, &operator, "migrate", migrate).await;
    assert_eq!(again.phase, InstallPhase::Succeeded, "{again:#?}");
    assert!(outcome_of(&again, "Label namespace blue").starts_with("unchanged"));
    assert!(outcome_of(&again, "Rolling restart of Deployment blue/foo").starts_with("not needed"));

    // green still uses the old control plane: finish is refused, naming it.
    let refused = post(
        &console,
        &operator,
        "/api/mesh/migrations/finish",
        json!({"cluster": cluster}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let message = api_error(refused).await.message;
    assert!(message.contains("green"), "{message}");
    assert!(exists(&client(&console, cluster), "istiod").await);

    // Migrate green, roll it back: blue still uses asm-1106-2, so its
    // control plane stays.
    let green = json!({"cluster": cluster, "namespace": "green", "revision": REV});
    let run = operate(&console, &operator, "migrate", green.clone()).await;
    assert_eq!(run.phase, InstallPhase::Succeeded, "{run:#?}");
    let back = operate(&console, &operator, "rollback", green.clone()).await;
    assert_eq!(back.phase, InstallPhase::Succeeded, "{back:#?}");
    assert!(outcome_of(&back, "Roll istio-ingressgateway back").starts_with("not moved"));
    assert!(
        back.steps.iter().all(|s| !s.title.contains("Delete")),
        "a rollback deletes nothing: {back:#?}"
    );
    let green_now = verify(&console, &operator, cluster, "green", "default").await;
    assert!(green_now.complete(), "{green_now:#?}");
    assert!(exists(&client(&console, cluster), "istiod-asm-1106-2").await);

    // Migrate it again: now nothing uses the old control plane.
    let run = operate(&console, &operator, "migrate", green).await;
    assert_eq!(run.phase, InstallPhase::Succeeded, "{run:#?}");
    let finish = operate(&console, &operator, "finish", json!({"cluster": cluster})).await;
    assert_eq!(finish.phase, InstallPhase::Succeeded, "{finish:#?}");
    assert_eq!(
        outcome_of(&finish, "Delete Deployment istio-system/istiod"),
        "deleted"
    );
    assert_eq!(
        outcome_of(
            &finish,
            "Delete HorizontalPodAutoscaler istio-system/istiod"
        ),
        "absent"
    );
    assert!(!exists(&client(&console, cluster), "istiod").await);
    assert!(exists(&client(&console, cluster), "istiod-asm-1106-2").await);
    // The old injector goes with it; the Service `istiod` stays, as the
    // validation webhooks' Service of the new revision.
    assert_eq!(
        outcome_of(
            &finish,
            "Delete MutatingWebhookConfiguration istio-sidecar-injector"
        ),
        "deleted"
    );
    assert!(
        Api::<MutatingWebhookConfiguration>::all(client(&console, cluster))
            .get_opt("istio-sidecar-injector")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        outcome_of(&finish, "Keep Service istio-system/istiod"),
        format!("kept: it is the validation webhooks' Service and selects {REV}")
    );
    assert_eq!(
        validation_selects(&client(&console, cluster)).await,
        Some(REV.to_owned())
    );
    let again = operate(&console, &operator, "finish", json!({"cluster": cluster})).await;
    assert_eq!(again.phase, InstallPhase::Succeeded, "{again:#?}");
    assert_eq!(
        outcome_of(&again, "Delete Deployment istio-system/istiod"),
        "absent"
    );

    // Requests and outcomes are audited.
    let audit = console.audit(&operator, "action=mesh.").await;
    let actions: Vec<(&str, Outcome)> = audit
        .entries
        .iter()
        .map(|e| (e.action.as_str(), e.outcome))
        .collect();
    for wanted in [
        ("mesh.migrate", Outcome::Success),
        ("mesh.migrate.outcome", Outcome::Success),
        ("mesh.rollback.outcome", Outcome::Success),
        ("mesh.finish", Outcome::Failure),
        ("mesh.finish.outcome", Outcome::Success),
    ] {
        assert!(actions.contains(&wanted), "{wanted:?} not in {actions:?}");
    }
    let entry = audit
        .entries
        .iter()
        .find(|e| e.action == "mesh.migrate")
        .unwrap();
    assert_eq!(entry.clusters, vec![cluster.to_owned()]);
    assert!(
        entry.targets.iter().any(|t| t.contains("namespace")),
        "{entry:?}"
    );
}

#[tokio::test]
async fn a_rollback_undoes_a_moved_gateway_and_keeps_the_revision_until_it_is_removed() {
    let (console, operator) = console().await;
    let cluster = "gke-us";
    install(&console, &operator, cluster).await;
    let client = client(&console, cluster);
    let blue = json!({"cluster": cluster, "namespace": "blue", "revision": REV});
    let run = operate(&console, &operator, "migrate", blue.clone()).await;
    assert_eq!(run.phase, InstallPhase::Succeeded, "{run:#?}");

    // The gateway was moved to the new revision, as an upgrade would.
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "istio-system");
    deployments
        .patch(
            "istio-ingressgateway",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"template": {
                "metadata": {"labels": {"istio.io/rev": REV}},
                "spec": {"containers": [{"name": "istio-proxy",
                    "image": "gcr.io/gke-release/asm/proxyv2:1.10.6-asm.2"}]}}}})),
        )
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let d = deployments.get("istio-ingressgateway").await.unwrap();
        let rev = d
            .metadata
            .annotations
            .unwrap_or_default()
            .get("deployment.kubernetes.io/revision")
            .cloned();
        if rev.as_deref() == Some("2") {
            break;
        }
        assert!(Instant::now() < deadline, "the gateway never rolled out");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let back = operate(&console, &operator, "rollback", blue).await;
    assert_eq!(back.phase, InstallPhase::Succeeded, "{back:#?}");
    assert!(
        outcome_of(&back, "Roll istio-ingressgateway back")
            .starts_with("rolled back to revision 1")
    );
    let gateway = deployments.get("istio-ingressgateway").await.unwrap();
    let template = gateway.spec.template;
    assert_eq!(
        template.spec.unwrap().containers[0].image.as_deref(),
        Some("docker.io/istio/proxyv2:1.9.8")
    );
    assert!(
        !template
            .metadata
            .unwrap()
            .labels
            .unwrap()
            .contains_key("istio.io/rev")
    );
    // The rollback deleted nothing: the revision stays until removed.
    assert!(
        back.steps.iter().all(|s| !s.title.contains("Delete")),
        "{back:#?}"
    );
    assert!(exists(&client, "istiod-asm-1106-2").await);
    assert_eq!(validation_selects(&client).await, Some(REV.to_owned()));

    // Removing it (seed 000's last rollback step) is its own action: a
    // finish of that revision, whose run performs what its preview shows.
    let remove = json!({"cluster": cluster, "revision": REV});
    let plan = crate::removal::preview(&console, &operator, cluster, REV).await;
    let run = operate(&console, &operator, "finish", remove).await;
    assert_eq!(run.phase, InstallPhase::Succeeded, "{run:#?}");
    crate::removal::assert_performs(&plan, &run);
    assert_eq!(
        outcome_of(&run, "Delete Deployment istio-system/istiod-asm-1106-2"),
        "deleted"
    );
    assert!(
        run.steps
            .iter()
            .any(|s| s.title.starts_with("Delete MutatingWebhookConfiguration")),
        "{run:#?}"
    );
    assert!(!exists(&client, "istiod-asm-1106-2").await);
    assert!(exists(&client, "istiod").await);
    // The install had pointed validation at the new revision; it points
    // at the control plane that stays again.
    assert_eq!(
        outcome_of(&run, "Point Service istio-system/istiod"),
        "Service istio-system/istiod points at default again"
    );
    assert_eq!(
        validation_selects(&client).await,
        Some("default".to_owned())
    );
    let blue_now = verify(&console, &operator, cluster, "blue", "default").await;
    assert!(blue_now.complete(), "{blue_now:#?}");
}

/// Scales `cluster`'s istiod-asm-1106-2 to nothing and waits until the
/// console sees it so: its injection webhook then refuses new pods.
pub(crate) async fn take_down_istiod(console: &TestConsole, session: &Session, cluster: &str) {
    Api::<Deployment>::namespaced(client(console, cluster), "istio-system")
        .patch(
            "istiod-asm-1106-2",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 0}})),
        )
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while fleet(console, session)
        .await
        .cluster(cluster)
        .unwrap()
        .control_planes
        .iter()
        .any(|cp| cp.revision == REV && cp.ready_replicas > 0)
    {
        assert!(Instant::now() < deadline, "istiod never scaled down");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_migration_stops_at_image_pull_errors_and_injection_webhook_refusals() {
    let (console, operator) = console().await;
    // project-b's gke-asia-2 cannot pull project-a's images.
    install(&console, &operator, "gke-asia-2").await;
    workload(
        &console,
        &operator,
        "gke-asia-2",
        "red",
        "gcr.io/project-a/red:1.0",
        1,
    )
    .await;
    let run = operate(
        &console,
        &operator,
        "migrate",
        json!({"cluster": "gke-asia-2", "namespace": "red", "revision": REV}),
    )
    .await;
    assert_eq!(run.phase, InstallPhase::Failed);
    let (step, message) = run.failure().unwrap();
    assert!(step.starts_with("Wait until every pod of red"), "{step}");
    assert!(
        message.contains("gke-asia-2") && message.contains("cannot pull"),
        "{message}"
    );
    assert!(message.contains("gcr.io/project-a/red:1.0"), "{message}");
    let failed = console
        .audit(&operator, "action=mesh.migrate.outcome&outcome=failure")
        .await;
    assert_eq!(failed.entries.len(), 1);

    // istiod-asm-1106-2 down: its injection webhook refuses the new pods.
    install(&console, &operator, "gke-us").await;
    take_down_istiod(&console, &operator, "gke-us").await;
    let run = operate(
        &console,
        &operator,
        "migrate",
        json!({"cluster": "gke-us", "namespace": "blue", "revision": REV}),
    )
    .await;
    assert_eq!(run.phase, InstallPhase::Failed, "{run:#?}");
    let (_, message) = run.failure().unwrap();
    assert!(
        message.contains("cannot create pods") && message.contains("failed calling webhook"),
        "{message}"
    );

    // A revision not installed there is refused before anything changes.
    let refused = post(
        &console,
        &operator,
        "/api/mesh/migrations/migrate",
        json!({"cluster": "gke-asia-1", "namespace": "blue", "revision": REV}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let missing = post(
        &console,
        &operator,
        "/api/mesh/migrations/migrate",
        json!({"cluster": "gke-us", "namespace": "nope", "revision": REV}),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_gateway_takes_a_validated_load_balancer_ip_and_shows_its_node_port_mapping() {
    let (console, operator) = console().await;
    let cluster = "gke-asia-2";
    let response = console
        .get_as(
            &format!("/api/clusters/{cluster}/ingress-gateway?vip=203.0.113.1"),
            Some(&operator),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let gateway: GatewayAddress = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(gateway.ports.len(), 3);
    assert!(
        gateway.ports.iter().all(|p| p.node_port.is_some()),
        "{gateway:#?}"
    );
    assert_eq!(gateway.nodes.len(), 4);
    assert_eq!(gateway.mapping.len(), 3);
    let http2 = gateway
        .mapping
        .iter()
        .find(|r| r.port_name == "http2")
        .unwrap();
    assert_eq!(http2.frontend, "203.0.113.1:80");
    let node_port = gateway
        .ports
        .iter()
        .find(|p| p.name == "http2")
        .unwrap()
        .node_port
        .unwrap();
    assert_eq!(
        http2.backends,
        gateway
            .nodes
            .iter()
            .map(|n| format!("{}:{node_port}", n.address))
            .collect::<Vec<_>>()
    );
    let text = console
        .get_as(
            &format!("/api/clusters/{cluster}/ingress-gateway?vip=203.0.113.1&format=text"),
            Some(&operator),
        )
        .await;
    assert_eq!(text.status(), StatusCode::OK);
    let text = String::from_utf8(body_bytes(text).await).unwrap();
    assert_eq!(text.lines().count(), 12, "{text}");
    assert!(
        text.contains(&format!(
            "203.0.113.1:80 -> {}:{node_port}",
            gateway.nodes[0].address
        )),
        "{text}"
    );

    let path = format!("/api/clusters/{cluster}/ingress-gateway/load-balancer-ip");
    let bad = console
        .send(json_request(
            Method::PUT,
            &path,
            &json!({"ip": "203.0.113.300"}),
            Some(&operator),
        ))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let manager = console.signed_in("mgr", Role::Manager, false).await;
    let denied = console
        .send(json_request(
            Method::PUT,
            &path,
            &json!({"ip": "203.0.113.7"}),
            Some(&manager),
        ))
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let set = console
        .send(json_request(
            Method::PUT,
            &path,
            &json!({"ip": "203.0.113.7"}),
            Some(&operator),
        ))
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let after: GatewayAddress = serde_json::from_value(body_json(set).await).unwrap();
    assert_eq!(after.load_balancer_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(
        after.mapping[0].frontend.split(':').next(),
        Some("203.0.113.7")
    );
    let live = Api::<Service>::namespaced(client(&console, cluster), "istio-system")
        .get("istio-ingressgateway")
        .await
        .unwrap();
    assert_eq!(
        live.spec.unwrap().load_balancer_ip.as_deref(),
        Some("203.0.113.7")
    );
    let audit = console.audit(&operator, "action=gateway.address").await;
    let outcomes: Vec<Outcome> = audit.entries.iter().map(|e| e.outcome).collect();
    assert!(
        outcomes.contains(&Outcome::Success) && outcomes.contains(&Outcome::Denied),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn managers_cannot_migrate_roll_back_or_finish() {
    let (console, operator) = console().await;
    let manager = console.signed_in("mgr", Role::Manager, false).await;
    let body = json!({"cluster": "gke-eu", "namespace": "blue", "revision": REV});
    for op in ["migrate", "rollback", "finish"] {
        let response = post(
            &console,
            &manager,
            &format!("/api/mesh/migrations/{op}"),
            body.clone(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{op}");
    }
    let ns = Api::<Namespace>::all(client(&console, "gke-eu"))
        .get("blue")
        .await
        .unwrap();
    assert!(!ns.metadata.labels.unwrap().contains_key("istio.io/rev"));
    let denied = console.audit(&operator, "outcome=denied").await;
    for action in ["mesh.migrate", "mesh.rollback", "mesh.finish"] {
        assert!(
            denied.entries.iter().any(|e| e.action == action),
            "{action}"
        );
    }
}

/// A cleanup's delete carries the uid its plan saw: an object made since
/// under the same name is not deleted (a conflict saying so), the one the
/// plan saw is.
#[tokio::test]
async fn a_delete_carrying_the_uid_the_plan_saw_spares_an_object_made_since() {
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::api::DeleteParams;

    let (console, _operator) = console().await;
    let gke_us = client(&console, "gke-us");
    let config_maps: Api<ConfigMap> = Api::namespaced(gke_us.clone(), "istio-system");
    let made = || {
        serde_json::from_value::<ConfigMap>(json!({
            "metadata": {"name": "doomed", "namespace": "istio-system"},
            "data": {"k": "v"}
        }))
        .unwrap()
    };
    let seen = config_maps
        .create(&PostParams::default(), &made())
        .await
        .unwrap()
        .metadata
        .uid;
    config_maps
        .delete("doomed", &DeleteParams::default())
        .await
        .unwrap();
    let since = config_maps
        .create(&PostParams::default(), &made())
        .await
        .unwrap()
        .metadata
        .uid;
    let object = backend::cluster::apply::ObjectRef {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: Some("istio-system".into()),
        name: "doomed".into(),
    };
    let refused = backend::cluster::delete::delete_seen(&gke_us, &object, seen.as_deref())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("ConfigMap istio-system/doomed") && refused.contains("replaced"),
        "{refused}"
    );
    assert!(config_maps.get_opt("doomed").await.unwrap().is_some());
    let deleted = backend::cluster::delete::delete_seen(&gke_us, &object, since.as_deref())
        .await
        .unwrap();
    assert!(deleted);
    assert!(config_maps.get_opt("doomed").await.unwrap().is_none());
}
