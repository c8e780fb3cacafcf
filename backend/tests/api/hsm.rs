//! HSM mode through the API (SPEC §2.2 mode 3, seed 004) against a real
//! OpenBao dev server and the test SoftHSM2: provisioning a cluster's slot
//! (PINs into Vault, slot, KEK), the checks preflight relies on, and every
//! way Vault and the HSM can disagree — each a clear error that changes
//! nothing.

use axum::http::StatusCode;
use hsm::HsmCredentials;
use hsm::dev_vault::DevVault;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::api::rbac::v1::ClusterRoleBinding;
use kube::api::Api;
use shared::Role;
use shared::mesh::hsm::IstiodVaultLogin;
use shared::mesh::{CaMode, Check, HsmReadiness, HsmSettings, HsmSlotProvisioned, Verdict};

use crate::mesh::{console, post, review, settings};
use crate::support::{Session, TestConsole, api_error, body_json};

/// A slot of `cluster` no earlier run used (`asm-<cluster>.t<random>`):
/// the token files persist under target/softhsm while each run's Vault is
/// new.
pub(crate) fn fresh_slot(cluster: &str) -> String {
    format!(
        "asm-{cluster}.t{}",
        &backend::auth::secrets::random_token()[..8].to_lowercase()
    )
}

pub(crate) fn vault() -> hsm::Vault {
    let dev = DevVault::shared();
    hsm::Vault::new(&dev.addr, &dev.root_token).unwrap()
}

/// A console on the sandbox fleet with the dev Vault configured.
pub(crate) async fn hsm_console() -> (TestConsole, Session) {
    let (console, operator) = console().await;
    let console = console.reconfigured(|state| state.with_vault(vault()));
    (console, operator)
}

async fn provision(
    console: &TestConsole,
    session: &Session,
    cluster: &str,
    slot: &str,
) -> axum::response::Response {
    post(
        console,
        session,
        &format!("/api/clusters/{cluster}/hsm/slot"),
        serde_json::json!({"slot_label": slot, "secret_path": format!("{slot}/hsm")}),
    )
    .await
}

