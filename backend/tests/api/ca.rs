//! The mesh CA behind Istio CA mode: roots kept in the PKCS#11 test token,
//! one intermediate per cluster, `cacerts` bundles checked with webpki, and
//! what a misconfigured token says.

use backend::clock::Clock;
use backend::security::ca::{CaCerts, CaError, CertificateAuthority, TokenConfig, embedded};
use sha2::{Digest, Sha256};
use shared::ClusterName;
use shared::mesh::MeshId;
use shared::mesh::plan::CACERTS_KEYS;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::support::{temp_dir, test_ca};

const TRUST_DOMAIN: &str = "project-a.svc.id.goog";

/// A mesh no other test (or earlier run, the token persists) has used.
fn fresh_mesh() -> MeshId {
    format!("proj-{}", rand::random::<u64>()).parse().unwrap()
}

fn cluster(name: &str) -> ClusterName {
    name.parse().unwrap()
}

fn der(pem_text: &str) -> Vec<u8> {
    pem::parse(pem_text).unwrap().into_contents()
}

#[tokio::test]
async fn a_mesh_keeps_its_root_when_the_token_is_opened_again() {
    let token = embedded::token_from_env(embedded::LABEL).unwrap();
    let mesh = fresh_mesh();
    let first = CertificateAuthority::open(&token, Clock::system()).unwrap();
    assert_eq!(
        first.root(&mesh).await.unwrap(),
        None,
        "reading creates nothing"
    );
    let root = first.create_root(&mesh).await.unwrap();
    assert_eq!(first.root(&mesh).await.unwrap(), Some(root.clone()));
    assert!(matches!(
        first.create_root(&mesh).await,
        Err(CaError::RootExists { .. })
    ));
    drop(first);

    let reopened = CertificateAuthority::open(&token, Clock::system()).unwrap();
    assert_eq!(
        reopened.root(&mesh).await.unwrap(),
        Some(root.clone()),
        "same mesh, same root"
    );
    assert_eq!(reopened.root(&fresh_mesh()).await.unwrap(), None);
    assert!(
        reopened
            .roots()
            .await
            .unwrap()
            .contains(&(mesh.clone(), root.clone()))
    );

    let root_der = der(&root.pem);
    let expected: Vec<String> = Sha256::digest(&root_der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert_eq!(root.sha256_fingerprint, expected.join(":"));
    let (_, cert) = X509Certificate::from_der(&root_der).unwrap();
    assert_eq!(root.subject, cert.subject().to_string());
    assert_eq!(
        root.subject,
        format!("O={mesh}, CN=meshdeck root CA {mesh}")
    );
    assert_eq!(cert.subject(), cert.issuer(), "self-signed");
    cert.verify_signature(None).unwrap();
    let years = (root.not_after - cert.validity().not_before.timestamp()) / (365 * 86_400);
    assert_eq!(years, 10, "a root lasts ten years");
}

#[tokio::test]
async fn clusters_of_a_mesh_share_the_root_and_get_their_own_intermediate() {
    let ca = test_ca();
    let mesh = fresh_mesh();
    assert!(matches!(
        ca.issue_intermediate(&mesh, &cluster("gke-eu"), TRUST_DOMAIN)
            .await,
        Err(CaError::NoRoot { .. })
    ));
    assert_eq!(
        ca.root(&mesh).await.unwrap(),
        None,
        "issuing creates no root"
    );
    ca.create_root(&mesh).await.unwrap();
    let eu = ca
        .issue_intermediate(&mesh, &cluster("gke-eu"), TRUST_DOMAIN)
        .await
        .unwrap();
    let us = ca
        .issue_intermediate(&mesh, &cluster("gke-us"), TRUST_DOMAIN)
        .await
        .unwrap();
    let root = ca.root(&mesh).await.unwrap().unwrap();

    assert_eq!(eu.root_cert_pem, root.pem);
    assert_eq!(us.root_cert_pem, root.pem);
    assert_ne!(eu.ca_cert_pem, us.ca_cert_pem);
    assert_ne!(eu.ca_key_pem, us.ca_key_pem);
    assert_eq!(eu.cert_chain_pem, format!("{}{}", eu.ca_cert_pem, root.pem));
    ca.verify_cacerts(&eu, TRUST_DOMAIN).unwrap();
    ca.verify_cacerts(&us, TRUST_DOMAIN).unwrap();

    let intermediate_der = der(&eu.ca_cert_pem);
    let (_, cert) = X509Certificate::from_der(&intermediate_der).unwrap();
    assert_eq!(
        cert.subject().to_string(),
        format!("O={mesh}, CN=Intermediate CA gke-eu")
    );
    assert_eq!(cert.issuer().to_string(), root.subject);
    let constraints = cert.basic_constraints().unwrap().unwrap().value;
    assert!(constraints.ca);
    assert_eq!(constraints.path_len_constraint, Some(0));
    let usage = cert.key_usage().unwrap().unwrap().value;
    assert!(usage.key_cert_sign() && usage.crl_sign() && usage.digital_signature());
    assert!(cert.extensions().iter().any(|e| matches!(
        e.parsed_extension(),
        ParsedExtension::AuthorityKeyIdentifier(_)
    )));
    let days =
        (cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp()) / 86_400;
    assert_eq!(days, 365, "an intermediate lasts a year");

    let data = eu.secret_data();
    assert_eq!(data.keys().map(String::as_str).collect::<Vec<_>>(), {
        let mut keys = CACERTS_KEYS.to_vec();
        keys.sort_unstable();
        keys
    });
    assert_eq!(data["ca-key.pem"], eu.ca_key_pem);
    assert_eq!(data["cert-chain.pem"], eu.cert_chain_pem);
    assert!(eu.ca_key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let shown = format!("{eu:?}");
    assert!(
        !shown.contains("PRIVATE KEY") && !shown.contains(eu.ca_key_pem.lines().nth(1).unwrap()),
        "Debug leaves the key out: {shown}"
    );
}

#[tokio::test]
async fn tampered_bundles_are_refused() {
    let ca = test_ca();
    let (mesh, other) = (fresh_mesh(), fresh_mesh());
    ca.create_root(&mesh).await.unwrap();
    ca.create_root(&other).await.unwrap();
    let good = ca
        .issue_intermediate(&mesh, &cluster("gke-eu"), TRUST_DOMAIN)
        .await
        .unwrap();
    let sibling = ca
        .issue_intermediate(&mesh, &cluster("gke-us"), TRUST_DOMAIN)
        .await
        .unwrap();
    let other_mesh = ca
        .issue_intermediate(&other, &cluster("gke-eu"), TRUST_DOMAIN)
        .await
        .unwrap();

    let foreign_root = CaCerts {
        root_cert_pem: other_mesh.root_cert_pem.clone(),
        cert_chain_pem: format!("{}{}", good.ca_cert_pem, other_mesh.root_cert_pem),
        ..good.clone()
    };
    let err = ca.verify_cacerts(&foreign_root, TRUST_DOMAIN).unwrap_err();
    assert!(
        matches!(err, CaError::ChainRejected(webpki::Error::UnknownIssuer)),
        "{err}"
    );

    let wrong_key = CaCerts {
        ca_key_pem: sibling.ca_key_pem.clone(),
        ..good.clone()
    };
    let err = ca.verify_cacerts(&wrong_key, TRUST_DOMAIN).unwrap_err();
    assert!(
        err.to_string()
            .contains("ca-key.pem is not the key of ca-cert.pem"),
        "{err}"
    );

    let reversed = CaCerts {
        cert_chain_pem: format!("{}{}", good.root_cert_pem, good.ca_cert_pem),
        ..good.clone()
    };
    let err = ca.verify_cacerts(&reversed, TRUST_DOMAIN).unwrap_err();
    assert!(
        err.to_string()
            .contains("cert-chain.pem must be ca-cert.pem followed by a root of root-cert.pem"),
        "{err}"
    );

    let intermediate_as_root = CaCerts {
        root_cert_pem: good.ca_cert_pem.clone(),
        cert_chain_pem: format!("{}{}", good.ca_cert_pem, good.ca_cert_pem),
        ..good.clone()
    };
    let err = ca
        .verify_cacerts(&intermediate_as_root, TRUST_DOMAIN)
        .unwrap_err();
    assert!(err.to_string().contains("not self-signed"), "{err}");

    let err = ca.verify_cacerts(&good, "Not A Domain").unwrap_err();
    assert!(matches!(err, CaError::TrustDomain(_)), "{err}");
    ca.verify_cacerts(&good, TRUST_DOMAIN).unwrap();
}

#[tokio::test]
async fn a_misconfigured_token_says_which_token_and_what_is_wrong() {
    let token = embedded::token_from_env(embedded::LABEL).unwrap();
    let dir = temp_dir("pin");

    let empty_pin = dir.join("empty.pin");
    std::fs::write(&empty_pin, "\n").unwrap();
    let err = CertificateAuthority::open(
        &TokenConfig {
            pin_file: empty_pin.clone(),
            ..token.clone()
        },
        Clock::system(),
    )
    .unwrap_err();
    assert!(matches!(err, CaError::PinFile { .. }), "{err}");
    assert!(
        err.to_string().contains(&empty_pin.display().to_string()),
        "{err}"
    );

    let err = CertificateAuthority::open(
        &TokenConfig {
            token_label: "no-such-token".into(),
            ..token.clone()
        },
        Clock::system(),
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, CaError::TokenNotFound { .. }), "{message}");
    assert!(
        message.contains("no token labelled \"no-such-token\"") && message.contains("\"meshdeck\""),
        "names the token and the ones there are: {message}"
    );

    let err = CertificateAuthority::open(
        &TokenConfig {
            module: "/nonexistent/libpkcs11.so".into(),
            ..token.clone()
        },
        Clock::system(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot load the PKCS#11 module /nonexistent/libpkcs11.so"),
        "{err}"
    );
}

/// Runs the real binary to serve, on an unused port; returns its output
/// once it exits, or kills it after `ready` shows on stderr.
fn serve(args: &[&str], ready: &str, env_removed: &[&str]) -> (bool, String) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut command = Command::new(env!("CARGO_BIN_EXE_meshdeck"));
    command
        .args(["--listen", "127.0.0.1:0", "--dist", "/nonexistent"])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for name in env_removed {
        command.env_remove(name);
    }
    let mut child = command.spawn().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    for line in stderr.lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(ready) {
            child.kill().unwrap();
            child.wait().unwrap();
            return (true, seen);
        }
    }
    let status = child.wait().unwrap();
    (status.success(), seen)
}

