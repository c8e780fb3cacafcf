//! Fleet model values the unit tests build: a Ready control plane and a
//! namespace with its labels and pods (test builds only).

use super::{ControlPlane, Namespace, PodCount};

/// Revision `revision` with one Ready istiod (`istiod-<revision>`) and its
/// injection webhook.
pub fn ready_control_plane(revision: &str) -> ControlPlane {
    ControlPlane {
        revision: revision.into(),
        deployment: Some(format!("istiod-{revision}")),
        version: None,
        replicas: 1,
        ready_replicas: 1,
        webhook: true,
    }
}

/// Namespace `name` with `istio.io/rev` `rev`, `istio-injection` `legacy`
/// and, per proxy revision, that many pods, all Ready.
pub fn namespace(
    name: &str,
    rev: Option<&str>,
    legacy: Option<&str>,
    pods: &[(&str, u32)],
) -> Namespace {
    Namespace {
        name: name.into(),
        rev_label: rev.map(Into::into),
        injection_label: legacy.map(Into::into),
        pods: pods
            .iter()
            .map(|(r, n)| {
                (
                    (*r).to_owned(),
                    PodCount {
                        total: *n,
                        ready: *n,
                    },
                )
            })
            .collect(),
    }
}
