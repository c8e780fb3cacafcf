//! Slot credentials in a real OpenBao dev server.

use hsm::dev_vault::DevVault;
use hsm::{HsmCredentials, Vault, VaultError};

#[tokio::test]
async fn credentials_are_written_read_and_missing_ones_are_named() {
    let server = DevVault::shared();
    let vault = Vault::new(&server.addr, &server.root_token).unwrap();
    assert!(
        vault
            .read_credentials("asm-t1/hsm")
            .await
            .unwrap()
            .is_none()
    );
    let err = vault.credentials("asm-t1/hsm").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Vault at {} has no HSM PIN at secret/asm-t1/hsm",
            server.addr
        )
    );

    let credentials = HsmCredentials::generate();
    vault
        .write_credentials("asm-t1/hsm", &credentials)
        .await
        .unwrap();
    // The SO PIN is kept apart, out of the secret istiod's policy reads.
    assert_eq!(
        vault.credentials("secret/asm-t1/hsm").await.unwrap(),
        HsmCredentials {
            so_pin: None,
            ..credentials.clone()
        }
    );
    let officer = vault
        .read_credentials(&hsm::officer_path("asm-t1/hsm"))
        .await
        .unwrap();
    assert!(officer.is_none(), "no user PIN beside the SO PIN");

    // A soft-deleted secret (`bao kv delete`) holds no PIN either.
    let bao = hsm::dev_vault::bao_binary().unwrap();
    let deleted = std::process::Command::new(bao)
        .args(["kv", "delete", "secret/asm-t1/hsm"])
        .env("BAO_ADDR", &server.addr)
        .env("BAO_TOKEN", &server.root_token)
        .output()
        .unwrap();
    assert!(deleted.status.success(), "{deleted:?}");
    assert!(
        vault
            .read_credentials("asm-t1/hsm")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_bad_token_and_an_unreachable_server_are_told_apart() {
    let server = DevVault::shared();
    let denied = Vault::new(&server.addr, "not-a-token").unwrap();
    let err = denied.read_credentials("asm-t2/hsm").await.unwrap_err();
    assert!(matches!(err, VaultError::Refused { .. }), "{err}");
    assert!(err.to_string().contains("HTTP 403"), "{err}");

    let nobody = Vault::new("http://127.0.0.1:9", "t").unwrap();
    let err = nobody.read_credentials("asm-t2/hsm").await.unwrap_err();
    assert!(matches!(err, VaultError::Unreachable { .. }), "{err}");
}

#[tokio::test]
async fn a_secret_stored_as_the_seed_does_is_read() {
    let server = DevVault::shared();
    let vault = Vault::new(&server.addr, &server.root_token).unwrap();
    // seed 004: `vault kv put ${HSM_SECRET_PATH} clientcert=… clientkey=…
    // servercert=… PIN=…`
    let bao = hsm::dev_vault::bao_binary().unwrap();
    let put = std::process::Command::new(bao)
        .args([
            "kv",
            "put",
            "secret/asm-t2/hsm",
            "clientcert=CLIENT CERT",
            "clientkey=CLIENT KEY",
            "servercert=SERVER CERT",
            "PIN=4321",
        ])
        .env("BAO_ADDR", &server.addr)
        .env("BAO_TOKEN", &server.root_token)
        .output()
        .unwrap();
    assert!(put.status.success(), "{put:?}");
    let read = vault.credentials("asm-t2/hsm").await.unwrap();
    assert_eq!(read.pin, "4321");
    assert_eq!(read.client_cert.as_deref(), Some("CLIENT CERT"));
    assert_eq!(read.client_key.as_deref(), Some("CLIENT KEY"));
    assert_eq!(read.server_cert.as_deref(), Some("SERVER CERT"));
    assert_eq!(read.so_pin, None);
}

#[tokio::test]
async fn a_secret_in_the_seeds_kv_v1_engine_per_cluster_is_read() {
    let server = DevVault::shared();
    let vault = Vault::new(&server.addr, &server.root_token).unwrap();
    let bao = |args: &[&str]| {
        let out = std::process::Command::new(hsm::dev_vault::bao_binary().unwrap())
            .args(args)
            .env("BAO_ADDR", &server.addr)
            .env("BAO_TOKEN", &server.root_token)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    // seed 004: `vault secrets enable -path=$SECRET_PATH kv`, then
    // `vault kv put ${SECRET_PATH}/hsm … PIN=…`.
    bao(&["secrets", "enable", "-path=asm-t3", "kv"]);
    bao(&[
        "kv",
        "put",
        "asm-t3/hsm",
        "PIN=2468",
        "servercert=SERVER CERT",
    ]);
    let read = vault.credentials("asm-t3/hsm").await.unwrap();
    assert_eq!(read.pin, "2468");
    assert_eq!(read.server_cert.as_deref(), Some("SERVER CERT"));
    // Nothing at either place: still none, and no engine is no error.
    assert!(
        vault
            .read_credentials("asm-t3/other")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        vault
            .read_credentials("asm-nowhere/hsm")
            .await
            .unwrap()
            .is_none()
    );
}

/// A Vault that accepts the connection and never answers fails the call
/// after the client's timeout instead of holding its caller.
#[tokio::test]
async fn a_vault_that_never_answers_fails_after_the_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts and keeps each connection open, silent.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().map_while(Result::ok) {
            held.push(stream);
        }
    });
    let vault = Vault::with_timeout(
        &format!("http://{addr}"),
        "t",
        std::time::Duration::from_secs(1),
    )
    .unwrap();
    // The outer bound only catches a hang; the client's own 1 s ends it.
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        vault.read_credentials("asm-t2/hsm"),
    )
    .await
    .expect("the client gave up by itself");
    let err = answer.unwrap_err();
    assert!(matches!(err, VaultError::Unreachable { .. }), "{err}");
}
