//! Decoding a PKCS#10 certificate signing request for review: its
//! self-signature must hold (the requester has the key), then its subject,
//! SANs, key, basicConstraints, key usages and public key are read into
//! the shared [`CsrView`]. Who asked, for which signer and for how long come
//! from the Kubernetes object around it and are filled in by the caller.

use sha2::{Digest, Sha256};
use shared::csr::{CsrView, KeyInfo, SubjectAltName};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_NIST_EC_P521,
    OID_PKCS1_RSAENCRYPTION, OID_SIG_ED25519,
};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

/// Why a request cannot be reviewed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the certificate signing request is malformed: {0}")]
pub struct MalformedCsr(pub String);

/// A request that decoded, with what signing it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedCsr {
    /// The request as DER.
    pub der: Vec<u8>,
    /// The requester's SubjectPublicKeyInfo, DER.
    pub spki: Vec<u8>,
    /// The subject, DER (copied into the certificate).
    pub subject_der: Vec<u8>,
    /// The view (signer, requester and duration empty: see the module).
    pub view: CsrView,
}

const KEY_USAGE_NAMES: [&str; 9] = [
    "digital signature",
    "content commitment",
    "key encipherment",
    "data encipherment",
    "key agreement",
    "key cert sign",
    "crl sign",
    "encipher only",
    "decipher only",
];

/// The DER of `bytes`: a `CERTIFICATE REQUEST` PEM block, or DER as is.
pub fn request_der(bytes: &[u8]) -> Result<Vec<u8>, MalformedCsr> {
    if bytes.starts_with(b"-----BEGIN") {
        let block = pem::parse(bytes).map_err(|e| MalformedCsr(format!("not PEM: {e}")))?;
        return match block.tag() {
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => Ok(block.into_contents()),
            other => Err(MalformedCsr(format!(
                "a {other} PEM block where a CERTIFICATE REQUEST belongs"
            ))),
        };
    }
    Ok(bytes.to_vec())
}

/// Decodes and checks a request (PEM or DER).
pub fn decode_csr(bytes: &[u8]) -> Result<DecodedCsr, MalformedCsr> {
    let der = request_der(bytes)?;
    let (rest, csr) = X509CertificationRequest::from_der(&der)
        .map_err(|e| MalformedCsr(format!("not a PKCS#10 request: {e}")))?;
    if !rest.is_empty() {
        return Err(MalformedCsr("trailing bytes after the request".into()));
    }
    csr.verify_signature().map_err(|e| {
        MalformedCsr(format!(
            "its signature does not verify with its own key: {e}"
        ))
    })?;
    let info = &csr.certification_request_info;
    let mut view = CsrView {
        subject: info.subject.to_string(),
        sans: Vec::new(),
        key: key_info(&info.subject_pki),
        is_ca: false,
        path_len: None,
        key_usages: Vec::new(),
        extended_key_usages: Vec::new(),
        requested_duration_secs: None,
        signer: String::new(),
        requester: None,
        public_key_sha256: hex::encode(Sha256::digest(info.subject_pki.raw)),
    };
    for extension in csr.requested_extensions().into_iter().flatten() {
        match extension {
            ParsedExtension::SubjectAlternativeName(san) => {
                view.sans.extend(san.general_names.iter().map(alt_name));
            }
            ParsedExtension::BasicConstraints(bc) => {
                view.is_ca = bc.ca;
                view.path_len = bc.path_len_constraint;
            }
            ParsedExtension::KeyUsage(ku) => {
                view.key_usages = KEY_USAGE_NAMES
                    .iter()
                    .enumerate()
                    .filter(|(bit, _)| (ku.flags >> bit) & 1 == 1)
                    .map(|(_, name)| (*name).to_owned())
                    .collect();
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                let flags = [
                    (eku.any, "any"),
                    (eku.server_auth, "server auth"),
                    (eku.client_auth, "client auth"),
                    (eku.code_signing, "code signing"),
                    (eku.email_protection, "email protection"),
                    (eku.time_stamping, "timestamping"),
                    (eku.ocsp_signing, "ocsp signing"),
                ];
                view.extended_key_usages = flags
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, name)| (*name).to_owned())
                    .chain(eku.other.iter().map(|oid| oid.to_id_string()))
                    .collect();
            }
            ParsedExtension::ParseError { error } => {
                return Err(MalformedCsr(format!(
                    "an extension does not parse: {error}"
                )));
            }
            _ => {}
        }
    }
    Ok(DecodedCsr {
        spki: info.subject_pki.raw.to_vec(),
        subject_der: info.subject.as_raw().to_vec(),
        der,
        view,
    })
}

