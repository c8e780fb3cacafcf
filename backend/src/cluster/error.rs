//! What went wrong acting on one member, named with it. The cluster layer
//! knows nothing of HTTP: `crate::error` maps a [`ClusterError`] to its
//! status and body in one place.

pub use super::apply::ApplyError;

/// A failure on member `cluster`, worded as the API words it.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ClusterError {
    pub cluster: String,
    pub kind: ClusterErrorKind,
}

/// Why an action on a member failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterErrorKind {
    /// The fleet has no member of that name.
    #[error("no such member cluster")]
    Unknown,
    /// The member refused, or could not be reached.
    #[error(transparent)]
    Apply(#[from] ApplyError),
}

impl ClusterError {
    /// The member's own refusal or silence, for callers that name the
    /// member themselves (a member API never fails as unknown).
    pub fn into_apply(self) -> ApplyError {
        match self.kind {
            ClusterErrorKind::Apply(apply) => apply,
            ClusterErrorKind::Unknown => ApplyError::Unreachable(self.describe()),
        }
    }

    fn describe(&self) -> String {
        let cluster = &self.cluster;
        match &self.kind {
            ClusterErrorKind::Unknown => format!("no member cluster {cluster:?}"),
            ClusterErrorKind::Apply(ApplyError::Unreachable(reason)) => {
                format!("cluster {cluster} did not answer: {reason}")
            }
            ClusterErrorKind::Apply(refused) => format!("{cluster} refused: {refused}"),
        }
    }

    pub fn new(cluster: &str, kind: impl Into<ClusterErrorKind>) -> Self {
        Self {
            cluster: cluster.to_owned(),
            kind: kind.into(),
        }
    }
}
