//! Installing control plane revisions through the API on the sandbox
//! fleet: plans reviewed against the live cluster, preflight blocking
//! until overridden with a reason, installs followed to istiod Ready,
//! half-applied plans finished by running them again, exports, role
//! checks and audit entries.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use shared::diff::ChangeKind;
use shared::fleet::Fleet;
use shared::mesh::{
    CaMode, Check, InstallContext, InstallPhase, InstallProgress, InstallSettings, PlanReview,
    StepState, VersionTag,
};
use shared::{ErrorCode, Role};

use crate::support::{Session, TestConsole, api_error, body_bytes, body_json, json_request};

pub(crate) const WAIT: Duration = Duration::from_secs(60);
pub(crate) const REASON: &str = "port names are fixed by the app team next sprint; demo cluster";

/// A console on the default sandbox fleet once every member has synced.
pub(crate) async fn console() -> (TestConsole, Session) {
    let console = TestConsole::with_sandbox().await;
    let operator = console.signed_in("operator", Role::Operator, false).await;
    reachable(&console, &operator).await;
    (console, operator)
}

/// Waits until every member of `console` is reachable.
pub(crate) async fn reachable(console: &TestConsole, session: &Session) {
    let deadline = Instant::now() + WAIT;
    loop {
        let f = fleet(console, session).await;
        if f.clusters.iter().all(|c| c.reachability.is_reachable()) {
            break;
        }
        assert!(Instant::now() < deadline, "fleet never synced: {f:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn fleet(console: &TestConsole, session: &Session) -> Fleet {
    let response = console.get_as("/api/fleet", Some(session)).await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

pub(crate) async fn settings(
    console: &TestConsole,
    session: &Session,
    cluster: &str,
    ca: CaMode,
) -> InstallSettings {
    let f = fleet(console, session).await;
    let tag: VersionTag = "1.10.6-asm.2".parse().unwrap();
    let mut s = InstallSettings::suggested(&f, f.cluster(cluster).unwrap(), tag).unwrap();
    s.ca = ca;
    s
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

pub(crate) async fn review(
    console: &TestConsole,
    session: &Session,
    cluster: &str,
    s: &InstallSettings,
) -> PlanReview {
    let response = post(
        console,
        session,
        "/api/mesh/plans",
        serde_json::json!({"cluster": cluster, "settings": s}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

/// An override with `reason` for each check that may be overridden (not
/// the admin-cluster check, which never is): the backend uses those of the
/// checks that failed.
pub(crate) fn overrides(reason: &str) -> serde_json::Value {
    let checks = [
        "capacity",
        "kubernetes_version",
        "service_port_names",
        "revision_and_version",
        "network",
    ];
    checks
        .iter()
        .map(|check| serde_json::json!({"check": check, "reason": reason}))
        .collect()
}

pub(crate) async fn install(
    console: &TestConsole,
    session: &Session,
    plan: &str,
    reason: Option<&str>,
) -> InstallProgress {
    let overrides = reason.map(overrides).unwrap_or_default();
    let response = post(
        console,
        session,
        "/api/mesh/installs",
        serde_json::json!({"plan": plan, "overrides": overrides}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    serde_json::from_value(body_json(response).await).unwrap()
}

/// Polls the run until it is no longer running.
pub(crate) async fn finished(
    console: &TestConsole,
    session: &Session,
    run: &str,
) -> InstallProgress {
    let deadline = Instant::now() + WAIT;
    loop {
        let response = console
            .get_as(&format!("/api/mesh/installs/{run}"), Some(session))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let p: InstallProgress = serde_json::from_value(body_json(response).await).unwrap();
        if p.phase != InstallPhase::Running {
            // The end is recorded with the run, for the runs list.
            assert!(
                p.ended.is_some_and(|end| end >= p.started),
                "install ended without its end time: {p:#?}"
            );
            return p;
        }
        assert!(Instant::now() < deadline, "install still running: {p:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) fn client(console: &TestConsole, cluster: &str) -> kube::Client {
    console.state.fleet().client(cluster).unwrap()
}

#[tokio::test]
async fn a_failing_preflight_blocks_until_overridden_with_a_reason_and_mesh_ca_installs() {
    let (console, operator) = console().await;
    let s = settings(&console, &operator, "gke-eu", CaMode::MeshCa).await;
    let plan = review(&console, &operator, "gke-eu", &s).await;

    // blue/bar names its port `web`: the port-naming check fails.
    let ports = plan
        .preflight
        .results
        .iter()
        .find(|r| r.check == shared::mesh::Check::ServicePortNames)
        .unwrap();
    assert_eq!(ports.verdict, shared::mesh::Verdict::Fail);
    assert!(
        ports.evidence.iter().any(|e| e.contains("blue/bar")),
        "{ports:?}"
    );
    assert!(plan.blocked.is_some());
    // Open-source istiod is there: its namespace gains the network label and
    // the shared validation Service `istiod` changes; the rest is new.
    for object in &plan.objects {
        let expected = match object.title.as_str() {
            "Namespace istio-system" | "Service istio-system/istiod" => ChangeKind::Update,
            _ => ChangeKind::Create,
        };
        assert_eq!(object.change, expected, "{}", object.title);
    }
    let namespace = &plan.objects[0];
    assert!(
        namespace.lines.iter().any(|l| matches!(l, shared::diff::DiffLine::Added(t) if t.contains("topology.istio.io/network: vpc-a"))),
        "{namespace:?}"
    );

    let refused = post(
        &console,
        &operator,
        "/api/mesh/installs",
        serde_json::json!({"plan": plan.id}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let error = api_error(refused).await;
    assert!(
        error.message.contains("preflight failed on gke-eu"),
        "{}",
        error.message
    );
    let short = post(
        &console,
        &operator,
        "/api/mesh/installs",
        serde_json::json!({"plan": plan.id, "overrides": [{"check": "service_port_names", "reason": "because"}]}),
    )
    .await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);
    // An override of another check does not lift the failed one.
    let other = post(
        &console,
        &operator,
        "/api/mesh/installs",
        serde_json::json!({"plan": plan.id, "overrides": [{"check": "capacity", "reason": REASON}]}),
    )
    .await;
    assert_eq!(other.status(), StatusCode::CONFLICT);
    let message = api_error(other).await.message;
    assert!(
        message.contains("Service ports named protocol[-suffix]") && !message.contains("nodes"),
        "{message}"
    );
    assert!(
        Api::<Deployment>::namespaced(client(&console, "gke-eu"), "istio-system")
            .get_opt("istiod-asm-1106-2")
            .await
            .unwrap()
            .is_none(),
        "a refused install changes nothing"
    );

    let run = install(&console, &operator, &plan.id, Some(REASON)).await;
    let done = finished(&console, &operator, &run.id).await;
    assert_eq!(done.phase, InstallPhase::Succeeded, "{done:#?}");
    assert!(
        done.steps
            .iter()
            .all(|s| matches!(s.state, StepState::Done { .. }))
    );

    let pods: Api<Pod> = Api::namespaced(client(&console, "gke-eu"), "istio-system");
    let ours = pods
        .list(&ListParams::default().labels("app=istiod,istio.io/rev=asm-1106-2"))
        .await
        .unwrap();
    assert!(!ours.items.is_empty());

    // The request and the outcome are audited, with the override's reason.
    let audit = console.audit(&operator, "action=mesh.install").await;
    let entry = audit
        .entries
        .iter()
        .find(|e| e.action == "mesh.install" && e.outcome == shared::Outcome::Success)
        .unwrap();
    assert_eq!(entry.clusters, vec!["gke-eu".to_owned()]);
    assert!(
        entry
            .params
            .iter()
            .any(|p| p == &format!("override=Service ports named protocol[-suffix]: {REASON}")),
        "{entry:?}"
    );
    let finish = console.audit(&operator, "action=mesh.install.finish").await;
    assert_eq!(
        finish.entries.first().unwrap().outcome,
        shared::Outcome::Success
    );

    // Installed now: the same revision again fails preflight.
    let again = review(&console, &operator, "gke-eu", &s).await;
    let installed = again
        .preflight
        .results
        .iter()
        .find(|r| r.check == shared::mesh::Check::RevisionNotInstalled)
        .unwrap();
    assert_eq!(
        installed.verdict,
        shared::mesh::Verdict::Fail,
        "{installed:?}"
    );
    // No reason installs over a running revision, not even its own.
    assert!(!installed.overridable);
    let mut every = overrides(REASON);
    if let Some(list) = every.as_array_mut() {
        list.push(serde_json::json!({"check": "revision_not_installed", "reason": REASON}));
    }
    let refused = post(
        &console,
        &operator,
        "/api/mesh/installs",
        serde_json::json!({"plan": again.id, "overrides": every}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let message = api_error(refused).await.message;
    assert!(
        message.ends_with("Revision not already installed cannot be overridden"),
        "{message}"
    );
    let refusals = console
        .audit(&operator, "action=mesh.install&outcome=failure")
        .await;
    assert!(refusals.entries.len() >= 3, "{:?}", refusals.entries);
}

#[tokio::test]
async fn running_a_plan_again_after_a_failure_finishes_it_without_creating_anything_twice() {
    let (console, operator) = console().await;
    let s = settings(&console, &operator, "gke-asia-1", CaMode::MeshCa).await;
    let plan = review(&console, &operator, "gke-asia-1", &s).await;

    // Half of the plan applied by hand, as a run that stopped would leave it.
    let client = client(&console, "gke-asia-1");
    let export = console
        .get_as(
            &format!("/api/mesh/plans/{}/export", plan.id),
            Some(&operator),
        )
        .await;
    assert_eq!(export.status(), StatusCode::OK);
    let text = String::from_utf8(body_bytes(export).await).unwrap();
    let docs: Vec<serde_json::Value> = text
        .split("---\n")
        .filter(|d| !d.trim().is_empty() && !d.trim_start().starts_with('#'))
        .map(|d| serde_yaml::from_str(d).unwrap())
        .collect();
    assert_eq!(docs.len(), plan.objects.len());
    for doc in &docs[..docs.len() / 2] {
        backend::cluster::apply::apply(&client, doc, false)
            .await
            .unwrap();
    }
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "istio-system");
    let sa_uid = |name: &'static str| {
        let client = client.clone();
        async move {
            Api::<k8s_openapi::api::core::v1::ServiceAccount>::namespaced(client, "istio-system")
                .get(name)
                .await
                .unwrap()
                .metadata
                .uid
        }
    };
    let uid_before = sa_uid("istiod-asm-1106-2").await;

    // The cluster refuses every write: the run fails at its first step.
    let faults = console
        .sandbox
        .as_ref()
        .unwrap()
        .cluster("gke-asia-1")
        .unwrap()
        .faults();
    faults.set(sandbox::faults::Fault::FailWrites {
        fraction: 1.0,
        status: 500,
        seed: 1,
    });
    faults.applied().await;
    let failed = install(&console, &operator, &plan.id, Some(REASON)).await;
    let failed = finished(&console, &operator, &failed.id).await;
    assert_eq!(failed.phase, InstallPhase::Failed);
    let (step, message) = failed.failure().unwrap();
    assert!(step.starts_with("Apply Namespace istio-system"), "{step}");
    assert!(message.contains("gke-asia-1"), "{message}");
    faults.restore();
    faults.applied().await;

    // Again: what exists is unchanged, the rest is created.
    let run = install(&console, &operator, &plan.id, Some(REASON)).await;
    let done = finished(&console, &operator, &run.id).await;
    assert_eq!(done.phase, InstallPhase::Succeeded, "{done:#?}");
    let outcome = |title: &str| {
        done.steps
            .iter()
            .find(|s| s.title == title)
            .map(|s| s.state.clone())
            .unwrap()
    };
    assert_eq!(
        outcome("Apply ServiceAccount istio-system/istiod-asm-1106-2"),
        StepState::Done {
            outcome: "unchanged".into()
        }
    );
    assert_eq!(
        outcome("Apply MutatingWebhookConfiguration istio-sidecar-injector-asm-1106-2"),
        StepState::Done {
            outcome: "created".into()
        }
    );
    assert_eq!(sa_uid("istiod-asm-1106-2").await, uid_before);
    let istiods = deployments
        .list(&ListParams::default().labels("istio.io/rev=asm-1106-2"))
        .await
        .unwrap();
    assert_eq!(istiods.items.len(), 1);
    let failure = console
        .audit(&operator, "action=mesh.install.finish&outcome=failure")
        .await;
    assert_eq!(failure.entries.len(), 1);
}

#[tokio::test]
async fn the_plan_exports_as_an_istio_operator_file_and_the_context_feeds_browser_preflight() {
    let (console, operator) = console().await;
    let s = settings(&console, &operator, "onprem-vmware-1", CaMode::MeshCa).await;
    let plan = review(&console, &operator, "onprem-vmware-1", &s).await;
    let response = console
        .get_as(
            &format!("/api/mesh/plans/{}/export?format=istio-operator", plan.id),
            Some(&operator),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let op: serde_json::Value = serde_yaml::from_slice(&body_bytes(response).await).unwrap();
    assert_eq!(op["kind"], "IstioOperator");
    assert_eq!(op["spec"]["revision"], "asm-1106-2");
    assert_eq!(op["spec"]["profile"], "asm-multicloud");
    let bad = console
        .get_as(
            &format!("/api/mesh/plans/{}/export?format=helm", plan.id),
            Some(&operator),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let response = console
        .get_as(
            "/api/clusters/onprem-vmware-1/install-context",
            Some(&operator),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let context: InstallContext = serde_json::from_value(body_json(response).await).unwrap();
    assert!(
        context
            .services
            .iter()
            .any(|s| s.namespace == "blue" && s.name == "bar")
    );
    assert!(context.membership.is_some());
    // The browser's preflight over this context agrees with the server's.
    let f = fleet(&console, &operator).await;
    let local = shared::mesh::PreflightReport::run(&shared::mesh::PreflightInput {
        fleet: &f,
        cluster: f.cluster("onprem-vmware-1").unwrap(),
        settings: &s,
        services: &context.services,
        admin: context.admin,
        membership: context.membership.as_deref(),
        hsm: context.hsm.as_ref(),
        mesh_roots: &context.mesh_roots,
        issuance: &context.issuance,
    });
    assert_eq!(local, plan.preflight);
}

#[tokio::test]
async fn bad_requests_change_nothing_and_name_the_problem() {
    let (console, operator) = console().await;
    let s = settings(&console, &operator, "gke-eu", CaMode::MeshCa).await;
    let unknown = post(
        &console,
        &operator,
        "/api/mesh/plans",
        serde_json::json!({"cluster": "gke-mars", "settings": s}),
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        api_error(unknown).await.cluster.as_deref(),
        Some("gke-mars")
    );

    let mut hsm = s.clone();
    hsm.ca = CaMode::Hsm;
    let refused = post(
        &console,
        &operator,
        "/api/mesh/plans",
        serde_json::json!({"cluster": "gke-eu", "settings": hsm}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(api_error(refused).await.message.contains("HSM"));

    let malformed = post(
        &console,
        &operator,
        "/api/mesh/plans",
        serde_json::json!({"cluster": "gke-eu", "settings": {"revision": "ASM 1.10"}}),
    )
    .await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let no_plan = post(
        &console,
        &operator,
        "/api/mesh/installs",
        serde_json::json!({"plan": "nope"}),
    )
    .await;
    assert_eq!(no_plan.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn managers_and_security_officers_cannot_plan_or_install() {
    let (console, operator) = console().await;
    let s = settings(&console, &operator, "gke-eu", CaMode::MeshCa).await;
    let plan = review(&console, &operator, "gke-eu", &s).await;
    for (name, role) in [("mgr", Role::Manager), ("sec", Role::SecurityOfficer)] {
        let session = console.signed_in(name, role, false).await;
        let response = post(
            &console,
            &session,
            "/api/mesh/plans",
            serde_json::json!({"cluster": "gke-eu", "settings": s}),
        )
        .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let response = post(
            &console,
            &session,
            "/api/mesh/installs",
            serde_json::json!({"plan": plan.id, "overrides": overrides(REASON)}),
        )
        .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(api_error(response).await.code, ErrorCode::Forbidden);
    }
    let denied = console
        .audit(&operator, "action=mesh.install&outcome=denied")
        .await;
    assert_eq!(
        denied
            .entries
            .iter()
            .filter(|e| e.action == "mesh.install")
            .count(),
        2
    );
}

/// The secret `istio-system/cacerts` of `cluster`, as PEM text per key.
async fn cacerts(
    console: &TestConsole,
    cluster: &str,
) -> std::collections::BTreeMap<String, String> {
    let secrets: Api<k8s_openapi::api::core::v1::Secret> =
        Api::namespaced(client(console, cluster), "istio-system");
    secrets
        .get("cacerts")
        .await
        .unwrap()
        .data
        .unwrap()
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v.0).unwrap()))
        .collect()
}

#[tokio::test]
async fn istio_ca_installs_write_verified_intermediates_of_one_mesh_root() {
    let (console, operator) = console().await;
    let mut runs = Vec::new();
    for cluster in ["gke-eu", "gke-asia-1"] {
        let s = settings(&console, &operator, cluster, CaMode::IstioCaPluginCerts).await;
        console.mesh_root(&s.mesh_id).await;
        let grant = console
            .issuance_grant(&s.mesh_id, &[cluster], "project-a.svc.id.goog")
            .await;
        let plan = review(&console, &operator, cluster, &s).await;
        let ca_check = plan.preflight.result(Check::CaMode).unwrap();
        assert!(ca_check.evidence[0].contains(&grant.id), "{ca_check:?}");
        let cacerts_step = plan
            .objects
            .iter()
            .find(|o| o.title == "Secret istio-system/cacerts")
            .unwrap();
        assert_eq!(cacerts_step.change, ChangeKind::Create);
        let text = serde_json::to_string(&plan).unwrap();
        assert!(
            !text.contains("PRIVATE KEY"),
            "a plan never carries key material"
        );
        let run = install(&console, &operator, &plan.id, Some(REASON)).await;
        let done = finished(&console, &operator, &run.id).await;
        assert_eq!(done.phase, InstallPhase::Succeeded, "{done:#?}");
        assert!(
            !serde_json::to_string(&done)
                .unwrap()
                .contains("PRIVATE KEY")
        );
        runs.push((plan.id, s));
    }

    let eu = cacerts(&console, "gke-eu").await;
    let asia = cacerts(&console, "gke-asia-1").await;
    let keys: Vec<&str> = eu.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "ca-cert.pem",
            "ca-key.pem",
            "cert-chain.pem",
            "root-cert.pem"
        ]
    );
    assert_eq!(
        eu["root-cert.pem"], asia["root-cert.pem"],
        "one root per mesh"
    );
    assert_ne!(
        eu["ca-cert.pem"], asia["ca-cert.pem"],
        "one intermediate per cluster"
    );
    let trust_domain = "project-a.svc.id.goog";
    for bundle in [&eu, &asia] {
        let certs = backend::security::ca::CaCerts {
            ca_cert_pem: bundle["ca-cert.pem"].clone(),
            ca_key_pem: bundle["ca-key.pem"].clone(),
            root_cert_pem: bundle["root-cert.pem"].clone(),
            cert_chain_pem: bundle["cert-chain.pem"].clone(),
        };
        let ca = console.state.ca().unwrap();
        ca.verify_cacerts(&certs, trust_domain).unwrap();
    }

    // Running the plan again keeps the intermediate istiod already uses.
    let (plan, _) = &runs[0];
    let again = install(&console, &operator, plan, Some(REASON)).await;
    let again = finished(&console, &operator, &again.id).await;
    assert_eq!(again.phase, InstallPhase::Succeeded, "{again:#?}");
    let step = again
        .steps
        .iter()
        .find(|s| s.title.contains("cacerts"))
        .unwrap();
    assert!(
        matches!(&step.state, StepState::Done { outcome } if outcome.starts_with("kept")),
        "{step:?}"
    );
    assert_eq!(cacerts(&console, "gke-eu").await, eu);

    // gke-eu's intermediate copied onto gke-asia-1 is not kept there: it
    // is not asia's, so the run issues asia its own (under its grant).
    let secrets: Api<k8s_openapi::api::core::v1::Secret> =
        Api::namespaced(client(&console, "gke-asia-1"), "istio-system");
    let mut copied = secrets.get("cacerts").await.unwrap();
    copied.data = Some(
        eu.iter()
            .map(|(k, v)| (k.clone(), k8s_openapi::ByteString(v.clone().into_bytes())))
            .collect(),
    );
    copied.metadata.managed_fields = None;
    secrets
        .replace("cacerts", &Default::default(), &copied)
        .await
        .unwrap();
    let (plan, _) = &runs[1];
    let again = install(&console, &operator, plan, Some(REASON)).await;
    let again = finished(&console, &operator, &again.id).await;
    assert_eq!(again.phase, InstallPhase::Succeeded, "{again:#?}");
    let step = again
        .steps
        .iter()
        .find(|s| s.title.contains("cacerts"))
        .unwrap();
    assert!(
        matches!(&step.state, StepState::Done { outcome } if outcome.starts_with("re-issued")),
        "{step:?}"
    );
    let reissued = cacerts(&console, "gke-asia-1").await;
    assert_ne!(reissued["ca-cert.pem"], eu["ca-cert.pem"]);
}

/// An object the console applied and another field manager changed since
/// is not overwritten: running the plan again fails at that object's step
/// naming the object and the other manager, and once the conflict is
/// resolved on the cluster the same plan finishes.
#[tokio::test]
async fn a_change_by_another_field_manager_is_not_overwritten_by_running_a_plan_again() {
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::api::{DeleteParams, Patch, PatchParams};

    let (console, operator) = console().await;
    let s = settings(&console, &operator, "gke-asia-1", CaMode::MeshCa).await;
    let plan = review(&console, &operator, "gke-asia-1", &s).await;
    let run = install(&console, &operator, &plan.id, Some(REASON)).await;
    let done = finished(&console, &operator, &run.id).await;
    assert_eq!(done.phase, InstallPhase::Succeeded, "{done:#?}");

    let config_maps: Api<ConfigMap> =
        Api::namespaced(client(&console, "gke-asia-1"), "istio-system");
    let name = "istio-asm-1106-2";
    let edit = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "istio-system"},
        "data": {"mesh": "edited by hand"}});
    config_maps
        .patch(
            name,
            &PatchParams::apply("ops").force(),
            &Patch::Apply(&edit),
        )
        .await
        .unwrap();

    let again = install(&console, &operator, &plan.id, Some(REASON)).await;
    let failed = finished(&console, &operator, &again.id).await;
    assert_eq!(failed.phase, InstallPhase::Failed, "{failed:#?}");
    let (step, message) = failed.failure().unwrap();
    assert_eq!(step, format!("Apply ConfigMap istio-system/{name}"));
    assert!(
        message.contains("gke-asia-1")
            && message.contains(&format!("ConfigMap istio-system/{name}"))
            && message.contains("\"ops\""),
        "{message}"
    );
    let kept = config_maps.get(name).await.unwrap();
    assert_eq!(kept.data.unwrap()["mesh"], "edited by hand");

    // Resolved on the cluster (the edited object removed): the same plan
    // finishes.
    config_maps
        .delete(name, &DeleteParams::default())
        .await
        .unwrap();
    let resumed = install(&console, &operator, &plan.id, Some(REASON)).await;
    let done = finished(&console, &operator, &resumed.id).await;
    assert_eq!(done.phase, InstallPhase::Succeeded, "{done:#?}");
    let restored = config_maps.get(name).await.unwrap();
    assert_ne!(restored.data.unwrap()["mesh"], "edited by hand");
}
