//! Signing certificate signing requests with the mesh root in the token,
//! and checking chains before anything is written back: issued here or
//! signed elsewhere (the offline ceremony), a chain must be for the
//! request's own key and lead to the mesh root.
//!
//! What goes into a certificate is the CA's choice, not the requester's:
//! the subject and names are copied, but a CA request gets `pathlen:0`
//! (the root allows one level below it) and the CA key usages; anything
//! else is a workload certificate for server and client auth.

use rcgen::{CertificateParams, DistinguishedName, DnType, Issuer, SanType, SerialNumber};
use rustls_pki_types::{CertificateDer, UnixTime};
use sha2::{Digest, Sha256};
use shared::csr::SubjectAltName;
use shared::mesh::MeshId;
use time::{Duration, OffsetDateTime};
use webpki::{EndEntityCert, KeyUsage};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::{ASN1Time, FromDer, X509Certificate};

use super::decode::DecodedCsr;
use super::pem_text::{certificate_pem, certificates};
use super::profile;
use super::root::{self, BACKDATE};
use super::{CaError, CertificateAuthority, random_serial};

/// The longest an intermediate CA issued for a request lives.
const CA_VALIDITY: Duration = Duration::days(365);
/// The longest a workload certificate lives.
const LEAF_MAX_VALIDITY: Duration = Duration::days(90);
/// A workload certificate's lifetime when the request names none.
const LEAF_DEFAULT_VALIDITY: Duration = Duration::hours(24);

/// A certificate ready to be written back, all public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// The certificate alone.
    pub certificate_pem: String,
    /// The certificate, any intermediates, then the mesh root.
    pub chain_pem: String,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// SHA-256 of the certificate's DER, `AA:BB:…`.
    pub sha256_fingerprint: String,
    /// Expiry, Unix seconds.
    pub not_after: i64,
}

impl CertificateAuthority {
    /// Signs `csr` with the root of `mesh` through the token (for at most
    /// `requested_secs`, capped by the kind of certificate and the root's
    /// own expiry), then checks the result with [`check_chain`] before
    /// returning it.
    pub async fn sign_csr(
        &self,
        mesh: &MeshId,
        csr: &DecodedCsr,
        requested_secs: Option<u64>,
    ) -> Result<IssuedCertificate, CaError> {
        let token = self.token.clone();
        let (mesh, csr) = (mesh.clone(), csr.clone());
        let now = self.now()?;
        let serial = random_serial();
        self.blocking(move || {
            let (root_der, cert_der) = token.with_session(|session| {
                let (root_der, root_key) = root::require(session, &mesh)?;
                let params = certificate_params(&csr, &root_der, now, serial, requested_secs)?;
                let public_key = rcgen::SubjectPublicKeyInfo::from_der(&csr.spki)
                    .map_err(CaError::certificate("public key of the request"))?;
                let root = CertificateDer::from(root_der.as_slice());
                let issuer = Issuer::from_ca_cert_der(&root, &root_key)
                    .map_err(CaError::certificate("issuer from the mesh root"))?;
                let cert = params.signed_by(&public_key, &issuer).map_err(|e| {
                    root_key.take_failure().unwrap_or_else(|| {
                        CaError::certificate(format!("certificate for {}", csr.view.subject))(e)
                    })
                })?;
                Ok((root_der, cert.der().to_vec()))
            })?;
            check_chain(&[cert_der], &root_der, &csr.spki, now)
        })
        .await
    }

    /// Checks a chain signed elsewhere for `csr` (PEM, the certificate
    /// first): it must be for the request's key and lead to the root of
    /// `mesh`. Nothing is written by this call.
    pub async fn check_uploaded_chain(
        &self,
        mesh: &MeshId,
        csr: &DecodedCsr,
        chain_pem: &str,
    ) -> Result<IssuedCertificate, CaError> {
        let chain = certificates(chain_pem, "the uploaded chain")
            .map_err(|e| CaError::Rejected(e.to_string()))?;
        let token = self.token.clone();
        let (mesh, spki) = (mesh.clone(), csr.spki.clone());
        let now = self.now()?;
        self.blocking(move || {
            let root_der =
                token.with_session(|session| root::require(session, &mesh).map(|(der, _)| der))?;
            check_chain(&chain, &root_der, &spki, now)
        })
        .await
    }
}

