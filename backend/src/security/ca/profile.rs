//! What each kind of certificate this CA makes may do: a CA (root or
//! intermediate, with how many CA levels may follow it) signs
//! certificates and CRLs; a workload leaf serves and authenticates TLS.
//! Every certificate the CA builds takes its profile from here.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyUsagePurpose,
};
use shared::mesh::MeshId;

/// Makes `params` a CA certificate's with at most `path_len` CA levels
/// below it.
pub(super) fn ca(params: &mut CertificateParams, path_len: u8) {
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(path_len));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
}

/// Makes `params` a workload (TLS server and client) certificate's.
pub(super) fn workload(params: &mut CertificateParams) {
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
}

/// The subject of one of `mesh`'s CA certificates: the mesh as the
/// organisation, `common_name` naming the certificate.
pub(super) fn mesh_subject(mesh: &MeshId, common_name: String) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, mesh.as_str());
    name.push(DnType::CommonName, common_name);
    name
}
