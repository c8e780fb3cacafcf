//! The chain an HSM-mode istiod loads from secret
//! `istio-system/istio-ca-cert` (`cert-chain.pem`): its own CA certificate
//! first, then any intermediates, then the mesh root. istiod accepts it
//! only when the first certificate is for its own key, each certificate is
//! signed by the next, and the last is the self-signed mesh root it was
//! told about (the discovery container's `ROOT_CERT_SHA256`).

use base64::Engine;
use sha2::Digest;
use x509_parser::certificate::X509Certificate;
use x509_parser::pem::Pem;

/// A chain istiod accepted, each certificate as a PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub ca_cert: String,
    pub intermediates: Vec<String>,
    pub root: String,
}

impl Loaded {
    /// What istiod logs on loading it (one entry: continuation lines are
    /// the PEM lines).
    pub fn log_message(&self) -> String {
        format!(
            "CA cert:\n{}\nintermediate certs:\n{}\nroot cert:\n{}",
            self.ca_cert,
            self.intermediates.join("\n"),
            self.root
        )
    }
}

/// Checks `text` (the PEM file) against istiod's public key (the raw EC
/// point of its CA key) and the mesh root's SHA-256 (lowercase hex of its
/// DER; `None` when istiod was not told it). The error says why the chain
/// is refused.
pub fn check(text: &str, istiod_key: &[u8], root_sha256: Option<&str>) -> Result<Loaded, String> {
    let mut blocks = Vec::new();
    for (i, block) in Pem::iter_from_buffer(text.as_bytes()).enumerate() {
        let block = block
            .map_err(|e| format!("PEM block {} of cert-chain.pem is malformed: {e}", i + 1))?;
        if block.label != "CERTIFICATE" {
            return Err(format!(
                "PEM block {} of cert-chain.pem is a {:?}, not a CERTIFICATE",
                i + 1,
                block.label
            ));
        }
        blocks.push(block);
    }
    if blocks.len() < 2 {
        return Err(format!(
            "cert-chain.pem holds {} certificate(s); it needs istiod's CA certificate and the mesh root",
            blocks.len()
        ));
    }
    let mut certs = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let cert = block.parse_x509().map_err(|e| {
            format!(
                "certificate {} of cert-chain.pem does not parse: {e}",
                i + 1
            )
        })?;
        certs.push(cert);
    }
    let first = &certs[0];
    if first.public_key().subject_public_key.data.as_ref() != istiod_key {
        return Err(format!(
            "the first certificate ({}) is not for istiod's CA key (the key of its request in secret istio-system/istio-ca-cert-csr)",
            first.subject()
        ));
    }
    for (i, pair) in certs.windows(2).enumerate() {
        let (cert, issuer) = (&pair[0], &pair[1]);
        cert.verify_signature(Some(issuer.public_key()))
            .map_err(|e| {
                format!(
                    "certificate {} ({}) is not signed by certificate {} ({}): {e}",
                    i + 1,
                    cert.subject(),
                    i + 2,
                    issuer.subject()
                )
            })?;
    }
    let root = &certs[certs.len() - 1];
    root.verify_signature(None).map_err(|e| {
        format!(
            "the last certificate ({}) is not self-signed, so the chain does not end at a root: {e}",
            root.subject()
        )
    })?;
    let Some(want) = root_sha256.map(str::trim).filter(|w| !w.is_empty()) else {
        return Err(
            "the mesh root is unknown: the discovery container has no ROOT_CERT_SHA256".to_owned(),
        );
    };
    let got = hex::encode(sha2::Sha256::digest(root.as_raw()));
    if !got.eq_ignore_ascii_case(want) {
        return Err(format!(
            "the chain ends at root {} (SHA-256 {got}), not at the mesh root (ROOT_CERT_SHA256 {})",
            root.subject(),
            want.to_ascii_lowercase()
        ));
    }
    let mut pems: Vec<String> = certs.iter().map(pem).collect();
    let root = pems.pop().unwrap_or_default();
    let ca_cert = pems.remove(0);
    Ok(Loaded {
        ca_cert,
        intermediates: pems,
        root,
    })
}

