//! Multi-cluster ingress: the config cluster's MultiClusterServices and
//! Ingresses with their previews, reviews and writes, and changing the
//! config cluster. Reviews and applies refused by validation answer with
//! the errors on their fields ([`Refusal::Invalid`]).

use gloo_net::http::{Request, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::ingress::api::{
    Comparison, ConfigClusterState, CopyReport, Invalid, MciList, MciPreview, McsList, McsPreview,
    ReviewedChange, SwitchRequest,
};
use shared::ingress::{MultiClusterIngress, MultiClusterService};
use shared::{ApiError, ClusterName, ErrorCode, routes};

use super::{decode, error_of, get_json, mutation, network_error, post_json};

/// Why a review or apply was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Validation failed: the errors are on their fields.
    Invalid(Invalid),
    Api(ApiError),
}

impl From<ApiError> for Refusal {
    fn from(err: ApiError) -> Self {
        Refusal::Api(err)
    }
}

async fn checked<B: Serialize, T: DeserializeOwned>(
    builder: RequestBuilder,
    path: &str,
    body: &B,
) -> Result<T, Refusal> {
    let request = mutation(builder).json(body).map_err(|err| {
        ApiError::new(
            ErrorCode::BadRequest,
            format!("cannot encode the request: {err}"),
        )
    })?;
    let response = request.send().await.map_err(network_error)?;
    if response.status() == 400 {
        let text = response.text().await.unwrap_or_default();
        return Err(match serde_json::from_str::<Invalid>(&text) {
            Ok(invalid) => Refusal::Invalid(invalid),
            Err(_) => Refusal::Api(
                serde_json::from_str::<ApiError>(&text)
                    .unwrap_or_else(|_| ApiError::new(ErrorCode::BadRequest, text)),
            ),
        });
    }
    if !response.ok() {
        return Err(error_of(path, response).await.into());
    }
    Ok(decode(path, response).await?)
}

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

pub async fn review_service(mcs: MultiClusterService) -> Result<ReviewedChange, Refusal> {
    checked(
        Request::post(routes::INGRESS_SERVICE_REVIEW),
        routes::INGRESS_SERVICE_REVIEW,
        &mcs,
    )
    .await
}

pub async fn review_ingress(mci: MultiClusterIngress) -> Result<ReviewedChange, Refusal> {
    checked(
        Request::post(routes::INGRESS_INGRESS_REVIEW),
        routes::INGRESS_INGRESS_REVIEW,
        &mci,
    )
    .await
}

pub async fn apply_service(mcs: MultiClusterService) -> Result<ReviewedChange, Refusal> {
    let path = routes::fill(routes::INGRESS_SERVICE, &[&mcs.namespace(), &mcs.name()]);
    checked(Request::put(&path), &path, &mcs).await
}

pub async fn apply_ingress(mci: MultiClusterIngress) -> Result<ReviewedChange, Refusal> {
    let path = routes::fill(routes::INGRESS_INGRESS, &[&mci.namespace(), &mci.name()]);
    checked(Request::put(&path), &path, &mci).await
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