/// The certificate the mesh root issues for `csr`.
fn certificate_params(
    csr: &DecodedCsr,
    root_der: &[u8],
    now: OffsetDateTime,
    serial: [u8; 16],
    requested_secs: Option<u64>,
) -> Result<CertificateParams, CaError> {
    let mut params = CertificateParams::default();
    params.distinguished_name = subject(&csr.der)?;
    for name in &csr.view.sans {
        params.subject_alt_names.push(san(name)?);
    }
    let requested = requested_secs
        .and_then(|s| i64::try_from(s).ok())
        .map(Duration::seconds);
    let validity = if csr.view.is_ca {
        profile::ca(&mut params, 0);
        requested.unwrap_or(CA_VALIDITY).min(CA_VALIDITY)
    } else {
        profile::workload(&mut params);
        requested
            .unwrap_or(LEAF_DEFAULT_VALIDITY)
            .min(LEAF_MAX_VALIDITY)
    };
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - BACKDATE;
    params.not_after = (now + validity).min(not_after(&parse(root_der, "the mesh root")?)?);
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    Ok(params)
}

/// The request's subject, attribute by attribute.
fn subject(csr_der: &[u8]) -> Result<DistinguishedName, CaError> {
    let (_, csr) = X509CertificationRequest::from_der(csr_der)
        .map_err(|e| CaError::Rejected(format!("the request does not parse: {e}")))?;
    let mut name = DistinguishedName::new();
    for attribute in csr.certification_request_info.subject.iter_attributes() {
        let oid: Vec<u64> = attribute
            .attr_type()
            .iter()
            .map(Iterator::collect)
            .ok_or_else(|| CaError::Rejected("a subject attribute has an odd OID".into()))?;
        let value = attribute
            .as_str()
            .map_err(|e| CaError::Rejected(format!("a subject attribute is not a string: {e}")))?;
        name.push(DnType::from_oid(&oid), value);
    }
    Ok(name)
}

fn san(name: &SubjectAltName) -> Result<SanType, CaError> {
    let ia5 = |s: &str| {
        rcgen::string::Ia5String::try_from(s.to_owned())
            .map_err(|e| CaError::Rejected(format!("the name {s:?} is not ASCII: {e}")))
    };
    Ok(match name {
        SubjectAltName::Uri(u) => SanType::URI(ia5(u)?),
        SubjectAltName::Dns(d) => SanType::DnsName(ia5(d)?),
        SubjectAltName::Email(e) => SanType::Rfc822Name(ia5(e)?),
        SubjectAltName::Ip(ip) => SanType::IpAddress(
            ip.parse()
                .map_err(|_| CaError::Rejected(format!("{ip:?} is not an IP address")))?,
        ),
        SubjectAltName::Other(other) => {
            return Err(CaError::Rejected(format!(
                "the request names {other}, which the mesh CA does not sign"
            )));
        }
    })
}

