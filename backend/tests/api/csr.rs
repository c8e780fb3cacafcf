//! The security officer's CSR inbox against the in-process sandbox:
//! Kubernetes CertificateSigningRequests decoded and checked, approved
//! (signed by the mesh root in the test token) or denied, the two-person
//! rule across a console restart, the offline ceremony's uploaded chains,
//! refusals that change nothing, the audit trail, and the trust inventory.
//! What the cluster holds afterwards is read with real kubectl when
//! `MESHDECK_KUBECTL` names one, else through the kube crate.

use std::path::PathBuf;

use axum::http::{Method, StatusCode};
use backend::security::csr::{CsrSettings, SignerRule};
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestSpec,
};
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ObjectMeta, PostParams};
use rcgen::PublicKeyData;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use serde_json::{Value, json};
use shared::csr::{ApproveOutcome, CsrCount, CsrDecision, CsrInbox, TrustInventory};
use shared::mesh::settings::{suggested_mesh_id, trust_domain};
use shared::mesh::{CaMode, MeshId};
use shared::{ClusterName, Role};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::support::{
    Session, TestConsole, api_error, body_bytes, body_json, json_request, temp_dir, test_ca,
    test_store_shared,
};

pub(crate) const CLUSTER: &str = "gke-eu";
pub(crate) const ISTIOD: &str = "system:serviceaccount:istio-system:istiod-service-account";
pub(crate) const CA_SIGNER: &str = "istio.io/mesh-root";
const WORKLOAD_SIGNER: &str = "istio.io/workload";

/// The trust domain and mesh id the console derives for [`CLUSTER`].
pub(crate) fn mesh_of(console: &TestConsole) -> (String, MeshId) {
    let fleet = console.state.fleet().snapshot();
    let member = fleet
        .clusters
        .iter()
        .find(|c| c.name().as_str() == CLUSTER)
        .unwrap();
    let td = trust_domain(&fleet, CaMode::IstioCaPluginCerts).unwrap();
    (
        td.as_str().to_owned(),
        suggested_mesh_id(&fleet, member).unwrap(),
    )
}

/// [`mesh_of`], once a security officer created the mesh's root (signing
/// needs it and never creates it).
pub(crate) async fn mesh_with_root(console: &TestConsole) -> (String, MeshId) {
    let (td, mesh) = mesh_of(console);
    console.mesh_root(&mesh).await;
    (td, mesh)
}

/// A PEM request for `spiffe` ids, a CA when `ca`.
pub(crate) fn request(spiffe: &[String], ca: bool, key: &KeyPair) -> String {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::OrganizationName, "meshdeck-test");
    params.subject_alt_names = spiffe
        .iter()
        .map(|s| SanType::URI(s.clone().try_into().unwrap()))
        .collect();
    if ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    }
    params.serialize_request(key).unwrap().pem().unwrap()
}

pub(crate) fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", rand::random::<u32>())
}

async fn csr_api(console: &TestConsole) -> Api<CertificateSigningRequest> {
    Api::all(console.state.fleet().client(CLUSTER).unwrap())
}

/// Creates a request on [`CLUSTER`] as `username` would.
pub(crate) async fn create(
    console: &TestConsole,
    name: &str,
    pem: &[u8],
    signer: &str,
    username: &str,
) {
    create_on(console, CLUSTER, name, pem, signer, username).await;
}

/// Creates a request on `cluster` as `username` would.
async fn create_on(
    console: &TestConsole,
    cluster: &str,
    name: &str,
    pem: &[u8],
    signer: &str,
    username: &str,
) {
    let csr = CertificateSigningRequest {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        spec: CertificateSigningRequestSpec {
            request: ByteString(pem.to_vec()),
            signer_name: signer.to_owned(),
            username: Some(username.to_owned()),
            usages: Some(vec!["digital signature".into(), "key encipherment".into()]),
            expiration_seconds: Some(7200),
            ..CertificateSigningRequestSpec::default()
        },
        status: None,
    };
    Api::<CertificateSigningRequest>::all(console.state.fleet().client(cluster).unwrap())
        .create(&PostParams::default(), &csr)
        .await
        .unwrap();
}

/// kubectl 1.37, if this run has one.
fn kubectl() -> Option<PathBuf> {
    std::env::var_os("MESHDECK_KUBECTL")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
}

