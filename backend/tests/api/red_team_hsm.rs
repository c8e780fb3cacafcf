//! An operator account turned against HSM provisioning (issue: separation
//! of duties). Each attack is refused, and Vault and the token read back
//! exactly as before.

use axum::http::StatusCode;
use hsm::dev_vault::DevVault;

use crate::hsm::{bao, bao_as, fresh_slot, hsm_console, provisioned};
use crate::mesh::post;
use crate::support::api_error;

/// What provisioning could have touched in Vault, as far as `relevant`
/// names go (other tests share the Vault): auth mounts with their
/// settings, policies with their rules, and the named secrets' data.
fn vault_state(relevant: impl Fn(&str) -> bool, secrets: &[&str]) -> Vec<String> {
    let mut state = Vec::new();
    let mounts: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&bao(&["auth", "list", "-format=json"])).unwrap();
    for (path, mount) in mounts.iter().filter(|(path, _)| relevant(path)) {
        state.push(format!(
            "mount {path} {} {}",
            mount["type"], mount["accessor"]
        ));
    }
    let policies: Vec<String> =
        serde_json::from_str(&bao(&["policy", "list", "-format=json"])).unwrap();
    for policy in policies.iter().filter(|p| relevant(p)) {
        state.push(format!(
            "policy {policy}: {}",
            bao(&["policy", "read", policy])
        ));
    }
    for path in secrets {
        let secret = format!("secret/{path}");
        let root = &DevVault::shared().root_token;
        let out = bao_as(root, &["kv", "get", "-format=json", "-field=data", &secret]);
        state.push(format!(
            "secret {path}: {}",
            String::from_utf8_lossy(&out.stdout)
        ));
    }
    state
}

/// Names no other test makes (they all use `asm-<cluster>…`).
fn not_a_slots(name: &str) -> bool {
    !name.starts_with("asm-") && !matches!(name, "root" | "default")
}

