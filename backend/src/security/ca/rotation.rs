//! Rotating a mesh root (issue 21): a new root is made beside the old,
//! which stays in the token as the mesh's previous root — trusted in
//! every trust bundle the console writes (`root-cert.pem` holds the new
//! root then the previous one) but no longer signing — until the officer
//! retires it once nothing chains to it any more.

use shared::mesh::MeshId;

use super::pem_text::certificate_pem;
use super::{CaError, CertificateAuthority, RootCertificate, random_serial, root};

impl CertificateAuthority {
    /// Rotates the mesh's root, which must still be the one with
    /// fingerprint `expected`: a new key pair and self-signed certificate
    /// in the token sign from now on; the current root becomes the
    /// previous one. Refused while an earlier rotation's previous root is
    /// still there, or when the mesh has no root.
    pub async fn rotate_root(
        &self,
        mesh: &MeshId,
        expected: &str,
    ) -> Result<RootCertificate, CaError> {
        let token = self.token.clone();
        let (mesh, expected) = (mesh.clone(), expected.to_owned());
        let (now, serial) = (self.now()?, random_serial());
        // Not abandoned at the call timeout, as creating is not.
        self.to_the_end(move || {
            token.with_session(|session| {
                root::describe(&root::rotate(session, &mesh, &expected, now, serial)?)
            })
        })
        .await
    }

    /// Every previous root the token holds (rotations underway), by mesh.
    pub async fn previous_roots(&self) -> Result<Vec<(MeshId, RootCertificate)>, CaError> {
        self.described(root::list_previous).await
    }

    /// Destroys the root of `mesh` with fingerprint `expected` in the
    /// token, the signing root or the previous one (ending a rotation):
    /// [`CaError::RootChanged`] when it is neither any more.
    pub async fn retire_root(&self, mesh: &MeshId, expected: &str) -> Result<(), CaError> {
        let token = self.token.clone();
        let (mesh, expected) = (mesh.clone(), expected.to_owned());
        self.to_the_end(move || {
            token.with_session(|session| root::destroy_fingerprint(session, &mesh, &expected))
        })
        .await
    }

    /// The mesh's trust bundle as `root-cert.pem` carries it: the signing
    /// root, then the previous root while a rotation is underway. `None`
    /// when the mesh has no root.
    pub async fn trust_bundle(&self, mesh: &MeshId) -> Result<Option<String>, CaError> {
        let token = self.token.clone();
        let mesh = mesh.clone();
        self.blocking(move || {
            token.with_session(|session| {
                let Some((current, _)) = root::load(session, &mesh)? else {
                    return Ok(None);
                };
                let previous = root::previous(session, &mesh)?;
                Ok(Some(bundle(&current, previous.as_deref())))
            })
        })
        .await
    }
}

/// `root-cert.pem`: the signing root, then the previous one if any.
pub(crate) fn bundle(current: &[u8], previous: Option<&[u8]>) -> String {
    let mut text = certificate_pem(current);
    if let Some(previous) = previous {
        text.push_str(&certificate_pem(previous));
    }
    text
}