fn alt_name(name: &GeneralName<'_>) -> SubjectAltName {
    match name {
        GeneralName::URI(uri) => SubjectAltName::Uri((*uri).to_owned()),
        GeneralName::DNSName(dns) => SubjectAltName::Dns((*dns).to_owned()),
        GeneralName::RFC822Name(email) => SubjectAltName::Email((*email).to_owned()),
        GeneralName::IPAddress(bytes) => SubjectAltName::Ip(ip_text(bytes)),
        other => SubjectAltName::Other(other.to_string()),
    }
}

fn ip_text(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => {
            let octets: [u8; 4] = [bytes[0], bytes[1], bytes[2], bytes[3]];
            std::net::Ipv4Addr::from(octets).to_string()
        }
        16 => {
            let mut octets = [0u8; 16];
            octets.copy_from_slice(bytes);
            std::net::Ipv6Addr::from(octets).to_string()
        }
        _ => hex::encode(bytes),
    }
}

fn key_info(spki: &SubjectPublicKeyInfo<'_>) -> KeyInfo {
    let algorithm = &spki.algorithm.algorithm;
    if *algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        let (name, bits) = match curve {
            Some(c) if c == OID_EC_P256 => ("P-256".to_owned(), 256),
            Some(c) if c == OID_NIST_EC_P384 => ("P-384".to_owned(), 384),
            Some(c) if c == OID_NIST_EC_P521 => ("P-521".to_owned(), 521),
            Some(c) => {
                let bits = spki.parsed().map_or(0, |k| k.key_size());
                (format!("curve {}", c.to_id_string()), bits_u32(bits))
            }
            None => ("unnamed curve".to_owned(), 0),
        };
        return KeyInfo::Ec { curve: name, bits };
    }
    if *algorithm == OID_PKCS1_RSAENCRYPTION {
        let bits = match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => bits_u32(rsa.key_size()),
            _ => 0,
        };
        return KeyInfo::Rsa { bits };
    }
    if *algorithm == OID_SIG_ED25519 {
        return KeyInfo::Ed25519;
    }
    KeyInfo::Other {
        algorithm: algorithm.to_id_string(),
    }
}

fn bits_u32(bits: usize) -> u32 {
    u32::try_from(bits).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use rcgen::{
        BasicConstraints, CertificateParams, IsCa, KeyPair, KeyUsagePurpose,
        PKCS_ECDSA_P384_SHA384, SanType,
    };

    use rcgen::PublicKeyData;

    use super::*;

    fn request(params: &CertificateParams, key: &KeyPair) -> String {
        params.serialize_request(key).unwrap().pem().unwrap()
    }

    #[test]
    fn decodes_an_istiod_ca_request() {
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "cluster.local");
        params.subject_alt_names = vec![
            SanType::URI(
                "spiffe://cluster.local/ns/istio-system/sa/istiod"
                    .try_into()
                    .unwrap(),
            ),
            SanType::DnsName("istiod.istio-system.svc".try_into().unwrap()),
        ];
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap();
        let decoded = decode_csr(request(&params, &key).as_bytes()).unwrap();
        let view = decoded.view;
        assert_eq!(view.subject, "O=cluster.local");
        assert_eq!(
            view.spiffe_ids(),
            vec!["spiffe://cluster.local/ns/istio-system/sa/istiod"]
        );
        assert_eq!(view.dns_names(), vec!["istiod.istio-system.svc"]);
        assert_eq!(
            view.key,
            KeyInfo::Ec {
                curve: "P-384".into(),
                bits: 384
            }
        );
        assert!(view.is_ca);
        assert_eq!(view.path_len, Some(0));
        assert_eq!(view.key_usages, vec!["key cert sign", "crl sign"]);
        assert_eq!(decoded.spki, key.subject_public_key_info());
    }

    #[test]
    fn refuses_garbage_a_wrong_block_and_a_forged_signature() {
        assert!(decode_csr(b"hello").unwrap_err().0.contains("PKCS#10"));
        let cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(
            decode_csr(cert.as_bytes())
                .unwrap_err()
                .0
                .contains("a CERTIFICATE PEM block")
        );
        let key = KeyPair::generate().unwrap();
        let mut der = CertificateParams::default()
            .serialize_request(&key)
            .unwrap()
            .der()
            .to_vec();
        let last = der.len() - 1;
        der[last] ^= 0x55;
        assert!(decode_csr(&der).unwrap_err().0.contains("signature"));
    }
}