/// Checks `chain` (certificate first, then intermediates, the root
/// optionally last) at `now`: the certificate is for `spki`; each link is
/// signed by the next, which is a CA, and the last by `root_der`; all are
/// valid now; and, for a workload certificate, rustls-webpki verifies the
/// path to the root. (webpki refuses a CA as end entity, so an issued
/// intermediate is checked link by link only.)
pub(crate) fn check_chain(
    chain: &[Vec<u8>],
    root_der: &[u8],
    spki: &[u8],
    now: OffsetDateTime,
) -> Result<IssuedCertificate, CaError> {
    let mut links: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
    if links.len() > 1 && links.last() == Some(&root_der) {
        links.pop();
    }
    let Some(leaf_der) = links.first().copied() else {
        return Err(CaError::Rejected("the chain holds no certificate".into()));
    };
    let leaf = parse(leaf_der, "the certificate")?;
    if leaf.public_key().raw != spki {
        return Err(CaError::Rejected(
            "the certificate is for another key than the request's".into(),
        ));
    }
    let root = parse(root_der, "the mesh root")?;
    let at = ASN1Time::from_timestamp(now.unix_timestamp())
        .map_err(|e| CaError::Rejected(format!("the time is out of range: {e}")))?;
    let parsed: Vec<X509Certificate<'_>> = links
        .iter()
        .enumerate()
        .map(|(i, der)| parse(der, &format!("certificate {} of the chain", i + 1)))
        .collect::<Result<_, _>>()?;
    for (i, cert) in parsed.iter().enumerate() {
        let issuer = parsed.get(i + 1).unwrap_or(&root);
        let which = format!("certificate {} of the chain ({})", i + 1, cert.subject());
        if !cert.validity().is_valid_at(at) {
            return Err(CaError::Rejected(format!("{which} is not valid now")));
        }
        if !issuer.is_ca() {
            return Err(CaError::Rejected(format!(
                "{which} is issued by {}, which is not a CA",
                issuer.subject()
            )));
        }
        cert.verify_signature(Some(issuer.public_key()))
            .map_err(|_| {
                CaError::Rejected(format!(
                    "{which} does not chain to the mesh root {}: its signature is not {}'s",
                    root.subject(),
                    issuer.subject()
                ))
            })?;
    }
    if !leaf.is_ca() {
        verify_workload_path(leaf_der, &links[1..], root_der, now)?;
    }
    let mut chain_pem: String = links.iter().map(|der| certificate_pem(der)).collect();
    chain_pem.push_str(&certificate_pem(root_der));
    Ok(IssuedCertificate {
        certificate_pem: certificate_pem(leaf_der),
        chain_pem,
        serial: hex::encode(leaf.raw_serial()),
        sha256_fingerprint: fingerprint(leaf_der),
        not_after: leaf.validity().not_after.timestamp(),
    })
}

fn verify_workload_path(
    leaf_der: &[u8],
    intermediates: &[&[u8]],
    root_der: &[u8],
    now: OffsetDateTime,
) -> Result<(), CaError> {
    let root = CertificateDer::from(root_der);
    let anchor = webpki::anchor_from_trusted_cert(&root).map_err(CaError::ChainRejected)?;
    let intermediates: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|der| CertificateDer::from(*der))
        .collect();
    let leaf_der = CertificateDer::from(leaf_der);
    let leaf = EndEntityCert::try_from(&leaf_der).map_err(CaError::ChainRejected)?;
    let secs = u64::try_from(now.unix_timestamp()).unwrap_or_default();
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
    let verify = |usage| {
        leaf.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            std::slice::from_ref(&anchor),
            &intermediates,
            time,
            usage,
            None,
            None,
        )
        .map(|_| ())
    };
    verify(KeyUsage::server_auth())
        .or_else(|_| verify(KeyUsage::client_auth()))
        .map_err(CaError::ChainRejected)
}

/// SHA-256 of a DER certificate, `AA:BB:…`.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn parse<'a>(der: &'a [u8], what: &str) -> Result<X509Certificate<'a>, CaError> {
    X509Certificate::from_der(der)
        .map(|(_, cert)| cert)
        .map_err(|e| CaError::Rejected(format!("{what} does not parse: {e}")))
}

fn not_after(cert: &X509Certificate<'_>) -> Result<OffsetDateTime, CaError> {
    OffsetDateTime::from_unix_timestamp(cert.validity().not_after.timestamp())
        .map_err(|e| CaError::Rejected(format!("an expiry is out of range: {e}")))
}
