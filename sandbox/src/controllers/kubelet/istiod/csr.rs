//! The request an HSM-mode istiod makes for its CA certificate: a PKCS#10
//! CSR (PEM) for its EC P-256 CA key, with the subject, SPIFFE SAN and CA
//! extensions of the HSM contract, and the test of whether a request found
//! in secret `istio-ca-cert-csr` is for that key.

use rcgen::string::Ia5String;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
    PublicKeyData, SanType,
};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::FromDer;

/// Who asks: the revision, the mesh's trust domain and istiod's service
/// account (in `istio-system`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester<'a> {
    pub revision: &'a str,
    pub trust_domain: &'a str,
    pub service_account: &'a str,
}

/// A new CA key for istiod.
pub fn new_key() -> Result<KeyPair, String> {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| format!("cannot generate istiod's CA key: {e}"))
}

/// The raw public point of `key`, as certificates and requests carry it.
pub fn public_point(key: &KeyPair) -> Vec<u8> {
    key.der_bytes().to_vec()
}

/// The CSR (PEM) for `key`.
pub fn request(key: &KeyPair, who: &Requester<'_>) -> Result<String, String> {
    let failed = |e: rcgen::Error| format!("cannot build istiod's certificate request: {e}");
    let mut params = CertificateParams::default();
    let mut subject = DistinguishedName::new();
    subject.push(
        DnType::CommonName,
        format!("istiod {} intermediate CA", who.revision),
    );
    subject.push(DnType::OrganizationName, who.trust_domain);
    params.distinguished_name = subject;
    let spiffe = format!(
        "spiffe://{}/ns/istio-system/sa/{}",
        who.trust_domain, who.service_account
    );
    params.subject_alt_names = vec![SanType::URI(Ia5String::try_from(spiffe).map_err(failed)?)];
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
        .serialize_request(key)
        .and_then(|csr| csr.pem())
        .map_err(failed)
}

/// Whether `pem` is a signed request for the key whose public point is
/// `point`.
pub fn is_request_for(pem: &[u8], point: &[u8]) -> bool {
    let Ok((_, block)) = x509_parser::pem::parse_x509_pem(pem) else {
        return false;
    };
    let Ok((_, csr)) = X509CertificationRequest::from_der(&block.contents) else {
        return false;
    };
    csr.verify_signature().is_ok()
        && csr
            .certification_request_info
            .subject_pki
            .subject_public_key
            .data
            .as_ref()
            == point
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use x509_parser::extensions::{GeneralName, ParsedExtension};

    const WHO: Requester<'static> = Requester {
        revision: "asm-1106-2",
        trust_domain: "proj-1.svc.id.goog",
        service_account: "istiod-asm-1106-2",
    };

    #[test]
    fn the_request_names_istiod_and_asks_for_a_ca_with_path_length_0() {
        let key = new_key().unwrap();
        let pem = request(&key, &WHO).unwrap();
        assert!(
            pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"),
            "{pem}"
        );
        assert!(is_request_for(pem.as_bytes(), &public_point(&key)));
        let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
        let (_, csr) = X509CertificationRequest::from_der(&block.contents).unwrap();
        assert_eq!(
            csr.certification_request_info.subject.to_string(),
            "CN=istiod asm-1106-2 intermediate CA, O=proj-1.svc.id.goog"
        );
        let mut seen = Vec::new();
        for ext in csr.requested_extensions().into_iter().flatten() {
            match ext {
                ParsedExtension::SubjectAlternativeName(san) => {
                    for name in &san.general_names {
                        if let GeneralName::URI(uri) = name {
                            seen.push(format!("uri {uri}"));
                        }
                    }
                }
                ParsedExtension::BasicConstraints(bc) => {
                    seen.push(format!("ca {} {:?}", bc.ca, bc.path_len_constraint));
                }
                ParsedExtension::KeyUsage(ku) => seen.push(format!(
                    "usage {} {} {}",
                    ku.key_cert_sign(),
                    ku.crl_sign(),
                    ku.digital_signature()
                )),
                _ => {}
            }
        }
        seen.sort();
        assert_eq!(
            seen,
            [
                "ca true Some(0)",
                "uri spiffe://proj-1.svc.id.goog/ns/istio-system/sa/istiod-asm-1106-2",
                "usage true true true",
            ]
        );
    }

    #[test]
    fn a_request_for_another_key_or_garbage_is_not_ours() {
        let ours = new_key().unwrap();
        let theirs = new_key().unwrap();
        let pem = request(&theirs, &WHO).unwrap();
        assert!(!is_request_for(pem.as_bytes(), &public_point(&ours)));
        assert!(!is_request_for(b"not a request", &public_point(&ours)));
    }
}