/// Attack: point another cluster's istiod login (and with it its PIN and
/// SO PIN) at this cluster's API server by naming its slot and path.
#[tokio::test]
async fn another_clusters_slot_cannot_be_provisioned_from_here() {
    let (console, operator) = hsm_console().await;
    let slot = fresh_slot("onprem-vmware-1");
    let path = format!("{slot}/hsm");
    provisioned(&console, &operator, "onprem-vmware-1", &slot).await;
    let config = || {
        let read = bao(&["read", "-format=json", &format!("auth/{path}/config")]);
        serde_json::from_str::<serde_json::Value>(&read).unwrap()["data"].clone()
    };
    let relevant = |name: &str| name.contains(&slot) || name.contains("gke-eu");
    let (before, config_before) = (vault_state(relevant, &[&path]), config());

    let refused = post(
        &console,
        &operator,
        "/api/clusters/gke-eu/hsm/slot",
        serde_json::json!({"slot_label": slot, "secret_path": path}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let message = api_error(refused).await.message;
    assert!(message.contains("is not gke-eu's"), "{message}");
    assert_eq!(vault_state(relevant, &[&path]), before);
    assert_eq!(
        config(),
        config_before,
        "onprem's login still trusts onprem"
    );
}

/// Attack: name Vault paths that belong to something else (an existing
/// auth mount, an unrelated secret, a policy, Vault's own trees).
#[tokio::test]
async fn vault_paths_outside_the_clusters_own_are_refused_and_change_nothing() {
    let (console, operator) = hsm_console().await;
    bao(&["kv", "put", "secret/app/db", "password=hunter2"]);
    let before = vault_state(not_a_slots, &["app/db", "ops", "kubernetes"]);
    for path in [
        "kubernetes",
        "app/db",
        "ops",
        "../../sys/policy/x",
        "asm-gke-eu/../ops",
    ] {
        let refused = post(
            &console,
            &operator,
            "/api/clusters/gke-eu/hsm/slot",
            serde_json::json!({"slot_label": "asm-gke-eu", "secret_path": path}),
        )
        .await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{path}");
        let message = api_error(refused).await.message;
        assert!(message.contains("secret path"), "{path}: {message}");
    }
    assert_eq!(
        vault_state(not_a_slots, &["app/db", "ops", "kubernetes"]),
        before
    );
}

/// A policy or auth mount the console did not make stops provisioning
/// before anything is written: no PIN, no slot, no policy change.
#[tokio::test]
async fn what_the_console_did_not_make_is_refused_before_anything_is_written() {
    let (console, operator) = hsm_console().await;
    let module = hsm::softhsm::module_from_env().unwrap();

    let slot = fresh_slot("gke-eu");
    let path = format!("{slot}/hsm");
    let policy = format!("{slot}-hsm-policy");
    let rules = "path \"secret/data/*\" {\n  capabilities = [\"read\"]\n}\n";
    let rules_file = crate::support::temp_dir("policy").join("rules.hcl");
    std::fs::write(&rules_file, rules).unwrap();
    bao(&["policy", "write", &policy, rules_file.to_str().unwrap()]);
    let relevant = |name: &str| name.contains(&slot);
    let before = vault_state(relevant, &[&path]);
    let refused = post(
        &console,
        &operator,
        "/api/clusters/gke-eu/hsm/slot",
        serde_json::json!({"slot_label": slot, "secret_path": path}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let message = api_error(refused).await.message;
    assert!(
        message.contains(&format!("policy {policy} exists")),
        "{message}"
    );
    assert_eq!(
        vault_state(relevant, &[&path]),
        before,
        "no PIN, no policy change"
    );
    assert!(!hsm::slot_exists(module, &slot).unwrap(), "no slot");

    let slot = fresh_slot("gke-eu");
    let path = format!("{slot}/hsm");
    bao(&["auth", "enable", &format!("-path={path}"), "userpass"]);
    let relevant = |name: &str| name.contains(&slot);
    let before = vault_state(relevant, &[&path]);
    let refused = post(
        &console,
        &operator,
        "/api/clusters/gke-eu/hsm/slot",
        serde_json::json!({"slot_label": slot, "secret_path": path}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let message = api_error(refused).await.message;
    assert!(message.contains("\"userpass\" auth method"), "{message}");
    assert_eq!(vault_state(relevant, &[&path]), before);
    assert!(!hsm::slot_exists(module, &slot).unwrap());
}

/// istiod's policy reads its PIN (and network credentials) but not the
/// security officer PIN, which would let it re-initialise the slot.
#[tokio::test]
async fn istiods_policy_reads_the_pin_but_not_the_so_pin() {
    let (console, operator) = hsm_console().await;
    let slot = fresh_slot("onprem-vmware-1");
    let done = provisioned(&console, &operator, "onprem-vmware-1", &slot).await;
    let path = done.settings.secret_path;
    let token = bao(&[
        "token",
        "create",
        &format!("-policy={}", done.istiod_login.policy),
        "-field=token",
    ]);
    let as_istiod = |secret: &str| {
        bao_as(
            token.trim(),
            &["kv", "get", "-format=json", "-field=data", secret],
        )
    };
    let own = as_istiod(&format!("secret/{path}"));
    assert!(own.status.success(), "{own:?}");
    let data: serde_json::Value = serde_json::from_slice(&own.stdout).unwrap();
    assert!(data["pin"].is_string(), "{data}");
    assert!(data.get("so-pin").is_none(), "{data}");
    let officer = as_istiod(&format!("secret/{path}/officer"));
    assert!(!officer.status.success(), "{officer:?}");
    assert!(
        String::from_utf8_lossy(&officer.stderr).contains("403"),
        "{officer:?}"
    );
    // The console keeps the SO PIN, beside the secret.
    let stored = bao(&[
        "kv",
        "get",
        "-field=so-pin",
        &format!("secret/{path}/officer"),
    ]);
    assert_eq!(stored.trim().len(), 32);
}