/// The request as a client reads it: `kubectl get csr NAME -o json` when
/// kubectl is available, else a kube crate GET.
async fn observed(console: &TestConsole, name: &str) -> Value {
    if let Some(bin) = kubectl() {
        let kubeconfig = console.kubeconfig.clone().unwrap();
        let out = tokio::process::Command::new(bin)
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(["--context", CLUSTER, "get", "csr", name, "-o", "json"])
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return serde_json::from_slice(&out.stdout).unwrap();
    }
    serde_json::to_value(csr_api(console).await.get(name).await.unwrap()).unwrap()
}

fn condition_types(csr: &Value) -> Vec<String> {
    csr["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["type"].as_str().unwrap().to_owned())
        .collect()
}

fn issued_chain(csr: &Value) -> Option<Vec<Vec<u8>>> {
    use base64::Engine;
    let b64 = csr["status"]["certificate"].as_str()?;
    let pem_text = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    Some(
        pem::parse_many(pem_text)
            .unwrap()
            .into_iter()
            .map(pem::Pem::into_contents)
            .collect(),
    )
}

pub(crate) async fn post(
    console: &TestConsole,
    session: &Session,
    path: &str,
    body: Value,
) -> axum::response::Response {
    console
        .send(json_request(Method::POST, path, &body, Some(session)))
        .await
}

async fn inbox(console: &TestConsole, session: &Session) -> CsrInbox {
    let response = console.get_as("/api/csrs", Some(session)).await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

pub(crate) fn approve_path(name: &str) -> String {
    format!("{}/approve", shared::routes::csr(CLUSTER, name))
}

/// Nothing about the request changed: no condition, no certificate, no
/// approval stored.
async fn untouched(console: &TestConsole, name: &str) {
    let csr = observed(console, name).await;
    assert!(condition_types(&csr).is_empty(), "{csr}");
    assert!(issued_chain(&csr).is_none(), "{csr}");
    let uid = csr["metadata"]["uid"].as_str().unwrap();
    assert!(
        console
            .state
            .store()
            .csr_approvals(CLUSTER, uid)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_istiod_ca_request_is_signed_by_the_mesh_root_and_written_back() {
    let console = TestConsole::with_sandbox().await;
    let (td, mesh) = mesh_with_root(&console).await;
    let officer = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    let operator = console.signed_in("oscar", Role::Operator, false).await;
    let manager = console.signed_in("mia", Role::Manager, false).await;
    let key = KeyPair::generate().unwrap();
    let spiffe = format!("spiffe://{td}/ns/istio-system/sa/istiod-service-account");
    let name = unique("istiod-ca");
    create(
        &console,
        &name,
        request(std::slice::from_ref(&spiffe), true, &key).as_bytes(),
        CA_SIGNER,
        ISTIOD,
    )
    .await;

    let listed = inbox(&console, &manager).await;
    let item = listed.items.iter().find(|i| i.name == name).unwrap();
    let view = item.view.as_ref().unwrap();
    assert_eq!(item.cluster, CLUSTER);
    assert!(view.is_ca && view.path_len == Some(0));
    assert_eq!(view.spiffe_ids(), vec![spiffe.as_str()]);
    assert_eq!(view.requester.as_deref(), Some(ISTIOD));
    assert_eq!(view.requested_duration_secs, Some(7200));
    assert_eq!(view.key.describe(), "EC P-256");
    assert!(item.signable(), "{:?}", item.checks);
    let count: CsrCount = serde_json::from_value(
        body_json(console.get_as("/api/csrs/count", Some(&manager)).await).await,
    )
    .unwrap();
    assert!(count.pending >= 1);

    let refused = post(&console, &operator, &approve_path(&name), json!({})).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    untouched(&console, &name).await;

    // The mesh root keeps two people by default (issue 21): the first
    // approval is recorded and nothing is signed yet.
    let response = post(&console, &officer, &approve_path(&name), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let first: ApproveOutcome = serde_json::from_value(body_json(response).await).unwrap();
    assert!(
        matches!(&first, ApproveOutcome::Pending { approvals, required: 2 } if approvals == &["olivia".to_owned()]),
        "{first:?}"
    );
    let csr = observed(&console, &name).await;
    assert!(condition_types(&csr).is_empty(), "{csr}");
    assert!(issued_chain(&csr).is_none(), "{csr}");
    let sam = console.signed_in("sam", Role::SecurityOfficer, false).await;
    let response = post(&console, &sam, &approve_path(&name), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let ApproveOutcome::Issued(decision) =
        serde_json::from_value(body_json(response).await).unwrap()
    else {
        panic!("two distinct officers sign the mesh root's request");
    };
    assert_eq!(
        decision.approvers,
        vec!["olivia".to_owned(), "sam".to_owned()]
    );

    let csr = observed(&console, &name).await;
    assert_eq!(condition_types(&csr), vec!["Approved"]);
    let chain = issued_chain(&csr).unwrap();
    let root = test_ca().root(&mesh).await.unwrap().unwrap();
    assert_eq!(chain.len(), 2, "certificate then mesh root");
    assert_eq!(chain[1], pem::parse(&root.pem).unwrap().into_contents());
    let (_, cert) = X509Certificate::from_der(&chain[0]).unwrap();
    let (_, root_cert) = X509Certificate::from_der(&chain[1]).unwrap();
    cert.verify_signature(Some(root_cert.public_key())).unwrap();
    assert_eq!(cert.public_key().raw, key.subject_public_key_info());
    assert!(cert.is_ca());
    assert_eq!(hex::encode(cert.raw_serial()), decision.serial);
    assert_eq!(
        backend::security::ca::fingerprint(&chain[0]),
        decision.sha256_fingerprint
    );

    let audit = console.audit(&officer, "action=csr.approve").await;
    let entry = &audit.entries[0];
    assert_eq!(entry.actor, "sam");
    assert!(
        entry
            .params
            .contains(&format!("serial={}", decision.serial))
    );
    assert!(
        entry
            .params
            .contains(&format!("sha256={}", decision.sha256_fingerprint))
    );
    assert!(
        entry
            .targets
            .contains(&format!("CertificateSigningRequest {name}"))
    );
    let refusals = console
        .audit(&officer, "action=csr.approve&outcome=denied")
        .await;
    assert_eq!(refusals.entries[0].actor, "oscar");

    assert!(
        !inbox(&console, &manager)
            .await
            .items
            .iter()
            .any(|i| i.name == name)
    );
    let again = post(&console, &officer, &approve_path(&name), json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn malformed_and_foreign_requests_are_refused_and_change_nothing() {
    let console = TestConsole::with_sandbox().await;
    let (td, _) = mesh_of(&console);
    let officer = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;

    let garbage = unique("garbage");
    let bad_pem = "-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgcmVxdWVzdA==\n-----END CERTIFICATE REQUEST-----\n";
    create(
        &console,
        &garbage,
        bad_pem.as_bytes(),
        WORKLOAD_SIGNER,
        "alice",
    )
    .await;
    let listed = inbox(&console, &officer).await;
    let item = listed.items.iter().find(|i| i.name == garbage).unwrap();
    assert!(item.view.is_none());
    assert!(item.problem.as_deref().unwrap().contains("malformed"));
    let response = post(&console, &officer, &approve_path(&garbage), json!({})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(api_error(response).await.message.contains("malformed"));
    untouched(&console, &garbage).await;

    let foreign = unique("foreign");
    let ids = [
        format!("spiffe://{td}/ns/default/sa/ok"),
        "spiffe://evil.example/ns/default/sa/web".to_owned(),
    ];
    let key = KeyPair::generate().unwrap();
    create(
        &console,
        &foreign,
        request(&ids, false, &key).as_bytes(),
        WORKLOAD_SIGNER,
        "alice",
    )
    .await;
    let listed = inbox(&console, &officer).await;
    let item = listed.items.iter().find(|i| i.name == foreign).unwrap();
    assert!(!item.signable());
    let response = post(&console, &officer, &approve_path(&foreign), json!({})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let message = api_error(response).await.message;
    assert!(
        message.contains("spiffe://evil.example/ns/default/sa/web"),
        "{message}"
    );
    assert!(message.contains(&td), "{message}");
    untouched(&console, &foreign).await;

    let not_istiod = unique("sneaky-ca");
    let ca_ids = [format!("spiffe://{td}/ns/default/sa/sneaky")];
    create(
        &console,
        &not_istiod,
        request(&ca_ids, true, &key).as_bytes(),
        CA_SIGNER,
        "system:serviceaccount:default:sneaky",
    )
    .await;
    let response = post(&console, &officer, &approve_path(&not_istiod), json!({})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(api_error(response).await.message.contains("only istiod"));
    untouched(&console, &not_istiod).await;
}

#[tokio::test]
async fn deny_needs_a_reason_and_marks_the_request_denied() {
    let console = TestConsole::with_sandbox().await;
    let (td, _) = mesh_of(&console);
    let officer = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    let name = unique("deny-me");
    let key = KeyPair::generate().unwrap();
    let ids = [format!("spiffe://{td}/ns/default/sa/web")];
    create(
        &console,
        &name,
        request(&ids, false, &key).as_bytes(),
        WORKLOAD_SIGNER,
        "alice",
    )
    .await;
    let path = format!("{}/deny", shared::routes::csr(CLUSTER, &name));

    let response = post(&console, &officer, &path, json!({"reason": "  "})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(api_error(response).await.message.contains("reason"));
    untouched(&console, &name).await;

    let response = post(&console, &officer, &path, json!({"reason": "not ours"})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let csr = observed(&console, &name).await;
    assert_eq!(condition_types(&csr), vec!["Denied"]);
    let message = csr["status"]["conditions"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("olivia") && message.contains("not ours"),
        "{message}"
    );
    assert!(issued_chain(&csr).is_none());
    let audit = console
        .audit(&officer, "action=csr.deny&outcome=success")
        .await;
    assert!(
        audit.entries[0]
            .params
            .contains(&"reason=not ours".to_owned())
    );
    assert!(
        !inbox(&console, &officer)
            .await
            .items
            .iter()
            .any(|i| i.name == name)
    );
}

#[tokio::test]
async fn two_officers_must_approve_and_the_count_survives_a_restart() {
    let fleet = sandbox::Fleet::start(sandbox::FleetOptions::from_scenario(
        sandbox::scenario::Scenario::default_fleet(),
        None,
    ))
    .await
    .unwrap();
    let kubeconfig = temp_dir("kubeconfig").join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    let shared_store = test_store_shared().await;
    let two = CsrSettings {
        signers: vec![SignerRule {
            name: WORKLOAD_SIGNER.into(),
            required_approvals: 2,
            allow_wildcards: false,
        }],
    };
    let mut first = TestConsole::watching_on(fleet, &kubeconfig, None, shared_store.store.clone())
        .await
        .reconfigured(|s| s.with_csr_settings(two.clone()));
    let (td, _) = mesh_with_root(&first).await;
    let olivia = first
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    let sam = first.signed_in("sam", Role::SecurityOfficer, false).await;
    first
        .add_account("ursula", Role::SecurityOfficer, false)
        .await;
    let name = unique("two-person");
    let key = KeyPair::generate().unwrap();
    let ids = [format!("spiffe://{td}/ns/default/sa/web")];
    // olivia, an officer, asks for a certificate herself.
    create(
        &first,
        &name,
        request(&ids, false, &key).as_bytes(),
        WORKLOAD_SIGNER,
        "olivia",
    )
    .await;

    let own = post(&first, &olivia, &approve_path(&name), json!({})).await;
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
    assert!(api_error(own).await.message.contains("own request"));
    untouched(&first, &name).await;

    let response = post(&first, &sam, &approve_path(&name), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        serde_json::from_value::<ApproveOutcome>(body_json(response).await).unwrap(),
        ApproveOutcome::Pending {
            approvals: vec!["sam".into()],
            required: 2
        }
    );
    let twice = post(&first, &sam, &approve_path(&name), json!({})).await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    let csr = observed(&first, &name).await;
    assert!(condition_types(&csr).is_empty() && issued_chain(&csr).is_none());
    let listed = inbox(&first, &sam).await;
    let item = listed.items.iter().find(|i| i.name == name).unwrap();
    assert_eq!(
        (item.approvals.clone(), item.required_approvals),
        (vec!["sam".to_owned()], 2)
    );

    // A console restarted on the same database remembers sam's approval.
    let fleet = first.sandbox.take().unwrap();
    drop(first);
    let second = TestConsole::watching_on(fleet, &kubeconfig, None, shared_store.reopen().await)
        .await
        .reconfigured(|s| s.with_csr_settings(two.clone()));
    let ursula = second.sign_in("ursula", "ursula-password").await;
    let response = post(&second, &ursula, &approve_path(&name), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let ApproveOutcome::Issued(decision) =
        serde_json::from_value(body_json(response).await).unwrap()
    else {
        panic!("the second officer's approval completes the rule");
    };
    assert_eq!(
        decision.approvers,
        vec!["sam".to_owned(), "ursula".to_owned()]
    );
    let csr = observed(&second, &name).await;
    assert_eq!(condition_types(&csr), vec!["Approved"]);
    assert!(
        csr["status"]["conditions"][0]["message"]
            .as_str()
            .unwrap()
            .contains("sam, ursula")
    );
    let chain = issued_chain(&csr).unwrap();
    let (_, cert) = X509Certificate::from_der(&chain[0]).unwrap();
    assert!(!cert.is_ca());
    assert_eq!(cert.public_key().raw, key.subject_public_key_info());
}

/// A member that stops answering holds up neither the inbox (it is named,
/// the others answer) nor decisions on other clusters.
#[tokio::test]
async fn a_hanging_member_holds_up_neither_the_inbox_nor_other_decisions() {
    let console = TestConsole::with_sandbox().await;
    let (td, _) = mesh_of(&console);
    let officer = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    let key = KeyPair::generate().unwrap();
    let pem = request(&[format!("spiffe://{td}/ns/default/sa/web")], false, &key);
    let (stuck, other) = (unique("stuck"), unique("other"));
    create(&console, &stuck, pem.as_bytes(), WORKLOAD_SIGNER, "alice").await;
    create_on(
        &console,
        "gke-us",
        &other,
        pem.as_bytes(),
        WORKLOAD_SIGNER,
        "alice",
    )
    .await;
    let faults = console
        .sandbox
        .as_ref()
        .unwrap()
        .cluster(CLUSTER)
        .unwrap()
        .faults();
    faults.set(sandbox::faults::Fault::Latency(
        std::time::Duration::from_secs(60),
    ));
    faults.applied().await;

    let listed = inbox(&console, &officer).await;
    // Named by whichever bound fired first: the request's or the inbox's.
    assert!(
        listed
            .unreadable
            .iter()
            .any(|u| u.starts_with(&format!("{CLUSTER}: "))
                && (u.ends_with("timed out") || u.ends_with("no answer within 10 s"))),
        "{:?}",
        listed.unreadable
    );
    assert!(listed.items.iter().any(|i| i.name == other));
    // The badge's count says which member it could not count.
    let response = console
        .get_as(shared::routes::CSR_COUNT, Some(&officer))
        .await;
    let count: shared::csr::CsrCount = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(count.unread, [CLUSTER]);
    assert!(count.pending >= 1, "the other member's request counts");

    // A decision on the hanging member is in flight; one on gke-us does not
    // wait for it.
    let hanging = {
        let (console_app, officer) = (console.state.clone(), officer.clone());
        let path = approve_path(&stuck);
        let app = backend::app(console_app);
        tokio::spawn(async move {
            let mut request =
                json_request(axum::http::Method::POST, &path, &json!({}), Some(&officer));
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo::<std::net::SocketAddr>(
                    "127.0.0.1:40000".parse().unwrap(),
                ));
            tower::ServiceExt::oneshot(app, request)
                .await
                .unwrap()
                .status()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let deny = format!("{}/deny", shared::routes::csr("gke-us", &other));
    let response = post(&console, &officer, &deny, json!({"reason": "not ours"})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        !hanging.is_finished(),
        "gke-us's decision did not wait for gke-eu's"
    );
    faults.restore();
    let status = hanging.await.unwrap();
    assert!(
        status.is_server_error() || status == StatusCode::BAD_GATEWAY,
        "{status}"
    );
}

/// Approvals are re-checked when the rule is counted: one by an officer
/// since given another role (or removed) no longer counts, so a demoted
/// accomplice's approval cannot complete the two-person rule.
#[tokio::test]
async fn an_approval_counts_only_while_its_officer_is_one() {
    let two = CsrSettings {
        signers: vec![SignerRule {
            name: WORKLOAD_SIGNER.into(),
            required_approvals: 2,
            allow_wildcards: false,
        }],
    };
    let console = TestConsole::with_sandbox()
        .await
        .reconfigured(|s| s.with_csr_settings(two));
    let (td, _) = mesh_with_root(&console).await;
    let sam = console.signed_in("sam", Role::SecurityOfficer, false).await;
    let ursula = console
        .signed_in("ursula", Role::SecurityOfficer, false)
        .await;
    let tom = console.signed_in("tom", Role::SecurityOfficer, false).await;
    let name = unique("recheck");
    let key = KeyPair::generate().unwrap();
    let ids = [format!("spiffe://{td}/ns/default/sa/web")];
    create(
        &console,
        &name,
        request(&ids, false, &key).as_bytes(),
        WORKLOAD_SIGNER,
        "system:serviceaccount:default:web",
    )
    .await;
    let response = post(&console, &sam, &approve_path(&name), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    // sam is no officer any more (changed on the server).
    console
        .state
        .store()
        .update_account("sam", Role::Operator, false, None)
        .await
        .unwrap();
    let response = post(&console, &ursula, &approve_path(&name), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        serde_json::from_value::<ApproveOutcome>(body_json(response).await).unwrap(),
        ApproveOutcome::Pending {
            approvals: vec!["ursula".into()],
            required: 2
        },
        "sam's approval no longer counts"
    );
    let csr = observed(&console, &name).await;
    assert!(condition_types(&csr).is_empty() && issued_chain(&csr).is_none());
    let listed = inbox(&console, &tom).await;
    let item = listed.items.iter().find(|i| i.name == name).unwrap();
    assert_eq!(item.approvals, vec!["ursula".to_owned()]);
    let response = post(&console, &tom, &approve_path(&name), json!({})).await;
    let ApproveOutcome::Issued(decision) =
        serde_json::from_value(body_json(response).await).unwrap()
    else {
        panic!("two current officers complete the rule");
    };
    assert_eq!(
        decision.approvers,
        vec!["ursula".to_owned(), "tom".to_owned()]
    );
}

/// Signs `csr_pem` with an intermediate of the mesh root outside the
/// console, as an offline ceremony would: certificate, intermediate, root.
fn sign_offline(csr_pem: &str, certs: &backend::security::ca::CaCerts) -> String {
    let csr = rcgen::CertificateSigningRequestParams::from_pem(csr_pem).unwrap();
    let key = KeyPair::from_pem(&certs.ca_key_pem).unwrap();
    let ca_der = pem::parse(&certs.ca_cert_pem).unwrap().into_contents();
    let issuer = Issuer::from_ca_cert_der(&ca_der.into(), key).unwrap();
    let cert = csr.signed_by(&issuer).unwrap();
    format!("{}{}", cert.pem(), certs.cert_chain_pem)
}

#[tokio::test]
async fn offline_ceremony_checks_uploaded_chains_before_writing() {
    let console = TestConsole::with_sandbox().await;
    let (td, mesh) = mesh_with_root(&console).await;
    let officer = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    let name = unique("offline");
    let key = KeyPair::generate().unwrap();
    let ids = [format!("spiffe://{td}/ns/default/sa/web")];
    let csr_pem = request(&ids, false, &key);
    create(
        &console,
        &name,
        csr_pem.as_bytes(),
        WORKLOAD_SIGNER,
        "alice",
    )
    .await;

    let download = console
        .get_as(&shared::routes::csr(CLUSTER, &name), Some(&officer))
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    let downloaded = String::from_utf8(body_bytes(download).await).unwrap();
    assert_eq!(
        pem::parse(&downloaded).unwrap().into_contents(),
        pem::parse(&csr_pem).unwrap().into_contents()
    );
    let upload = format!("{}/chain", shared::routes::csr(CLUSTER, &name));

    // Signed by a CA that is not the mesh root.
    let stranger_key = KeyPair::generate().unwrap();
    let mut stranger = CertificateParams::new(Vec::<String>::new()).unwrap();
    stranger.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let stranger_cert = stranger.self_signed(&stranger_key).unwrap();
    let stranger_issuer = Issuer::new(stranger, stranger_key);
    let foreign_cert = rcgen::CertificateSigningRequestParams::from_pem(&downloaded)
        .unwrap()
        .signed_by(&stranger_issuer)
        .unwrap();
    let chain = format!("{}{}", foreign_cert.pem(), stranger_cert.pem());
    let response = post(&console, &officer, &upload, json!({"chain_pem": chain})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let message = api_error(response).await.message;
    assert!(
        message.contains("does not chain to the mesh root"),
        "{message}"
    );
    untouched(&console, &name).await;

    // Signed under the mesh root, but for another key.
    let cluster: ClusterName = CLUSTER.parse().unwrap();
    let intermediate = test_ca()
        .issue_intermediate(&mesh, &cluster, &td)
        .await
        .unwrap();
    let other_key = KeyPair::generate().unwrap();
    let other = sign_offline(&request(&ids, false, &other_key), &intermediate);
    let response = post(&console, &officer, &upload, json!({"chain_pem": other})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(api_error(response).await.message.contains("another key"));
    untouched(&console, &name).await;

    // The request's own key, under an intermediate of the mesh root.
    let good = sign_offline(&downloaded, &intermediate);
    let response = post(&console, &officer, &upload, json!({"chain_pem": good})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let ApproveOutcome::Issued(CsrDecision { serial, .. }) =
        serde_json::from_value(body_json(response).await).unwrap()
    else {
        panic!("one approval suffices by default");
    };
    let csr = observed(&console, &name).await;
    assert_eq!(condition_types(&csr), vec!["Approved"]);
    let chain = issued_chain(&csr).unwrap();
    assert_eq!(chain.len(), 3, "certificate, intermediate, root");
    let (_, cert) = X509Certificate::from_der(&chain[0]).unwrap();
    assert_eq!(hex::encode(cert.raw_serial()), serial);
    let audit = console
        .audit(&officer, "action=csr.upload&outcome=success")
        .await;
    assert!(
        audit.entries[0]
            .params
            .contains(&format!("serial={serial}"))
    );
    assert!(
        audit.entries[0]
            .params
            .contains(&"ceremony=offline".to_owned())
    );
}

#[tokio::test]
async fn the_trust_inventory_shows_each_clusters_root_and_intermediate_without_keys() {
    let console = TestConsole::with_sandbox().await;
    let (td, mesh) = mesh_with_root(&console).await;
    let manager = console.signed_in("mia", Role::Manager, false).await;
    let cluster: ClusterName = CLUSTER.parse().unwrap();
    let certs = test_ca()
        .issue_intermediate(&mesh, &cluster, &td)
        .await
        .unwrap();
    let secrets: Api<Secret> = Api::namespaced(
        console.state.fleet().client(CLUSTER).unwrap(),
        "istio-system",
    );
    let secret = Secret {
        metadata: ObjectMeta {
            name: Some("cacerts".into()),
            ..ObjectMeta::default()
        },
        string_data: Some(certs.secret_data()),
        ..Secret::default()
    };
    secrets
        .create(&PostParams::default(), &secret)
        .await
        .unwrap();

    let response = console.get_as(shared::routes::TRUST, Some(&manager)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = body_bytes(response).await;
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(!text.contains("PRIVATE KEY") && !text.contains("ca-key"));
    let inventory: TrustInventory = serde_json::from_slice(&bytes).unwrap();
    let eu = inventory
        .clusters
        .iter()
        .find(|c| c.cluster == CLUSTER)
        .unwrap();
    let root = test_ca().root(&mesh).await.unwrap().unwrap();
    assert_eq!(
        eu.root_fingerprint.as_deref(),
        Some(root.sha256_fingerprint.as_str())
    );
    assert_eq!(eu.ca_mode, Some(CaMode::IstioCaPluginCerts));
    assert_eq!(
        eu.intermediate_subject.as_deref(),
        Some(format!("O={mesh}, CN=Intermediate CA {CLUSTER}").as_str())
    );
    assert!(eu.intermediate_not_after.is_some() && eu.warnings.is_empty());
    let us = inventory
        .clusters
        .iter()
        .find(|c| c.cluster == "gke-us")
        .unwrap();
    assert!(us.root_fingerprint.is_none());
}

/// A CA request is signed by the mesh root whatever signer it names: one
/// naming `istio.io/workload` still needs the mesh root's two officers.
#[tokio::test]
async fn a_ca_request_under_the_workload_signer_still_needs_two_officers() {
    let console = TestConsole::with_sandbox().await;
    let (td, _) = mesh_with_root(&console).await;
    let officer = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    let key = KeyPair::generate().unwrap();
    let spiffe = format!("spiffe://{td}/ns/istio-system/sa/istiod-service-account");
    let name = unique("istiod-ca-as-workload");
    create(
        &console,
        &name,
        request(std::slice::from_ref(&spiffe), true, &key).as_bytes(),
        "istio.io/workload",
        ISTIOD,
    )
    .await;
    let response = post(&console, &officer, &approve_path(&name), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let outcome: ApproveOutcome = serde_json::from_value(body_json(response).await).unwrap();
    assert!(
        matches!(outcome, ApproveOutcome::Pending { required: 2, .. }),
        "{outcome:?}"
    );
    let csr = observed(&console, &name).await;
    assert!(
        issued_chain(&csr).is_none(),
        "one officer signed a CA: {csr}"
    );
}
