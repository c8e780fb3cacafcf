//! Seed 004's ceremony end to end through the API: an install in HSM mode
//! on a sandbox cluster whose istiod reads its PIN from Vault and encrypts
//! its CSR with the cluster's KEK; the request decrypted into the security
//! officer's inbox; approve → secret `istio-ca-cert` → istiod 3/3 Ready
//! with the chain in its log. Denials and a PIN Vault lost change nothing
//! on the cluster.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use hsm::HsmCredentials;
use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::api::{Api, ListParams, LogParams};
use shared::Role;
use shared::csr::{
    ApproveOutcome, CsrInbox, CsrSource, HSM_REQUEST_NAME, InboxItem, TrustInventory,
};
use shared::mesh::{CaMode, Check, InstallPhase, StepState, Verdict};

use crate::hsm::{fresh_slot, provisioned, vault};
use crate::mesh::{REASON, WAIT, client, finished, install, post, review, settings};
use crate::support::{Session, TestConsole, api_error, body_bytes, body_json};

const CLUSTER: &str = "onprem-vmware-1";
const REVISION: &str = "asm-1106-2";

/// A console whose sandbox clusters reach the test HSM and the dev Vault,
/// once every member has synced.
async fn console() -> (TestConsole, Session, Session) {
    let console = TestConsole::with_sandbox_hsm()
        .await
        .reconfigured(|state| state.with_vault(vault()));
    let operator = console.signed_in("operator", Role::Operator, false).await;
    let officer = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    crate::mesh::reachable(&console, &operator).await;
    (console, operator, officer)
}

/// Provisions a slot, installs in HSM mode and waits for the run's end.
async fn install_in_hsm_mode(console: &TestConsole, operator: &Session) -> String {
    let slot = fresh_slot(CLUSTER);
    let done = provisioned(console, operator, CLUSTER, &slot).await;
    let mut s = settings(console, operator, CLUSTER, CaMode::Hsm).await;
    s.hsm = Some(done.settings.clone());
    console.mesh_root(&s.mesh_id).await;
    let plan = review(console, operator, CLUSTER, &s).await;
    let ca = plan.preflight.result(Check::CaMode).unwrap();
    assert_eq!(ca.verdict, Verdict::Pass, "{ca:?}");
    let started = install(console, operator, &plan.id, Some(REASON)).await;
    let run = finished(console, operator, &started.id).await;
    assert_eq!(run.phase, InstallPhase::Succeeded, "{run:#?}");
    let waited = run
        .steps
        .iter()
        .find(|step| step.title.contains("to ask for its CA certificate"))
        .unwrap();
    assert!(
        matches!(&waited.state, StepState::Done { outcome } if outcome.contains("encrypted CSR")),
        "{waited:?}"
    );
    slot
}

