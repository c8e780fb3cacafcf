//! What can go wrong with the mesh CA, worded so an operator can act on it:
//! each token error names the module and label, each certificate error what
//! was being built or checked.

use std::path::PathBuf;

/// A failure of the token, of issuing, or of checking a `cacerts` bundle.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("cannot load the PKCS#11 module {module}: {source}")]
    Module {
        module: PathBuf,
        source: cryptoki::error::Error,
    },
    #[error("the PKCS#11 module {module} has no token labelled {label:?} (tokens: {found})")]
    TokenNotFound {
        module: PathBuf,
        label: String,
        found: String,
    },
    #[error("cannot read the PIN of token {label:?} from {path}: {reason}")]
    PinFile {
        label: String,
        path: PathBuf,
        reason: String,
    },
    #[error("the PIN in {pin_file} is wrong for token {label:?} (module {module})")]
    WrongPin {
        module: PathBuf,
        label: String,
        pin_file: PathBuf,
    },
    #[error("token {label:?}: cannot {action}: {source}")]
    Token {
        label: String,
        action: String,
        source: cryptoki::error::Error,
    },
    #[error("token {label:?}: {problem}")]
    TokenContent { label: String, problem: String },
    #[error("cannot build the {what}: {source}")]
    Certificate { what: String, source: rcgen::Error },
    #[error("invalid trust domain: {0}")]
    TrustDomain(shared::InvalidName),
    #[error("the cacerts bundle is not valid: {0}")]
    InvalidBundle(String),
    #[error("the issued chain does not verify against the mesh root: {0}")]
    ChainRejected(webpki::Error),
    /// A certificate or chain for a signing request that must not be
    /// written: it does not chain to the mesh root, is for another key, or
    /// the request asks for something the CA does not sign.
    #[error("{0}")]
    Rejected(String),
    /// No security officer created the mesh's root (issue 21: only they
    /// create key material).
    #[error(
        "mesh {mesh} has no root: a security officer must create the mesh root on Security → Mesh roots"
    )]
    NoRoot { mesh: shared::mesh::MeshId },
    /// A root certificate offered for import that is not one: not a
    /// self-signed CA on a P-256 key, or not valid now.
    #[error("the certificate cannot be a mesh root: {0}")]
    NotImportable(String),
    /// The token holds no usable key for a root certificate offered for
    /// import.
    #[error("{0}")]
    NoKeyInToken(String),
    /// A rotation of the mesh's root is underway: its previous root is
    /// still in the token.
    #[error(
        "a rotation of mesh {mesh}'s root is underway: retire its previous root once nothing chains to it, then rotate again"
    )]
    RotationUnderway { mesh: shared::mesh::MeshId },
    /// The root an act was asked for is no longer where it was read: the
    /// mesh's roots changed meanwhile (another officer, another replica).
    #[error(
        "the root {fingerprint} is no longer mesh {mesh}'s signing or previous root: its roots changed meanwhile; read them again"
    )]
    RootChanged {
        mesh: shared::mesh::MeshId,
        fingerprint: String,
    },
    /// The token already holds a root for the mesh.
    #[error("mesh {mesh} already has a root in the token")]
    RootExists { mesh: shared::mesh::MeshId },
    #[error("embedded SoftHSM2 token: {0}")]
    Embedded(String),
    #[error("the CA task stopped: {0}")]
    Task(String),
    /// The token did not answer within the call timeout.
    #[error("the PKCS#11 token did not answer within {secs} s")]
    Timeout { secs: u64 },
    /// The console's clock reads a time no certificate can carry.
    #[error("the console's clock reads {0} s since 1970, out of the range of certificates")]
    Clock(i64),
}

impl CaError {
    pub(crate) fn certificate(what: impl Into<String>) -> impl FnOnce(rcgen::Error) -> Self {
        let what = what.into();
        move |source| Self::Certificate { what, source }
    }
}
