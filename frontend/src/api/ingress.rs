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
use shared::ingress::{IngressResource, MultiClusterIngress, MultiClusterService};
use shared::{ApiError, ClusterName, routes};

use serde::de::DeserializeOwned;

use super::{get_json, post_json, put_json};

pub async fn services() -> Result<McsList, ApiError> {
    get_json(routes::INGRESS_SERVICES).await
}

pub async fn ingresses() -> Result<MciList, ApiError> {
    get_json(routes::INGRESS_INGRESSES).await
}

/// A MultiClusterService or MultiClusterIngress as the console writes it:
/// where it is reviewed, applied, taken over and deleted.
pub trait IngressObject: IngressResource {
    /// What its page reads (`GET` of [`Self::ROUTE`]): the object and what
    /// it derives.
    type Preview: DeserializeOwned;
    /// `…/{namespace}/{name}`: read, apply (`PUT`) and delete.
    const ROUTE: &'static str;
    const REVIEW_ROUTE: &'static str;
    const TAKEOVER_ROUTE: &'static str;
}

impl IngressObject for MultiClusterService {
    type Preview = McsPreview;
    const ROUTE: &'static str = routes::INGRESS_SERVICE;
    const REVIEW_ROUTE: &'static str = routes::INGRESS_SERVICE_REVIEW;
    const TAKEOVER_ROUTE: &'static str = routes::INGRESS_SERVICE_TAKEOVER;
}

impl IngressObject for MultiClusterIngress {
    type Preview = MciPreview;
    const ROUTE: &'static str = routes::INGRESS_INGRESS;
    const REVIEW_ROUTE: &'static str = routes::INGRESS_INGRESS_REVIEW;
    const TAKEOVER_ROUTE: &'static str = routes::INGRESS_INGRESS_TAKEOVER;
}

/// The object `namespace/name` with its preview.
pub async fn preview<T: IngressObject>(
    namespace: String,
    name: String,
) -> Result<T::Preview, ApiError> {
    get_json(&routes::fill(T::ROUTE, &[&namespace, &name])).await
}

/// The server's dry-run diff of `object` against the live one.
pub async fn review<T: IngressObject>(object: T) -> Result<ReviewedChange, ApiError> {
    post_json(T::REVIEW_ROUTE, &object).await
}

/// Applies `object` as reviewed against `resource_version` or, with
/// `take_over`, forces it while it is that version.
pub async fn apply<T: IngressObject>(
    object: T,
    resource_version: Option<String>,
    take_over: bool,
) -> Result<ReviewedChange, ApiError> {
    let template = if take_over {
        T::TAKEOVER_ROUTE
    } else {
        T::ROUTE
    };
    let (namespace, name) = object.key();
    let path = routes::fill(template, &[&namespace, &name]);
    let request = ApplyRequest {
        object,
        resource_version,
    };
    if take_over {
        post_json(&path, &request).await
    } else {
        put_json(&path, &request).await
    }
}

/// Deletes `namespace/name` while it is `resource_version` (the version
/// shown), when known.
pub async fn delete<T: IngressObject>(
    namespace: String,
    name: String,
    resource_version: Option<String>,
) -> Result<(), ApiError> {
    let path = routes::fill(T::ROUTE, &[&namespace, &name]);
    let path = match resource_version {
        Some(v) => format!("{path}?resource_version={}", super::query_value(&v)),
        None => path,
    };
    super::delete(&path).await
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
