//! Checks a `cacerts` bundle the way istiod and its workloads will use it:
//! the chain is the intermediate then the root, the key belongs to the
//! intermediate, the root is a self-signed CA, and a workload certificate
//! the intermediate issues verifies up to the root with rustls-webpki.

use rcgen::{CertificateParams, Issuer, KeyPair, PKCS_ECDSA_P256_SHA256, SanType};
use rustls_pki_types::{CertificateDer, UnixTime};
use shared::mesh::TrustDomain;
use time::{Duration, OffsetDateTime};
use webpki::{EndEntityCert, KeyUsage};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::pem_text::{certificates, single_certificate};
use super::profile;
use super::{CaCerts, CaError, CertificateAuthority};

impl CertificateAuthority {
    /// Checks `certs` at the console's time; see [`verify_cacerts_at`].
    pub fn verify_cacerts(&self, certs: &CaCerts, trust_domain: &str) -> Result<(), CaError> {
        verify_cacerts_at(certs, trust_domain, self.now()?)
    }
}

/// Checks `certs` at `now`: `cert-chain.pem` is `ca-cert.pem` followed by
/// one of the roots of `root-cert.pem` (several during a rotation), each a
/// self-signed CA; `ca-key.pem` is the key of `ca-cert.pem`; the root is a
/// self-signed CA; and a throwaway workload certificate
/// (`spiffe://<trust_domain>/ns/default/sa/default`) issued by the
/// intermediate verifies against the root (webpki refuses a CA as an end
/// entity, so the intermediate alone cannot be checked that way).
pub fn verify_cacerts_at(
    certs: &CaCerts,
    trust_domain: &str,
    now: OffsetDateTime,
) -> Result<(), CaError> {
    let trust_domain: TrustDomain = trust_domain.parse().map_err(CaError::TrustDomain)?;
    let bundle = certificates(&certs.root_cert_pem, "root-cert.pem")?;
    let intermediate = single_certificate(&certs.ca_cert_pem, "ca-cert.pem")?;
    let chain = certificates(&certs.cert_chain_pem, "cert-chain.pem")?;
    let root = match &chain[..] {
        [first, root] if *first == intermediate && bundle.contains(root) => root.clone(),
        _ => {
            return Err(CaError::InvalidBundle(
                "cert-chain.pem must be ca-cert.pem followed by a root of root-cert.pem".into(),
            ));
        }
    };
    for trusted in &bundle {
        check_root(trusted)?;
    }
    let key = KeyPair::from_pem(&certs.ca_key_pem)
        .map_err(|e| CaError::InvalidBundle(format!("ca-key.pem is not a private key: {e}")))?;
    let (_, parsed) = parse(&intermediate, "ca-cert.pem")?;
    if parsed.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
        return Err(CaError::InvalidBundle(
            "ca-key.pem is not the key of ca-cert.pem".into(),
        ));
    }

    let intermediate = CertificateDer::from(intermediate);
    let issuer = Issuer::from_ca_cert_der(&intermediate, &key)
        .map_err(CaError::certificate("issuer from ca-cert.pem"))?;
    let leaf_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
        .map_err(CaError::certificate("verification workload key"))?;
    let leaf = workload_params(&trust_domain, now)?
        .signed_by(&leaf_key, &issuer)
        .map_err(CaError::certificate("verification workload certificate"))?;

    let root = CertificateDer::from(root);
    let anchor = webpki::anchor_from_trusted_cert(&root).map_err(CaError::ChainRejected)?;
    let leaf = EndEntityCert::try_from(leaf.der()).map_err(CaError::ChainRejected)?;
    let secs = u64::try_from(now.unix_timestamp()).unwrap_or_default();
    leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &[anchor],
        &[intermediate],
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs)),
        KeyUsage::server_auth(),
        None,
        None,
    )
    .map_err(CaError::ChainRejected)?;
    Ok(())
}

/// The root must be a CA and sign itself: webpki trusts an anchor as given.
fn check_root(der: &[u8]) -> Result<(), CaError> {
    let (_, root) = parse(der, "root-cert.pem")?;
    if !root.is_ca() {
        return Err(CaError::InvalidBundle(
            "root-cert.pem is not a CA certificate".into(),
        ));
    }
    root.verify_signature(None)
        .map_err(|e| CaError::InvalidBundle(format!("root-cert.pem is not self-signed: {e}")))
}

/// A short-lived workload certificate as istiod issues them.
fn workload_params(
    trust_domain: &TrustDomain,
    now: OffsetDateTime,
) -> Result<CertificateParams, CaError> {
    let mut params = CertificateParams::default();
    let uri = format!("spiffe://{trust_domain}/ns/default/sa/default");
    let uri = rcgen::string::Ia5String::try_from(uri)
        .map_err(CaError::certificate("workload identity"))?;
    params.subject_alt_names = vec![SanType::URI(uri)];
    profile::workload(&mut params);
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - Duration::minutes(1);
    params.not_after = now + Duration::hours(1);
    Ok(params)
}

fn parse<'a>(der: &'a [u8], what: &str) -> Result<(&'a [u8], X509Certificate<'a>), CaError> {
    X509Certificate::from_der(der)
        .map_err(|e| CaError::InvalidBundle(format!("{what} does not parse: {e}")))
}
