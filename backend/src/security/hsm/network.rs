//! A network HSM's connection credentials as the console takes them
//! (seed 004's `clientcert`, `clientkey`, `servercert`): the client
//! certificate and key must parse and belong together and the server
//! certificate must parse, before anything is stored; afterwards they are
//! shown as subjects and expiry, never as the key.

use rcgen::KeyPair;
use shared::mesh::hsm::{HsmNetworkCredentials, HsmNetworkSummary};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::security::ca::pem_text::single_certificate;

/// What is wrong with network HSM credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkCredentialsError {
    /// Every reason they cannot be stored.
    #[error("network HSM credentials: {}; nothing was changed", .0.join("; "))]
    Unusable(Vec<String>),
    /// A certificate that does not parse or a key that does not fit.
    #[error("{0}")]
    Certificate(String),
}

/// Why `credentials` cannot be stored, all reasons in one line.
pub fn check(credentials: &HsmNetworkCredentials) -> Result<(), NetworkCredentialsError> {
    let mut problems = credentials.problems();
    if problems.is_empty() {
        match (
            parsed(&credentials.client_cert, "the client certificate"),
            parsed(&credentials.server_cert, "the server certificate"),
        ) {
            (Ok(client), Ok(_)) => {
                if let Err(why) = key_matches(&credentials.client_key, &client) {
                    problems.push(why.to_string());
                }
            }
            (client, server) => problems.extend(
                client
                    .err()
                    .into_iter()
                    .chain(server.err())
                    .map(|e| e.to_string()),
            ),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(NetworkCredentialsError::Unusable(problems))
    }
}

/// The subjects and expiry of the certificates Vault holds.
pub fn summary(
    client_cert: &str,
    server_cert: &str,
) -> Result<HsmNetworkSummary, NetworkCredentialsError> {
    let client = parsed(client_cert, "the client certificate Vault holds")?;
    let server = parsed(server_cert, "the server certificate Vault holds")?;
    let (client, server) = (certificate(&client)?, certificate(&server)?);
    Ok(HsmNetworkSummary {
        client_subject: client.subject().to_string(),
        client_not_after: client.validity().not_after.timestamp(),
        server_subject: server.subject().to_string(),
        server_not_after: server.validity().not_after.timestamp(),
    })
}

/// The DER of the one certificate in `pem`, checked to parse.
fn parsed(pem: &str, what: &str) -> Result<Vec<u8>, NetworkCredentialsError> {
    let problem = NetworkCredentialsError::Certificate;
    let der = single_certificate(pem, what).map_err(|e| problem(e.to_string()))?;
    X509Certificate::from_der(&der).map_err(|e| problem(format!("{what} does not parse: {e}")))?;
    Ok(der)
}

fn certificate(der: &[u8]) -> Result<X509Certificate<'_>, NetworkCredentialsError> {
    X509Certificate::from_der(der)
        .map(|(_, c)| c)
        .map_err(|e| NetworkCredentialsError::Certificate(e.to_string()))
}

fn key_matches(key_pem: &str, client_der: &[u8]) -> Result<(), NetworkCredentialsError> {
    let key = KeyPair::from_pem(key_pem).map_err(|e| {
        NetworkCredentialsError::Certificate(format!(
            "the client key is not a PKCS#8 private key: {e}"
        ))
    })?;
    let client = certificate(client_der)?;
    if client.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
        return Err(NetworkCredentialsError::Certificate(
            "the client key is not the key of the client certificate".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rcgen::{CertificateParams, KeyPair};

    use super::*;

    fn certified(name: &str) -> (String, String) {
        let key = KeyPair::generate().expect("key");
        let cert = CertificateParams::new(vec![name.to_owned()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn the_key_must_belong_to_the_client_certificate() {
        let (client, key) = certified("istiod-c1.hsm.example");
        let (server, other_key) = certified("luna.example");
        let good = HsmNetworkCredentials {
            client_cert: client.clone(),
            client_key: key,
            server_cert: server.clone(),
        };
        assert_eq!(check(&good), Ok(()));
        let summary = summary(&client, &server).expect("summary");
        assert!(summary.client_subject.contains("rcgen"), "{summary:?}");
        assert!(summary.server_not_after > 0);

        let foreign = HsmNetworkCredentials {
            client_key: other_key,
            ..good.clone()
        };
        assert_eq!(
            check(&foreign).map_err(|e| e.to_string()),
            Err("network HSM credentials: the client key is not the key of the client certificate; nothing was changed".into())
        );
        let garbled = HsmNetworkCredentials {
            server_cert: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----".into(),
            ..good
        };
        let why = check(&garbled).expect_err("garbled").to_string();
        assert!(
            why.contains("the server certificate does not parse"),
            "{why}"
        );
    }
}
