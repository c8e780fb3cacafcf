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
