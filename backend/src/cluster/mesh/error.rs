//! Why reading or changing a member's workloads or control plane failed
//! during a migration, in the words the operator reads on the step.

use crate::cluster::apply::ApplyError;

/// A failed migration read, write or wait on one member cluster (the
/// cluster is named by whoever reports it).
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// The API server refused or did not answer while `doing`.
    #[error("{doing}: {}", crate::cluster::describe::describe(source))]
    Kube {
        doing: String,
        #[source]
        source: kube::Error,
    },
    #[error(transparent)]
    Apply(#[from] ApplyError),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("Deployment {namespace}/{name} no longer exists")]
    DeploymentGone { namespace: String, name: String },
    #[error("istio-ingressgateway runs {revision} and has no previous revision to roll back to")]
    NoPreviousGateway { revision: String },
    /// A namespace will not reach its revision without help (an image
    /// that cannot be pulled, a refused pod creation).
    #[error("{0}")]
    Stuck(String),
    #[error("pods of {namespace} not on {target} and Ready within {secs} s: {why}")]
    NotSettled {
        namespace: String,
        target: String,
        secs: u64,
        why: String,
    },
    #[error("{cluster} left the fleet")]
    LeftFleet { cluster: String },
}

impl MigrationError {
    /// The API server's error while `doing`.
    pub fn kube(doing: impl Into<String>) -> impl FnOnce(kube::Error) -> Self {
        let doing = doing.into();
        move |source| Self::Kube { doing, source }
    }
}