async fn inbox(console: &TestConsole, session: &Session) -> CsrInbox {
    let response = console.get_as("/api/csrs", Some(session)).await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

/// istiod's request in the inbox, once it is there.
async fn hsm_item(console: &TestConsole, session: &Session) -> InboxItem {
    let deadline = Instant::now() + WAIT;
    loop {
        let found = inbox(console, session)
            .await
            .items
            .into_iter()
            .find(|i| i.cluster == CLUSTER && i.name == HSM_REQUEST_NAME);
        if let Some(item) = found {
            return item;
        }
        assert!(Instant::now() < deadline, "no HSM request in the inbox");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn istiod_pod(console: &TestConsole) -> Pod {
    let pods: Api<Pod> = Api::namespaced(client(console, CLUSTER), "istio-system");
    let selector = format!("app=istiod,istio.io/rev={REVISION}");
    let list = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .unwrap();
    list.items.into_iter().next().expect("an istiod pod")
}

/// Ready containers of istiod's pod, of all.
fn ready_containers(pod: &Pod) -> (usize, usize) {
    let statuses = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.clone())
        .unwrap_or_default();
    (statuses.iter().filter(|c| c.ready).count(), statuses.len())
}

async fn answer_secret(console: &TestConsole) -> Option<Secret> {
    let secrets: Api<Secret> = Api::namespaced(client(console, CLUSTER), "istio-system");
    secrets.get_opt("istio-ca-cert").await.unwrap()
}

fn decision(cluster: &str, action: &str) -> String {
    format!("/api/csrs/{cluster}/{HSM_REQUEST_NAME}/{action}")
}

#[tokio::test]
async fn an_hsm_install_waits_for_the_officer_whose_approval_makes_istiod_ready() {
    let (console, operator, officer) = console().await;
    install_in_hsm_mode(&console, &operator).await;
    assert_eq!(ready_containers(&istiod_pod(&console).await), (2, 3));

    let item = hsm_item(&console, &officer).await;
    assert_eq!(item.problem, None, "{item:#?}");
    assert!(matches!(
        &item.source,
        CsrSource::IstiodHsm { revision: Some(r), kek_id: Some(_), .. } if r == REVISION
    ));
    let view = item.view.clone().unwrap();
    assert!(view.is_ca, "{view:?}");
    let spiffe = view.spiffe_ids();
    assert_eq!(spiffe.len(), 1, "{view:?}");
    assert!(
        spiffe[0].ends_with(&format!("/ns/istio-system/sa/istiod-{REVISION}")),
        "{spiffe:?}"
    );
    assert!(item.checks.iter().all(|c| c.passed), "{:?}", item.checks);
    let domains = item
        .checks
        .iter()
        .find(|c| c.reason.contains("every SPIFFE id is in"))
        .unwrap();
    assert_eq!(
        domains.reason.matches("project-a.svc.id.goog").count(),
        1,
        "each trust domain named once: {}",
        domains.reason
    );

    // The decrypted request is downloadable for an offline ceremony.
    let pem = console
        .get_as(
            &format!("/api/csrs/{CLUSTER}/{HSM_REQUEST_NAME}"),
            Some(&officer),
        )
        .await;
    assert_eq!(pem.status(), StatusCode::OK);
    let pem = String::from_utf8(body_bytes(pem).await).unwrap();
    assert!(
        pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"),
        "{pem}"
    );

    // Operators cannot decide.
    let refused = post(
        &console,
        &operator,
        &decision(CLUSTER, "approve"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(answer_secret(&console).await.is_none());

    let approved = post(
        &console,
        &officer,
        &decision(CLUSTER, "approve"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(approved.status(), StatusCode::OK);
    let outcome: ApproveOutcome = serde_json::from_value(body_json(approved).await).unwrap();
    assert!(
        matches!(outcome, ApproveOutcome::Pending { required: 2, .. }),
        "the mesh root needs two officers by default: {outcome:?}"
    );
    assert!(answer_secret(&console).await.is_none());
    let sam = console.signed_in("sam", Role::SecurityOfficer, false).await;
    let approved = post(
        &console,
        &sam,
        &decision(CLUSTER, "approve"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(approved.status(), StatusCode::OK);
    let outcome: ApproveOutcome = serde_json::from_value(body_json(approved).await).unwrap();
    let ApproveOutcome::Issued(issued) = outcome else {
        panic!("the second officer completes the rule: {outcome:?}");
    };
    assert_eq!(issued.chain_pem.matches("BEGIN CERTIFICATE").count(), 2);
    let written = answer_secret(&console)
        .await
        .expect("istio-ca-cert written");
    let chain = written.data.unwrap()["cert-chain.pem"].0.clone();
    assert_eq!(String::from_utf8(chain).unwrap(), issued.chain_pem);

    // istiod checks the chain and becomes fully ready, logging it.
    let deadline = Instant::now() + WAIT;
    loop {
        let pod = istiod_pod(&console).await;
        if ready_containers(&pod) == (3, 3) {
            let pods: Api<Pod> = Api::namespaced(client(&console, CLUSTER), "istio-system");
            let log = pods
                .logs(
                    pod.metadata.name.as_deref().unwrap(),
                    &LogParams {
                        container: Some("discovery".into()),
                        ..LogParams::default()
                    },
                )
                .await
                .unwrap();
            assert!(log.contains("CA cert:"), "{log}");
            let root = issued
                .chain_pem
                .split_inclusive("-----END CERTIFICATE-----\n")
                .last()
                .unwrap();
            assert!(log.contains(root.trim()), "the root is logged: {log}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "istiod never became 3/3: {pod:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    assert!(
        inbox(&console, &officer)
            .await
            .items
            .iter()
            .all(|i| i.cluster != CLUSTER),
        "an answered request leaves the inbox"
    );
    let audit = console.audit(&officer, "action=csr.approve").await;
    let entry = serde_json::to_string(&audit.entries).unwrap();
    assert!(entry.contains(&issued.serial), "{entry}");
    let trust = console.get_as("/api/trust", Some(&officer)).await;
    let trust: TrustInventory = serde_json::from_value(body_json(trust).await).unwrap();
    let on = trust
        .clusters
        .iter()
        .find(|c| c.cluster == CLUSTER)
        .unwrap();
    assert_eq!(on.ca_mode, Some(CaMode::Hsm));
    assert!(on.root_fingerprint.is_some());
}

#[tokio::test]
async fn a_denied_or_undecryptable_request_changes_nothing_on_the_cluster() {
    let (console, operator, officer) = console().await;
    let slot = install_in_hsm_mode(&console, &operator).await;
    let item = hsm_item(&console, &officer).await;
    assert_eq!(item.problem, None);

    // Vault loses the slot's PIN: the request is still listed, with why it
    // cannot be read, and approving it writes nothing.
    let path = format!("{slot}/hsm");
    let right = vault().credentials(&path).await.unwrap();
    vault()
        .write_credentials(&path, &HsmCredentials::pin("lost"))
        .await
        .unwrap();
    let item = hsm_item(&console, &officer).await;
    let problem = item.problem.clone().unwrap_or_default();
    assert!(problem.contains("rejected the PIN"), "{item:#?}");
    let refused = post(
        &console,
        &officer,
        &decision(CLUSTER, "approve"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(
        api_error(refused)
            .await
            .message
            .contains("nothing was changed")
    );
    assert!(answer_secret(&console).await.is_none());
    vault().write_credentials(&path, &right).await.unwrap();

    // A chain for another key is refused before anything is written,
    // even when it would complete the two-person rule.
    let sam = console.signed_in("sam", Role::SecurityOfficer, false).await;
    let first = post(
        &console,
        &sam,
        &decision(CLUSTER, "approve"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(first.status(), StatusCode::OK);
    let other = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let foreign = params.self_signed(&other).unwrap().pem();
    let refused = post(
        &console,
        &officer,
        &decision(CLUSTER, "chain"),
        serde_json::json!({"chain_pem": foreign}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(answer_secret(&console).await.is_none());

    // A denial needs a reason, is recorded on the request, and istiod
    // keeps waiting.
    let empty = post(
        &console,
        &officer,
        &decision(CLUSTER, "deny"),
        serde_json::json!({"reason": " "}),
    )
    .await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    let denied = post(
        &console,
        &officer,
        &decision(CLUSTER, "deny"),
        serde_json::json!({"reason": "the request names a revision we did not plan"}),
    )
    .await;
    assert!(denied.status().is_success(), "{}", denied.status());
    let secrets: Api<Secret> = Api::namespaced(client(&console, CLUSTER), "istio-system");
    let request = secrets.get("istio-ca-cert-csr").await.unwrap();
    let note = request.metadata.annotations.unwrap()["meshdeck.io/denied"].clone();
    assert_eq!(note, "olivia: the request names a revision we did not plan");
    assert!(
        inbox(&console, &officer)
            .await
            .items
            .iter()
            .all(|i| i.cluster != CLUSTER)
    );
    assert!(answer_secret(&console).await.is_none());
    assert_eq!(ready_containers(&istiod_pod(&console).await), (2, 3));
    let audit = console.audit(&officer, "action=csr.deny").await;
    let denials: Vec<_> = audit
        .entries
        .iter()
        .filter(|e| e.outcome == shared::Outcome::Success)
        .collect();
    assert_eq!(
        denials.len(),
        1,
        "the reasonless attempt is audited as refused"
    );
    assert!(
        serde_json::to_string(denials[0])
            .unwrap()
            .contains("the request names a revision we did not plan")
    );
}

#[tokio::test]
async fn two_officers_answer_istiod_with_a_chain_signed_offline() {
    // The default rule: the mesh root keeps two people (issue 21).
    let (console, operator, officer) = console().await;
    let sam = console.signed_in("sam", Role::SecurityOfficer, false).await;
    install_in_hsm_mode(&console, &operator).await;
    let item = hsm_item(&console, &officer).await;
    assert_eq!(item.required_approvals, 2);

    let first = post(
        &console,
        &officer,
        &decision(CLUSTER, "approve"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: ApproveOutcome = serde_json::from_value(body_json(first).await).unwrap();
    assert!(
        matches!(first, ApproveOutcome::Pending { required: 2, .. }),
        "{first:?}"
    );
    let again = post(
        &console,
        &officer,
        &decision(CLUSTER, "approve"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "one officer counts once"
    );
    assert!(answer_secret(&console).await.is_none());

    // The second officer signs offline (here: with the mesh root, outside
    // the approve path) and uploads the chain.
    let pem = console
        .get_as(
            &format!("/api/csrs/{CLUSTER}/{HSM_REQUEST_NAME}"),
            Some(&sam),
        )
        .await;
    let pem = body_bytes(pem).await;
    let decoded = backend::security::ca::decode::decode_csr(&pem).unwrap();
    let mesh = settings(&console, &operator, CLUSTER, CaMode::Hsm)
        .await
        .mesh_id;
    let signed = console
        .state
        .ca()
        .unwrap()
        .sign_csr(&mesh, &decoded, None)
        .await
        .unwrap();
    let uploaded = post(
        &console,
        &sam,
        &decision(CLUSTER, "chain"),
        serde_json::json!({"chain_pem": signed.chain_pem}),
    )
    .await;
    assert_eq!(uploaded.status(), StatusCode::OK);
    let outcome: ApproveOutcome = serde_json::from_value(body_json(uploaded).await).unwrap();
    let ApproveOutcome::Issued(issued) = outcome else {
        panic!("the second officer completes the rule: {outcome:?}");
    };
    assert_eq!(issued.approvers, ["olivia", "sam"]);
    assert!(answer_secret(&console).await.is_some());
}
