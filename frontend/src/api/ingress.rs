//! Multi-cluster ingress: the config cluster's MultiClusterServices and
//! Ingresses with their previews, reviews and writes, and changing the
//! config cluster. Reviews and applies refused by validation answer with
//! an [`ApiError`] carrying the errors on their fields (`fields`); applies,
//! take-overs and deletes carry the `resourceVersion` the user reviewed,
//! and one refused because the object changed since answers a 409 whose
//! `fresh` is the diff against it as it is now.

use shared::ingress::api::{
    ApplyRequest, Comparison, ConfigClusterState, CopyReport, MciList, MciPreview, McsList,
    McsPreview, ReviewedChange, SwitchRequest,
};
use shared::ingress::{MultiClusterIngress, MultiClusterService};
use shared::{ApiError, ClusterName, routes};

use super::{get_json, post_json, put_json};

pub async fn services() -> Result<McsList, ApiError> {
    get_json(routes::INGRESS_SERVICES).await
}

pub async fn ingresses() -> Result<MciList, ApiError> {
    get_json(routes::INGRESS_INGRESSES).await
}

pub async fn service(namespace: String, name: String) -> Result<McsPreview, ApiError> {
    get_json(&routes::fill(routes::INGRESS_SERVICE, &[&namespace, &name])).await
}

pub async fn ingress(namespace: String, name: String) -> Result<MciPreview, ApiError> {
    get_json(&routes::fill(routes::INGRESS_INGRESS, &[&namespace, &name])).await
}

pub async fn review_service(mcs: MultiClusterService) -> Result<ReviewedChange, ApiError> {
    post_json(routes::INGRESS_SERVICE_REVIEW, &mcs).await
}

pub async fn review_ingress(mci: MultiClusterIngress) -> Result<ReviewedChange, ApiError> {
    post_json(routes::INGRESS_INGRESS_REVIEW, &mci).await
}

/// Applies `mcs` as reviewed against `resource_version`.
pub async fn apply_service(
    mcs: MultiClusterService,
    resource_version: Option<String>,
) -> Result<ReviewedChange, ApiError> {
    let path = routes::fill(routes::INGRESS_SERVICE, &[&mcs.namespace(), &mcs.name()]);
    put_json(
        &path,
        &ApplyRequest {
            object: mcs,
            resource_version,
        },
    )
    .await
}

/// Takes `mcs` over (forced) while it is `resource_version`.
pub async fn take_over_service(
    mcs: MultiClusterService,
    resource_version: Option<String>,
) -> Result<ReviewedChange, ApiError> {
    let path = routes::fill(
        routes::INGRESS_SERVICE_TAKEOVER,
        &[&mcs.namespace(), &mcs.name()],
    );
    post_json(
        &path,
        &ApplyRequest {
            object: mcs,
            resource_version,
        },
    )
    .await
}

/// Applies `mci` as reviewed against `resource_version`.
pub async fn apply_ingress(
    mci: MultiClusterIngress,
    resource_version: Option<String>,
) -> Result<ReviewedChange, ApiError> {
    let path = routes::fill(routes::INGRESS_INGRESS, &[&mci.namespace(), &mci.name()]);
    put_json(
        &path,
        &ApplyRequest {
            object: mci,
            resource_version,
        },
    )
    .await
}

/// Takes `mci` over (forced) while it is `resource_version`.
pub async fn take_over_ingress(
    mci: MultiClusterIngress,
    resource_version: Option<String>,
) -> Result<ReviewedChange, ApiError> {
    let path = routes::fill(
        routes::INGRESS_INGRESS_TAKEOVER,
        &[&mci.namespace(), &mci.name()],
    );
    post_json(
        &path,
        &ApplyRequest {
            object: mci,
            resource_version,
        },
    )
    .await
}

/// `path` held to `resource_version` (the version shown), when known.
fn held(path: String, resource_version: Option<String>) -> String {
    match resource_version {
        Some(v) => {
            // Opaque to clients, so escaped as a query value.
            let escaped: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        char::from(b).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{path}?resource_version={escaped}")
        }
        None => path,
    }
}

pub async fn delete_service(
    namespace: String,
    name: String,
    resource_version: Option<String>,
) -> Result<(), ApiError> {
    let path = routes::fill(routes::INGRESS_SERVICE, &[&namespace, &name]);
    super::delete(&held(path, resource_version)).await
}

pub async fn delete_ingress(
    namespace: String,
    name: String,
    resource_version: Option<String>,
) -> Result<(), ApiError> {
    let path = routes::fill(routes::INGRESS_INGRESS, &[&namespace, &name]);
    super::delete(&held(path, resource_version)).await
}

pub async fn config_cluster() -> Result<ConfigClusterState, ApiError> {
    get_json(routes::CONFIG_CLUSTER).await
}

pub async fn compare(to: ClusterName) -> Result<Comparison, ApiError> {
    post_json(routes::CONFIG_COMPARE, &SwitchRequest { to }).await
}

pub async fn copy(to: ClusterName) -> Result<CopyReport, ApiError> {
    post_json(routes::CONFIG_COPY, &SwitchRequest { to }).await
}

pub async fn switch(to: ClusterName) -> Result<ConfigClusterState, ApiError> {
    post_json(routes::CONFIG_SWITCH, &SwitchRequest { to }).await
}
