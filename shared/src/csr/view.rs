//! What a certificate signing request asks for, decoded for review:
//! subject, subject alternative names, key, CA constraints, key usages and
//! the requested lifetime, with who asked and for which signer.

use serde::{Deserialize, Serialize};

/// One subject alternative name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum SubjectAltName {
    /// A URI SAN; SPIFFE ids are `spiffe://<trust domain>/<path>`.
    Uri(String),
    Dns(String),
    Email(String),
    Ip(String),
    /// Anything else, described.
    Other(String),
}

impl SubjectAltName {
    /// The trust domain of a SPIFFE id SAN.
    pub fn spiffe_trust_domain(&self) -> Option<&str> {
        match self {
            SubjectAltName::Uri(uri) => {
                let rest = uri.strip_prefix("spiffe://")?;
                Some(rest.split('/').next().unwrap_or(rest))
            }
            _ => None,
        }
    }

    /// Whether the name holds a `*` wildcard.
    pub fn is_wildcard(&self) -> bool {
        match self {
            SubjectAltName::Dns(name) | SubjectAltName::Uri(name) => name.contains('*'),
            _ => false,
        }
    }
}

/// The public key of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KeyInfo {
    /// An elliptic curve key; `curve` like `P-256`, `bits` its size.
    Ec {
        curve: String,
        bits: u32,
    },
    Rsa {
        bits: u32,
    },
    Ed25519,
    /// An algorithm the console does not know (its OID).
    Other {
        algorithm: String,
    },
}

impl KeyInfo {
    /// `EC P-256`, `RSA 2048`, …
    pub fn describe(&self) -> String {
        match self {
            KeyInfo::Ec { curve, .. } => format!("EC {curve}"),
            KeyInfo::Rsa { bits } => format!("RSA {bits}"),
            KeyInfo::Ed25519 => "Ed25519".into(),
            KeyInfo::Other { algorithm } => format!("unknown key algorithm {algorithm}"),
        }
    }
}

/// A decoded request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CsrView {
    /// The subject as an RFC 4514 string (may be empty: SPIFFE requests
    /// carry their identity in SANs).
    pub subject: String,
    pub sans: Vec<SubjectAltName>,
    pub key: KeyInfo,
    /// basicConstraints `CA:TRUE` requested.
    pub is_ca: bool,
    /// basicConstraints pathLen, when given.
    pub path_len: Option<u32>,
    /// Requested key usages (`digital signature`, `key cert sign`, …).
    pub key_usages: Vec<String>,
    /// Requested extended key usages (`server auth`, `client auth`, …).
    pub extended_key_usages: Vec<String>,
    /// Requested lifetime in seconds (Kubernetes `spec.expirationSeconds`).
    pub requested_duration_secs: Option<u64>,
    /// The signer asked to sign (`spec.signerName`).
    pub signer: String,
    /// Who asked (`spec.username`), when known.
    pub requester: Option<String>,
    /// SHA-256 of the request's public key (SubjectPublicKeyInfo), hex.
    pub public_key_sha256: String,
}

impl CsrView {
    /// The SPIFFE ids among the SANs.
    pub fn spiffe_ids(&self) -> Vec<&str> {
        self.sans
            .iter()
            .filter_map(|s| match s {
                SubjectAltName::Uri(u) if u.starts_with("spiffe://") => Some(u.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The DNS names among the SANs.
    pub fn dns_names(&self) -> Vec<&str> {
        self.sans
            .iter()
            .filter_map(|s| match s {
                SubjectAltName::Dns(d) => Some(d.as_str()),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// istiod asking for an intermediate CA in `cluster.local`.
    pub fn istiod_ca_request() -> CsrView {
        CsrView {
            subject: "O=cluster.local".into(),
            sans: vec![SubjectAltName::Uri(
                "spiffe://cluster.local/ns/istio-system/sa/istiod-service-account".into(),
            )],
            key: KeyInfo::Ec {
                curve: "P-256".into(),
                bits: 256,
            },
            is_ca: true,
            path_len: Some(0),
            key_usages: vec!["key cert sign".into(), "crl sign".into()],
            extended_key_usages: vec![],
            requested_duration_secs: Some(86_400 * 365),
            signer: "istio.io/mesh-root".into(),
            requester: Some("system:serviceaccount:istio-system:istiod-service-account".into()),
            public_key_sha256: "00".into(),
        }
    }
}
