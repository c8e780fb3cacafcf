//! The `meshdeck` maintenance subcommands, run as the real binary against
//! a state directory.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use backend::store::Store;

use crate::support::temp_dir;

fn meshdeck(state: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_meshdeck"))
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn accounts_are_created_listed_and_the_chain_verified() {
    let state = temp_dir("cli");
    let out = meshdeck(
        &state,
        &["account", "create", "root", "--role", "manager", "--admin"],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let generated = text(&out.stdout).trim().to_owned();
    assert_eq!(
        generated.len(),
        20,
        "the generated password is printed once: {generated:?}"
    );

    let out = meshdeck(
        &state,
        &[
            "account",
            "create",
            "olga",
            "--role",
            "operator",
            "--password-stdin",
        ],
        "chosen by olga herself\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "", "a chosen password is not echoed");

    let out = meshdeck(&state, &["account", "list"], "");
    assert_eq!(text(&out.stdout), "olga\toperator\nroot\tmanager admin\n");

    let again = meshdeck(
        &state,
        &["account", "create", "olga", "--role", "manager"],
        "",
    );
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already exists"));

    let out = meshdeck(&state, &["account", "reset-password", "root"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let reset = text(&out.stdout).trim().to_owned();
    assert!(
        reset.len() == 20 && reset != generated,
        "a new password: {reset:?}"
    );
    let nobody = meshdeck(&state, &["account", "reset-password", "nobody"], "");
    assert!(!nobody.status.success());
    assert!(text(&nobody.stderr).contains("no account named \"nobody\""));

    let out = meshdeck(&state, &["audit", "verify"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "audit chain intact: 3 entries\n");

    let store = Store::open_sqlite_in(&state).await.unwrap();
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM accounts WHERE name = 'olga'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));
    sqlx::query("UPDATE audit SET params = '[\"role=manager\",\"admin=true\"]' WHERE seq = 2")
        .execute(store.pool())
        .await
        .unwrap();
    store.close().await;

    let out = meshdeck(&state, &["audit", "verify"], "");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("broken at entry 2"), "{err}");
}

#[tokio::test]
async fn the_cli_keys_the_log_and_checks_it_against_checkpoints() {
    use std::os::unix::fs::PermissionsExt;

    let state = temp_dir("cli-keyed");
    let out = meshdeck(
        &state,
        &["account", "create", "root", "--role", "manager", "--admin"],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let key_file = state.join("audit.key");
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the key is created for its owner only");
    assert!(state.join("audit-checkpoint.json").is_file());

    let shipped = temp_dir("cli-shipped").join("checkpoint.json");
    let out = meshdeck(
        &state,
        &["audit", "checkpoint", "--out", shipped.to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = meshdeck(&state, &["audit", "checkpoint"], "");
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["seq"], 1);
    let out = meshdeck(
        &state,
        &["audit", "verify", "--checkpoint", shipped.to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "audit chain intact: 1 entries\n");
    assert!(text(&out.stderr).contains("checkpoint of entry 1"));

    // Emptied: the database alone cannot tell, the checkpoints can.
    let store = Store::open_sqlite_in(&state).await.unwrap();
    for table in ["audit", "audit_head"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(store.pool())
            .await
            .unwrap();
    }
    store.close().await;
    for args in [
        &["audit", "verify", "--checkpoint", shipped.to_str().unwrap()][..],
        &["audit", "verify"][..],
    ] {
        let out = meshdeck(&state, args, "");
        assert!(!out.status.success(), "{args:?}");
        assert!(
            text(&out.stderr).contains("emptied"),
            "{}",
            text(&out.stderr)
        );
    }
    let out = meshdeck(&state, &["audit", "checkpoint"], "");
    assert!(!out.status.success(), "no checkpoint of a broken log");

    // A key others may read is refused, by the commands and the server.
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = meshdeck(&state, &["audit", "verify"], "");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("group or others"),
        "{}",
        text(&out.stderr)
    );
    let cli = <backend::config::Cli as clap::Parser>::parse_from([
        "meshdeck",
        "--state-dir",
        state.to_str().unwrap(),
    ]);
    let err = cli.config.audit_key().unwrap_err();
    assert!(err.to_string().contains("group or others"), "{err}");
}
