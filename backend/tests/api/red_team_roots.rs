//! An operator turned against the mesh root (issue 21): reviewing or
//! running an Istio CA or HSM install, or asking the roots endpoint, never
//! creates key material; only a security officer creates a root, and one
//! that a cluster still chains to is not retired. Each test uses a token
//! of its own, so "no root" means no root.

use axum::http::{Method, StatusCode};
use backend::clock::Clock;
use backend::security::ca::{CertificateAuthority, TokenConfig, embedded};
use shared::csr::{MeshRoot, MeshRoots, RootState};
use shared::mesh::{CaMode, Check, HsmSettings, MeshId, PlanReview, Verdict};
use shared::{ErrorCode, Role};

use crate::csr;
use crate::mesh::{REASON, console, finished, install, post, review, settings};
use crate::support::{Session, TestConsole, api_error, body_json};

const OFFICER_MESSAGE: &str =
    "a security officer must create the mesh root on Security → Mesh roots";

/// A token no other test uses, holding no root for `meshes`. Initialised
/// through the already loaded module (a token `softhsm2-util` made after
/// the module loaded would stay unseen by this process); the token
/// outlives test runs, so the PIN is fixed.
pub(crate) async fn own_token(label: &str, meshes: &[&MeshId]) -> CertificateAuthority {
    let module = embedded::token_from_env(embedded::LABEL).unwrap().module;
    let pin = format!("{label}-pin");
    let credentials: hsm::HsmCredentials =
        serde_json::from_value(serde_json::json!({"pin": pin, "so-pin": "red-team-so-pin"}))
            .unwrap();
    let path = module.clone();
    let slot = label.to_owned();
    tokio::task::spawn_blocking(move || hsm::provision_slot(&path, &slot, &credentials))
        .await
        .unwrap()
        .unwrap();
    let pin_file = crate::support::temp_dir("red-team-pin").join("pin");
    std::fs::create_dir_all(pin_file.parent().unwrap()).unwrap();
    std::fs::write(&pin_file, &pin).unwrap();
    let token = TokenConfig {
        module,
        token_label: label.to_owned(),
        pin_file,
    };
    let ca = CertificateAuthority::open(&token, Clock::system()).unwrap();
    for mesh in meshes {
        // The token outlives test runs: start from no root, and no root
        // an earlier run's rotation left.
        ca.destroy_root(mesh).await.unwrap();
    }
    for (mesh, previous) in ca.previous_roots().await.unwrap() {
        if meshes.contains(&&mesh) {
            ca.retire_root(&mesh, &previous.sha256_fingerprint)
                .await
                .unwrap();
        }
    }
    ca
}

/// A sandbox console (and its operator) whose mesh root token is one of
/// its own labelled `label`, holding no root for the fleet mesh yet, with
/// the Istio CA settings suggested for `cluster`: for tests that retire or
/// rotate the fleet mesh's root, which would pull it from under the tests
/// running beside them on the shared token.
pub(crate) async fn on_own_token(
    label: &str,
    cluster: &str,
) -> (TestConsole, Session, shared::mesh::InstallSettings) {
    let (console, operator) = console().await;
    let fleet_mesh = settings(&console, &operator, cluster, CaMode::IstioCaPluginCerts)
        .await
        .mesh_id;
    let ca = own_token(label, &[&fleet_mesh]).await;
    let console = console.reconfigured(|s| s.with_ca(ca));
    let s = settings(&console, &operator, cluster, CaMode::IstioCaPluginCerts).await;
    (console, operator, s)
}

async fn roots(console: &TestConsole, session: &Session) -> Vec<MeshRoot> {
    let response = console
        .get_as(shared::routes::CA_ROOTS, Some(session))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let roots: MeshRoots = serde_json::from_value(body_json(response).await).unwrap();
    roots.roots
}

fn create(mesh: &MeshId) -> serde_json::Value {
    serde_json::json!({ "mesh": mesh })
}

