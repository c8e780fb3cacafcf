//! Why an install step failed, as the operator reads it on the step.

use crate::cluster::apply::ApplyError;
use crate::security::ca::CaError;

/// A failed install step. Every message names the cluster.
#[derive(Debug, thiserror::Error)]
pub enum InstallStepError {
    /// Reading or writing the cluster failed.
    #[error("{cluster}: {source}")]
    Cluster {
        cluster: String,
        #[source]
        source: ApplyError,
    },
    #[error(
        "{cluster}: the console has no root CA token configured (--pkcs11-module, --pkcs11-token, --pkcs11-pin-file); Istio CA with plug-in certificates needs one"
    )]
    NoRootToken { cluster: String },
    #[error("the mesh root CA of {mesh}: {source}")]
    MeshRoot {
        mesh: String,
        #[source]
        source: CaError,
    },
    #[error(
        "{cluster}: no security officer has granted issuing its intermediate CA in mesh {mesh} for trust domain {trust_domain} (Security → Issuance grants); nothing was issued"
    )]
    NotGranted {
        cluster: String,
        mesh: String,
        trust_domain: String,
    },
    #[error("{cluster}: the issuance grant could not be read or recorded: {reason}")]
    Grant { cluster: String, reason: String },
    #[error("issuing {cluster}'s intermediate CA: {source}")]
    Issue {
        cluster: String,
        #[source]
        source: CaError,
    },
    #[error("the issued chain for {cluster} does not verify: {source}")]
    ChainInvalid {
        cluster: String,
        #[source]
        source: CaError,
    },
    #[error(
        "{cluster}: istiod-{revision} has {checked} pods, {ready} Ready; not labelled istio.io/rev={revision}: {offenders}"
    )]
    NotVerified {
        cluster: String,
        revision: String,
        checked: usize,
        ready: usize,
        /// The pods without the label, comma separated, or `none`.
        offenders: String,
    },
    #[error("{cluster}: istiod-{revision} did not become Ready within {secs} s: {reason}")]
    NotReady {
        cluster: String,
        revision: String,
        secs: u64,
        reason: String,
    },
    #[error("{cluster}: istiod-{revision} wrote no CSR within {secs} s: {reason}")]
    NoRequest {
        cluster: String,
        revision: String,
        secs: u64,
        reason: String,
    },
}

impl InstallStepError {
    /// A failed read or write on `cluster`.
    pub fn on(cluster: &str) -> impl Fn(ApplyError) -> Self + Copy + '_ {
        move |source| Self::Cluster {
            cluster: cluster.to_owned(),
            source,
        }
    }
}
