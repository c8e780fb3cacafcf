//! One intermediate CA per cluster of a mesh: its key generated here (never
//! stored by the console), its certificate signed by the mesh root through
//! the token, packed as the four PEMs of secret `cacerts`.

use rcgen::{CertificateParams, Issuer, KeyPair, PKCS_ECDSA_P256_SHA256, SerialNumber};
use rustls_pki_types::CertificateDer;
use shared::ClusterName;
use shared::mesh::MeshId;
use time::{Duration, OffsetDateTime};

use super::pem_text::certificate_pem;
use super::profile;
use super::root::BACKDATE;
use super::token::TokenKey;
use super::{CaCerts, CaError};

/// How long an intermediate is valid unless a grant says otherwise (never
/// beyond its root).
pub(crate) const INTERMEDIATE_VALIDITY: Duration = Duration::days(365);

/// The intermediate certificate's contents.
pub(crate) fn intermediate_params(
    mesh: &MeshId,
    cluster: &ClusterName,
    now: OffsetDateTime,
    root_not_after: OffsetDateTime,
    serial: [u8; 16],
    validity: Duration,
) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = profile::mesh_subject(mesh, format!("Intermediate CA {cluster}"));
    // istiod signs workload certificates only: no CA below it.
    profile::ca(&mut params, 0);
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - BACKDATE;
    params.not_after = (now + validity).min(root_not_after);
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params
}

/// A fresh intermediate for `cluster`, signed by the root (`root_der`,
/// whose key is `root_key` in the token). Not yet verified.
pub(crate) fn intermediate(
    root_der: &[u8],
    root_key: &TokenKey<'_>,
    mesh: &MeshId,
    cluster: &ClusterName,
    now: OffsetDateTime,
    serial: [u8; 16],
    validity: Duration,
) -> Result<CaCerts, CaError> {
    let what = format!("intermediate CA of cluster {cluster} in mesh {mesh}");
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
        .map_err(CaError::certificate(format!("key of the {what}")))?;
    let root = CertificateDer::from(root_der);
    let issuer = Issuer::from_ca_cert_der(&root, root_key)
        .map_err(CaError::certificate(format!("issuer of the {what}")))?;
    let root_not_after = issuer_not_after(root_der)?;
    let cert = intermediate_params(mesh, cluster, now, root_not_after, serial, validity)
        .signed_by(&key, &issuer)
        .map_err(|e| {
            root_key
                .take_failure()
                .unwrap_or_else(|| CaError::certificate(what.clone())(e))
        })?;
    let ca_cert_pem = certificate_pem(cert.der());
    let root_cert_pem = certificate_pem(root_der);
    Ok(CaCerts {
        cert_chain_pem: format!("{ca_cert_pem}{root_cert_pem}"),
        ca_key_pem: key.serialize_pem(),
        ca_cert_pem,
        root_cert_pem,
    })
}

fn issuer_not_after(root_der: &[u8]) -> Result<OffsetDateTime, CaError> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (_, root) = X509Certificate::from_der(root_der)
        .map_err(|e| CaError::InvalidBundle(format!("the root certificate does not parse: {e}")))?;
    OffsetDateTime::from_unix_timestamp(root.validity().not_after.timestamp()).map_err(|e| {
        CaError::InvalidBundle(format!(
            "the root certificate's expiry is out of range: {e}"
        ))
    })
}
