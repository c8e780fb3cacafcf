//! Multi-cluster ingress: the config cluster's MultiClusterServices and
//! Ingresses with their previews, reviews and writes, and changing the
//! config cluster. Reviews and applies refused by validation answer with
//! an [`ApiError`] carrying the errors on their fields (`fields`).

use shared::ingress::api::{
    Comparison, ConfigClusterState, CopyReport, MciList, MciPreview, McsList, McsPreview,
    ReviewedChange, SwitchRequest,
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

pub async fn apply_service(mcs: MultiClusterService) -> Result<ReviewedChange, ApiError> {
    let path = routes::fill(routes::INGRESS_SERVICE, &[&mcs.namespace(), &mcs.name()]);
    put_json(&path, &mcs).await
}

pub async fn apply_ingress(mci: MultiClusterIngress) -> Result<ReviewedChange, ApiError> {
    let path = routes::fill(routes::INGRESS_INGRESS, &[&mci.namespace(), &mci.name()]);
    put_json(&path, &mci).await
}

pub async fn delete_service(namespace: String, name: String) -> Result<(), ApiError> {
    super::delete(&routes::fill(routes::INGRESS_SERVICE, &[&namespace, &name])).await
}

pub async fn delete_ingress(namespace: String, name: String) -> Result<(), ApiError> {
    super::delete(&routes::fill(routes::INGRESS_INGRESS, &[&namespace, &name])).await
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