fn refused_for_want_of_a_root(plan: &PlanReview) {
    let ca = plan.preflight.result(Check::CaMode).unwrap();
    assert_eq!(ca.verdict, Verdict::Fail, "{ca:?}");
    assert!(!ca.overridable, "no override creates a root");
    assert!(ca.evidence[0].contains(OFFICER_MESSAGE), "{ca:?}");
    assert!(plan.blocked.is_some());
}

/// Attack: the operator plans (and tries to run) an Istio CA or HSM
/// install for a mesh without a root, hoping the console makes one, then
/// asks the roots endpoint directly.
#[tokio::test]
async fn an_operator_never_creates_the_mesh_root_and_an_officer_does() {
    let (console, operator) = console().await;
    let mut istio = settings(&console, &operator, "gke-eu", CaMode::IstioCaPluginCerts).await;
    let mesh = istio.mesh_id.clone();
    let ca = own_token("meshdeck-red-team-roots", &[&mesh]).await;
    let console = console.reconfigured(|s| s.with_ca(ca.clone()));

    // The review (the dry run) refuses and creates nothing.
    let plan = review(&console, &operator, "gke-eu", &istio).await;
    refused_for_want_of_a_root(&plan);
    let refused = post(
        &console,
        &operator,
        shared::routes::MESH_INSTALLS,
        serde_json::json!({"plan": plan.id, "overrides": crate::mesh::overrides(REASON)}),
    )
    .await;
    assert_ne!(refused.status(), StatusCode::ACCEPTED);
    let mut hsm = settings(&console, &operator, "gke-eu", CaMode::Hsm).await;
    hsm.hsm = Some(HsmSettings {
        slot_label: "asm-gke-eu".into(),
        kek_id: "7651a4ea".into(),
        vault_addr: "http://127.0.0.1:8200".into(),
        secret_path: "asm-gke-eu/hsm".into(),
    });
    let plan = review(&console, &operator, "gke-eu", &hsm).await;
    refused_for_want_of_a_root(&plan);
    assert_eq!(
        ca.root(&mesh).await.unwrap(),
        None,
        "the token holds no root"
    );
    assert!(ca.roots().await.unwrap().is_empty(), "nor any other");

    // Nor does asking the endpoint, which is the officer's.
    let response = post(&console, &operator, shared::routes::CA_ROOTS, create(&mesh)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(api_error(response).await.code, ErrorCode::Forbidden);
    assert!(ca.roots().await.unwrap().is_empty());
    assert!(roots(&console, &operator).await.is_empty());

    // Approving istiod's CA request signs with the root: refused, not a
    // reason to make one.
    let officer = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    let (td, _) = csr::mesh_of(&console);
    let name = csr::unique("istiod-ca");
    let key = rcgen::KeyPair::generate().unwrap();
    let spiffe = format!("spiffe://{td}/ns/istio-system/sa/istiod-service-account");
    csr::create(
        &console,
        &name,
        csr::request(&[spiffe], true, &key).as_bytes(),
        csr::CA_SIGNER,
        csr::ISTIOD,
    )
    .await;
    let response = post(
        &console,
        &officer,
        &csr::approve_path(&name),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let message = api_error(response).await.message;
    assert!(message.contains(OFFICER_MESSAGE), "{message}");
    assert!(ca.roots().await.unwrap().is_empty());

    // The officer creates it: recorded, audited, listed for every role.
    let response = post(&console, &officer, shared::routes::CA_ROOTS, create(&mesh)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: MeshRoot = serde_json::from_value(body_json(response).await).unwrap();
    let in_token = ca.root(&mesh).await.unwrap().unwrap();
    assert_eq!(created.fingerprint, in_token.sha256_fingerprint);
    assert_eq!(created.mesh, mesh);
    assert_eq!(created.created_by.as_deref(), Some("olivia"));
    assert!(created.created_at.is_some());
    assert_eq!(created.state, RootState::Active);
    assert!(created.not_before < created.not_after);
    let audit = console
        .audit(&officer, "action=ca.root.create&outcome=success")
        .await;
    assert_eq!(audit.entries.len(), 1);
    assert_eq!(audit.entries[0].actor, "olivia");
    assert!(
        audit.entries[0]
            .params
            .contains(&format!("sha256={}", created.fingerprint)),
        "{:?}",
        audit.entries[0]
    );
    let manager = console.signed_in("mia", Role::Manager, false).await;
    assert_eq!(roots(&console, &manager).await, vec![created.clone()]);
    let again = post(&console, &officer, shared::routes::CA_ROOTS, create(&mesh)).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(
        api_error(again)
            .await
            .message
            .contains("already has an active root")
    );

    // Now, with the officers' issuance grant, the operator's plan passes
    // the CA check and installs.
    istio.mesh_id = mesh.clone();
    console
        .issuance_grant(&mesh, &["gke-eu"], "project-a.svc.id.goog")
        .await;
    let plan = review(&console, &operator, "gke-eu", &istio).await;
    let check = plan.preflight.result(Check::CaMode).unwrap();
    assert_eq!(check.verdict, Verdict::Pass, "{check:?}");
    let started = install(&console, &operator, &plan.id, Some(REASON)).await;
    let run = finished(&console, &operator, &started.id).await;
    assert_eq!(run.phase, shared::mesh::InstallPhase::Succeeded, "{run:#?}");
    assert_eq!(ca.roots().await.unwrap().len(), 1, "the install made none");

    // The only root of the mesh, which gke-eu chains to, is not retired;
    // an operator may not even ask.
    let retire = shared::routes::ca_root_retire(&created.fingerprint);
    let response = post(&console, &operator, &retire, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post(&console, &officer, &retire, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let message = api_error(response).await.message;
    assert!(message.contains("gke-eu"), "{message}");
    assert!(message.contains("still chain to the root"), "{message}");
    assert!(
        ca.root(&mesh).await.unwrap().is_some(),
        "still in the token"
    );
}

/// A root nothing chains to is retired by an officer: its key leaves the
/// token, the record keeps who and when, and it cannot be retired twice.
#[tokio::test]
async fn an_officer_retires_a_root_nothing_chains_to() {
    let mesh: MeshId = format!("proj-{}", rand::random::<u32>()).parse().unwrap();
    let ca = own_token("meshdeck-red-team-retire", &[]).await;
    let console = TestConsole::new()
        .await
        .reconfigured(|s| s.with_ca(ca.clone()));
    let officer = console.signed_in("sam", Role::SecurityOfficer, false).await;
    let response = post(&console, &officer, shared::routes::CA_ROOTS, create(&mesh)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: MeshRoot = serde_json::from_value(body_json(response).await).unwrap();

    // Any spelling of the fingerprint names it.
    let plain = created.fingerprint.replace(':', "").to_lowercase();
    let response = console
        .send(crate::support::json_request(
            Method::POST,
            &shared::routes::ca_root_retire(&plain),
            &serde_json::json!({}),
            Some(&officer),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let retired: MeshRoot = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(retired.state, RootState::Retired);
    assert_eq!(retired.retired_by.as_deref(), Some("sam"));
    assert_eq!(ca.root(&mesh).await.unwrap(), None, "the key is gone");
    let listed = roots(&console, &officer).await;
    let record = listed
        .iter()
        .find(|r| r.fingerprint == created.fingerprint)
        .unwrap();
    assert_eq!(record.state, RootState::Retired);
    assert_eq!(record.created_by.as_deref(), Some("sam"));
    let audit = console
        .audit(&officer, "action=ca.root.retire&outcome=success")
        .await;
    assert!(
        audit.entries[0]
            .params
            .contains(&format!("sha256={}", created.fingerprint))
    );
    let again = post(
        &console,
        &officer,
        &shared::routes::ca_root_retire(&created.fingerprint),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
}