#[tokio::test]
async fn a_token_that_cannot_be_opened_stops_the_console_at_startup() {
    // A process of its own: login is per process, so a wrong PIN can only
    // be noticed by one that is not logged in yet.
    let token = embedded::token_from_env(embedded::LABEL).unwrap();
    let dir = temp_dir("startup");
    let wrong_pin = dir.join("wrong.pin");
    std::fs::write(&wrong_pin, "00000000\n").unwrap();
    let module = token.module.display().to_string();
    let pin_file = wrong_pin.display().to_string();
    let state = dir.display().to_string();
    let (ok, stderr) = tokio::task::spawn_blocking(move || {
        serve(
            &[
                "--state-dir",
                &state,
                "--pkcs11-module",
                &module,
                "--pkcs11-token",
                embedded::LABEL,
                "--pkcs11-pin-file",
                &pin_file,
            ],
            "meshdeck is ready",
            &[],
        )
    })
    .await
    .unwrap();
    assert!(!ok, "started with a wrong PIN: {stderr}");
    assert!(
        stderr.contains(&format!(
            "the PIN in {} is wrong for token \"meshdeck\" (module {})",
            wrong_pin.display(),
            token.module.display()
        )),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_sandbox_console_opens_its_embedded_token_in_the_state_dir() {
    let state = temp_dir("embedded");
    let state_arg = state.display().to_string();
    // Without SOFTHSM2_CONF the console restarts itself with it set.
    let (ok, stderr) = tokio::task::spawn_blocking(move || {
        serve(
            &["--sandbox", "--state-dir", &state_arg],
            "meshdeck is ready",
            &[embedded::CONF_ENV],
        )
    })
    .await
    .unwrap();
    assert!(ok, "{stderr}");
    let conf = embedded::conf_path(&state).unwrap();
    let token = embedded::ensure_token(&conf, embedded::LABEL).unwrap();
    assert_eq!(token.pin_file, state.join("softhsm/meshdeck.pin"));
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&token.pin_file).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "the PIN file is the owner's alone");
    let tokens: Vec<_> = std::fs::read_dir(state.join("softhsm/tokens"))
        .unwrap()
        .collect();
    assert_eq!(tokens.len(), 1, "one token, made at the first start");
}
