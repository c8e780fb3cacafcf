//! The live fleet: the snapshot, one namespace's pods, and where the event
//! stream of deltas is.

use shared::fleet::{Fleet, NamespaceDetail};
use shared::{ApiError, routes};

/// `GET /api/fleet`: every member cluster at one version.
pub async fn snapshot() -> Result<Fleet, ApiError> {
    super::get_json(routes::FLEET).await
}

/// `GET /api/clusters/{cluster}/namespaces/{namespace}`: its pods.
pub async fn namespace(cluster: String, namespace: String) -> Result<NamespaceDetail, ApiError> {
    super::get_json(&routes::fill(routes::NAMESPACE, &[&cluster, &namespace])).await
}

/// The event stream's URL for a client holding `version`.
pub fn events_url(version: u64) -> String {
    format!("{}?since={version}", routes::EVENTS)
}