pub(crate) async fn provisioned(
    console: &TestConsole,
    session: &Session,
    cluster: &str,
    slot: &str,
) -> HsmSlotProvisioned {
    let response = provision(console, session, cluster, slot).await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

async fn check(console: &TestConsole, session: &Session, settings: &HsmSettings) -> HsmReadiness {
    check_on(console, session, "onprem-vmware-1", settings).await
}

async fn check_on(
    console: &TestConsole,
    session: &Session,
    cluster: &str,
    settings: &HsmSettings,
) -> HsmReadiness {
    let response = post(
        console,
        session,
        &format!("/api/clusters/{cluster}/hsm/check"),
        serde_json::to_value(settings).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

#[tokio::test]
async fn provisioning_stores_the_pins_in_vault_makes_the_slot_and_kek_and_is_idempotent() {
    let (console, operator) = hsm_console().await;
    let slot = fresh_slot("onprem-vmware-1");
    let first = provisioned(&console, &operator, "onprem-vmware-1", &slot).await;
    assert!(first.slot_initialised && first.credentials_stored && first.kek_generated);
    assert_eq!(first.settings.vault_addr, DevVault::shared().addr);
    assert_eq!(first.settings.secret_path, format!("{slot}/hsm"));
    assert_eq!(
        first.settings.kek_id.len(),
        36,
        "a UUID the operator can see"
    );

    // The PIN lives in Vault and never in a response or the audit log.
    let credentials = vault()
        .credentials(&first.settings.secret_path)
        .await
        .unwrap();
    let again = provision(&console, &operator, "onprem-vmware-1", &slot).await;
    assert_eq!(again.status(), StatusCode::OK);
    let text = String::from_utf8(crate::support::body_bytes(again).await).unwrap();
    assert!(!text.contains(&credentials.pin));
    let again: HsmSlotProvisioned = serde_json::from_str(&text).unwrap();
    assert!(!again.slot_initialised && !again.credentials_stored);
    assert!(
        again.kek_generated,
        "no KEK id was given, so a new one was made"
    );
    let keep = post(
        &console,
        &operator,
        "/api/clusters/onprem-vmware-1/hsm/slot",
        serde_json::json!({"slot_label": slot, "secret_path": format!("{slot}/hsm"), "kek_id": first.settings.kek_id}),
    )
    .await;
    let keep: HsmSlotProvisioned = serde_json::from_value(body_json(keep).await).unwrap();
    assert!(!keep.kek_generated, "the named KEK is kept");

    let ready = check(&console, &operator, &first.settings).await;
    assert_eq!(ready.problem, None);
    assert!(ready.kek_ids.contains(&first.settings.kek_id));
    let audit = console.audit(&operator, "action=mesh.hsm.provision").await;
    assert_eq!(audit.entries.len(), 3);
    let entries = serde_json::to_string(&audit.entries).unwrap();
    assert!(entries.contains(&first.settings.kek_id));
    assert!(!entries.contains(&credentials.pin));
}

/// The API server the console reaches `cluster` at (its kubeconfig's).
fn api_server(console: &TestConsole, cluster: &str) -> String {
    let fleet = console.sandbox.as_ref().unwrap();
    fleet
        .members
        .iter()
        .find(|m| m.cluster.name == cluster)
        .unwrap()
        .server
        .clone()
}

#[tokio::test]
async fn istiod_may_read_its_pin_only_once_provisioning_has_set_up_its_vault_login() {
    let (console, operator) = hsm_console().await;
    let addr = DevVault::shared().addr.clone();
    // Set up by hand, as in the seed's first steps: the PIN in Vault, the
    // slot and its KEK; but no Kubernetes auth for istiod.
    let slot = fresh_slot("onprem-vmware-1");
    let path = format!("{slot}/hsm");
    let credentials = HsmCredentials::generate();
    vault()
        .write_credentials(&path, &credentials)
        .await
        .unwrap();
    let module = hsm::softhsm::module_from_env().unwrap();
    hsm::provision_slot(module, &slot, &credentials).unwrap();
    let kek = hsm::new_kek_id();
    hsm::with_slot(module, &slot, &credentials.pin, |s| s.ensure_kek(&kek)).unwrap();
    let settings = HsmSettings {
        slot_label: slot.clone(),
        kek_id: kek.clone(),
        vault_addr: addr.clone(),
        secret_path: path.clone(),
    };
    let checked = check(&console, &operator, &settings).await;
    assert_eq!(
        checked.problem,
        Some(format!(
            "Vault at {addr} has no Kubernetes auth at auth/{path} for istiod to log in with: provision the slot to set it up"
        ))
    );
    assert_eq!(
        checked.kek_ids,
        vec![kek.clone()],
        "the slot itself is fine"
    );

    // Provisioning keeps the slot, PIN and KEK, and adds istiod's login.
    let done = post(
        &console,
        &operator,
        "/api/clusters/onprem-vmware-1/hsm/slot",
        serde_json::json!({"slot_label": slot, "secret_path": path, "kek_id": kek}),
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    let done: HsmSlotProvisioned = serde_json::from_value(body_json(done).await).unwrap();
    assert!(!done.slot_initialised && !done.credentials_stored && !done.kek_generated);
    let onprem = api_server(&console, "onprem-vmware-1");
    assert_eq!(
        done.istiod_login,
        IstiodVaultLogin {
            auth_path: format!("auth/{path}/login"),
            role: "istiod".into(),
            policy: format!("{slot}-hsm-policy"),
            api_server: onprem.clone(),
            token_reviewer: "kube-system/meshdeck-vault-token-reviewer".into(),
        }
    );
    assert_eq!(check(&console, &operator, &settings).await.problem, None);

    // Vault reviews istiod's tokens as a service account the console made,
    // bound to system:auth-delegator; without its token Secret the check
    // says so, and provisioning again makes a new one.
    let member = console.state.fleet().client("onprem-vmware-1").unwrap();
    let binding = Api::<ClusterRoleBinding>::all(member.clone())
        .get("meshdeck-vault-token-reviewer")
        .await
        .unwrap();
    assert_eq!(binding.role_ref.name, "system:auth-delegator");
    let secrets = Api::<Secret>::namespaced(member, "kube-system");
    secrets
        .delete("meshdeck-vault-token-reviewer-token", &Default::default())
        .await
        .unwrap();
    assert_eq!(
        check(&console, &operator, &settings).await.problem,
        Some("onprem-vmware-1 has no token reviewer for Vault (Secret kube-system/meshdeck-vault-token-reviewer-token): Vault could not check istiod's token; provision the slot to set it up".into())
    );
    let again = post(
        &console,
        &operator,
        "/api/clusters/onprem-vmware-1/hsm/slot",
        serde_json::json!({"slot_label": slot, "secret_path": path, "kek_id": kek}),
    )
    .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(check(&console, &operator, &settings).await.problem, None);

    // Another member may not even check this slot.
    let other = check_on(&console, &operator, "gke-us", &settings).await;
    assert_eq!(
        other.problem,
        Some(format!(
            "slot {slot:?} is not gke-us's: its slot is \"asm-gke-us\" (or asm-gke-us.<suffix> for another slot of it)"
        ))
    );
    // The login checks tokens against this member's API server only: one
    // re-pointed by hand elsewhere is found out.
    let elsewhere = "https://elsewhere.example:6443";
    let config = bao(&["read", "-format=json", &format!("auth/{path}/config")]);
    let config: serde_json::Value = serde_json::from_str(&config).unwrap();
    let ca_file = crate::support::temp_dir("vault-ca").join("ca.pem");
    std::fs::write(
        &ca_file,
        config["data"]["kubernetes_ca_cert"].as_str().unwrap(),
    )
    .unwrap();
    bao(&[
        "write",
        &format!("auth/{path}/config"),
        &format!("kubernetes_host={elsewhere}"),
        &format!("kubernetes_ca_cert=@{}", ca_file.display()),
        "disable_local_ca_jwt=true",
    ]);
    assert_eq!(
        check(&console, &operator, &settings).await.problem,
        Some(format!(
            "Vault at {addr} reviews istiod's tokens at auth/{path} against {elsewhere}, not this cluster's API server {onprem}: provision the slot again to point it here"
        ))
    );
}

/// Runs the OpenBao CLI against the test Vault as root.
pub(crate) fn bao(args: &[&str]) -> String {
    let out = bao_as(&DevVault::shared().root_token, args);
    assert!(out.status.success(), "bao {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Runs the OpenBao CLI against the test Vault with `token`, whatever it
/// answers.
pub(crate) fn bao_as(token: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(hsm::dev_vault::bao_binary().unwrap())
        .args(args)
        .env("BAO_ADDR", &DevVault::shared().addr)
        .env("BAO_TOKEN", token)
        .output()
        .unwrap()
}

/// A self-signed certificate for `name` and its key, PEM.
fn certified(name: &str) -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec![name.to_owned()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

#[tokio::test]
async fn a_network_hsms_client_and_server_certificates_go_to_vault_and_only_their_names_come_back()
{
    let (console, operator) = hsm_console().await;
    let slot = fresh_slot("onprem-vmware-1");
    let path = format!("{slot}/hsm");
    let (client_cert, client_key) = certified("istiod.onprem-vmware-1.hsm");
    let (server_cert, other_key) = certified("luna.example");
    let body = |key: &str| {
        serde_json::json!({"slot_label": slot, "secret_path": path, "network": {
            "client_cert": client_cert, "client_key": key, "server_cert": server_cert}})
    };
    let url = "/api/clusters/onprem-vmware-1/hsm/slot";

    // A key of another certificate: refused before anything is made.
    let refused = post(&console, &operator, url, body(&other_key)).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        api_error(refused).await.message,
        "network HSM credentials: the client key is not the key of the client certificate; nothing was changed"
    );
    assert!(vault().read_credentials(&path).await.unwrap().is_none());
    let garbled = post(
        &console,
        &operator,
        url,
        serde_json::json!({"slot_label": slot, "secret_path": path, "network": {
            "client_cert": "not pem", "client_key": client_key, "server_cert": server_cert}}),
    )
    .await;
    assert_eq!(garbled.status(), StatusCode::BAD_REQUEST);
    assert!(
        api_error(garbled)
            .await
            .message
            .contains("the client certificate must be one PEM CERTIFICATE block")
    );

    let response = post(&console, &operator, url, body(&client_key)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = String::from_utf8(crate::support::body_bytes(response).await).unwrap();
    assert!(!text.contains("PRIVATE KEY"), "the key never comes back");
    let done: HsmSlotProvisioned = serde_json::from_str(&text).unwrap();
    assert!(done.credentials_stored && done.network_stored);
    let network = done.network.unwrap();
    assert_eq!(network.client_subject, "CN=istiod.onprem-vmware-1.hsm");
    assert_eq!(network.server_subject, "CN=luna.example");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(network.client_not_after > now, "{network:?}");
    let held = vault().credentials(&path).await.unwrap();
    assert_eq!(held.client_cert.as_deref(), Some(client_cert.as_str()));
    assert_eq!(held.client_key.as_deref(), Some(client_key.as_str()));
    assert_eq!(held.server_cert.as_deref(), Some(server_cert.as_str()));

    // Again with the same: nothing new is written, the PIN is kept.
    let again = post(&console, &operator, url, body(&client_key)).await;
    let again: HsmSlotProvisioned = serde_json::from_value(body_json(again).await).unwrap();
    assert!(!again.credentials_stored && !again.network_stored);
    // A renewed client certificate: a new version, the same PIN.
    let (renewed_cert, renewed_key) = certified("istiod.onprem-vmware-1.hsm");
    let renewed = post(
        &console,
        &operator,
        url,
        serde_json::json!({"slot_label": slot, "secret_path": path, "network": {
            "client_cert": renewed_cert, "client_key": renewed_key, "server_cert": server_cert}}),
    )
    .await;
    let renewed: HsmSlotProvisioned = serde_json::from_value(body_json(renewed).await).unwrap();
    assert!(!renewed.credentials_stored && renewed.network_stored);
    let now_held = vault().credentials(&path).await.unwrap();
    assert_eq!(now_held.pin, held.pin);
    assert_eq!(now_held.client_cert.as_deref(), Some(renewed_cert.as_str()));

    let audit = console.audit(&operator, "action=mesh.hsm.provision").await;
    let entries = serde_json::to_string(&audit.entries).unwrap();
    assert!(
        entries.contains("network_credentials_stored=true"),
        "{entries}"
    );
    assert!(!entries.contains("PRIVATE KEY"));
}

#[tokio::test]
async fn a_pin_that_vault_does_not_have_is_refused_everywhere_and_changes_nothing() {
    let (console, operator) = hsm_console().await;
    let slot = fresh_slot("onprem-vmware-1");
    let done = provisioned(&console, &operator, "onprem-vmware-1", &slot).await;
    let path = done.settings.secret_path.clone();
    let right = vault().credentials(&path).await.unwrap();

    // Vault's PIN no longer opens the slot.
    vault()
        .write_credentials(&path, &HsmCredentials::pin("not-the-slot-pin"))
        .await
        .unwrap();
    let checked = check(&console, &operator, &done.settings).await;
    assert_eq!(
        checked.problem.as_deref(),
        Some(format!("the HSM rejected the PIN for slot {slot:?}").as_str())
    );
    let refused = provision(&console, &operator, "onprem-vmware-1", &slot).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let message = api_error(refused).await.message;
    assert!(message.contains("rejected the PIN"), "{message}");
    assert!(message.contains("nothing was changed"), "{message}");

    // Preflight refuses an install with it, and no override sets that aside.
    let mut s = settings(&console, &operator, "onprem-vmware-1", CaMode::Hsm).await;
    s.hsm = Some(done.settings.clone());
    console.mesh_root(&s.mesh_id).await;
    let plan = review(&console, &operator, "onprem-vmware-1", &s).await;
    let ca = plan.preflight.result(Check::CaMode).unwrap();
    assert_eq!(ca.verdict, Verdict::Fail);
    assert!(!ca.overridable);
    assert!(ca.evidence[0].contains("rejected the PIN"), "{ca:?}");
    assert!(plan.blocked.is_some());

    // Vault without any PIN at the path: the slot exists, so nothing is
    // made up; with the right PIN back, all is well again.
    let empty_path = format!("{slot}/elsewhere");
    let missing = post(
        &console,
        &operator,
        "/api/clusters/onprem-vmware-1/hsm/slot",
        serde_json::json!({"slot_label": slot, "secret_path": empty_path}),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::CONFLICT);
    let message = api_error(missing).await.message;
    assert!(message.contains("has no PIN at secret/"), "{message}");
    assert!(
        vault()
            .read_credentials(&empty_path)
            .await
            .unwrap()
            .is_none()
    );
    let mut elsewhere = done.settings.clone();
    elsewhere.secret_path = empty_path.clone();
    let checked = check(&console, &operator, &elsewhere).await;
    assert!(
        checked
            .problem
            .as_deref()
            .is_some_and(|p| p.contains(&format!("has no HSM PIN at secret/{empty_path}"))),
        "{checked:?}"
    );
    vault().write_credentials(&path, &right).await.unwrap();
    assert_eq!(
        check(&console, &operator, &done.settings).await.problem,
        None
    );
}

#[tokio::test]
async fn settings_naming_another_vault_or_the_root_token_are_refused() {
    let (console, operator) = hsm_console().await;
    let slot = fresh_slot("onprem-vmware-1");
    let done = provisioned(&console, &operator, "onprem-vmware-1", &slot).await;
    let mut other = done.settings.clone();
    other.vault_addr = "https://vault.elsewhere.example:8200".into();
    let checked = check(&console, &operator, &other).await;
    assert!(
        checked.problem.as_deref().is_some_and(
            |p| p.contains("the console can only check and provision slots in its own Vault")
        ),
        "{checked:?}"
    );
    let root = console.state.ca().unwrap().token().token_label.clone();
    let refused = provision(&console, &operator, "onprem-vmware-1", &root).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let message = api_error(refused).await.message;
    assert!(message.contains("is not onprem-vmware-1's"), "{message}");
    let unknown = provision(&console, &operator, "no-such-cluster", &slot).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_operators_provision_slots() {
    let (console, _) = hsm_console().await;
    let manager = console.signed_in("manager", Role::Manager, false).await;
    let officer = console
        .signed_in("officer", Role::SecurityOfficer, false)
        .await;
    for session in [&manager, &officer] {
        let response = provision(
            &console,
            session,
            "onprem-vmware-1",
            &fresh_slot("onprem-vmware-1"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn without_a_vault_the_console_says_so() {
    let (console, operator) = console().await;
    let response = provision(
        &console,
        &operator,
        "onprem-vmware-1",
        &fresh_slot("onprem-vmware-1"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(
        api_error(response)
            .await
            .message
            .contains("no Vault configured")
    );
}