/// A certificate as a PEM block (64-column base64, no trailing newline).
fn pem(cert: &X509Certificate<'_>) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(cert.as_raw());
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----",
        lines.join("\n")
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    fn ca_params(name: &str) -> CertificateParams {
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
    }

    fn sha(cert: &rcgen::Certificate) -> String {
        hex::encode(sha2::Sha256::digest(cert.der()))
    }

    struct World {
        root: rcgen::Certificate,
        middle: rcgen::Certificate,
        leaf: rcgen::Certificate,
        leaf_key: KeyPair,
    }

    fn world() -> World {
        let root_key = KeyPair::generate().unwrap();
        let root = ca_params("root").self_signed(&root_key).unwrap();
        let root_issuer = Issuer::new(ca_params("root"), root_key);
        let middle_key = KeyPair::generate().unwrap();
        let middle = ca_params("middle")
            .signed_by(&middle_key, &root_issuer)
            .unwrap();
        let middle_issuer = Issuer::new(ca_params("middle"), middle_key);
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = ca_params("istiod")
            .signed_by(&leaf_key, &middle_issuer)
            .unwrap();
        World {
            root,
            middle,
            leaf,
            leaf_key,
        }
    }

    fn key(k: &KeyPair) -> Vec<u8> {
        rcgen::PublicKeyData::der_bytes(k).to_vec()
    }

    #[test]
    fn a_chain_to_the_mesh_root_for_istiods_key_loads_and_logs_each_part() {
        let w = world();
        let text = format!("{}{}{}", w.leaf.pem(), w.middle.pem(), w.root.pem());
        let loaded = check(&text, &key(&w.leaf_key), Some(&sha(&w.root))).unwrap();
        assert_eq!(loaded.ca_cert, w.leaf.pem().trim_end());
        assert_eq!(loaded.intermediates, [w.middle.pem().trim_end()]);
        assert_eq!(loaded.root, w.root.pem().trim_end());
        let log = loaded.log_message();
        assert!(
            log.starts_with("CA cert:\n-----BEGIN CERTIFICATE-----\n"),
            "{log}"
        );
        assert_eq!(log.matches("-----BEGIN CERTIFICATE-----").count(), 3);
        assert!(log.contains("-----END CERTIFICATE-----\nintermediate certs:\n-----BEGIN"));
        assert!(log.contains("-----END CERTIFICATE-----\nroot cert:\n-----BEGIN"));
    }

    #[test]
    fn each_problem_is_named() {
        let w = world();
        let root_sha = sha(&w.root);
        let good = format!("{}{}{}", w.leaf.pem(), w.middle.pem(), w.root.pem());
        let other = KeyPair::generate().unwrap();
        let why = |text: &str, k: &[u8], root: Option<&str>| check(text, k, root).unwrap_err();

        let e = why(&good, &key(&other), Some(&root_sha));
        assert!(e.contains("is not for istiod's CA key"), "{e}");
        let skipping = format!("{}{}", w.leaf.pem(), w.root.pem());
        let e = why(&skipping, &key(&w.leaf_key), Some(&root_sha));
        assert!(
            e.contains("certificate 1 (CN=istiod) is not signed by certificate 2 (CN=root)"),
            "{e}"
        );
        let no_root = format!("{}{}", w.leaf.pem(), w.middle.pem());
        let e = why(&no_root, &key(&w.leaf_key), Some(&root_sha));
        assert!(
            e.contains("the last certificate (CN=middle) is not self-signed"),
            "{e}"
        );
        let e = why(&good, &key(&w.leaf_key), None);
        assert!(e.contains("the mesh root is unknown"), "{e}");
        let e = why(&good, &key(&w.leaf_key), Some(&"0".repeat(64)));
        assert!(e.contains("not at the mesh root"), "{e}");
        let e = why(&w.leaf.pem(), &key(&w.leaf_key), Some(&root_sha));
        assert!(e.contains("holds 1 certificate(s)"), "{e}");
        let e = why("not pem", &key(&w.leaf_key), Some(&root_sha));
        assert!(e.contains("holds 0 certificate(s)"), "{e}");
        let garbled = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".repeat(2);
        let e = why(&garbled, &key(&w.leaf_key), Some(&root_sha));
        assert!(
            e.contains("certificate 1 of cert-chain.pem does not parse"),
            "{e}"
        );
    }
}
