//! What the ingress editor needs of either resource (MultiClusterService
//! or MultiClusterIngress): a blank one, where it lives, its review in the
//! browser, and the server calls that review, apply (or take over) and
//! delete it, each carrying the `resourceVersion` the user saw.

use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::ApiError;
use shared::ingress::api::ReviewedChange;
use shared::ingress::{
    FieldError, IngressContext, MultiClusterIngress, MultiClusterService, SamenessWarning,
    review_mci, review_mcs,
};

use crate::api;

/// What the editor needs of either resource.
pub trait Editable:
    Clone + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static
{
    const KIND: &'static str;
    const PATH: &'static str;
    fn blank() -> Self;
    fn at(&self) -> (String, String);
    fn check(&self, ctx: &IngressContext<'_>) -> (Vec<FieldError>, Vec<SamenessWarning>);
    fn review(self) -> impl Future<Output = Result<ReviewedChange, ApiError>>;
    /// Applies it as reviewed against `version`, or (`take_over`) forces it
    /// against that version.
    fn apply(
        self,
        version: Option<String>,
        take_over: bool,
    ) -> impl Future<Output = Result<ReviewedChange, ApiError>>;
    fn delete(
        namespace: String,
        name: String,
        version: Option<String>,
    ) -> impl Future<Output = Result<(), ApiError>>;
}

impl Editable for MultiClusterService {
    const KIND: &'static str = "MultiClusterService";
    const PATH: &'static str = "services";
    fn blank() -> Self {
        let mut mcs = MultiClusterService::new("", "");
        mcs.spec
            .template
            .spec
            .ports
            .push(shared::ingress::ServicePort {
                name: Some("web".into()),
                protocol: Some("TCP".into()),
                port: Some(80),
                target_port: Some(80.into()),
            });
        mcs
    }
    fn at(&self) -> (String, String) {
        (self.namespace().to_owned(), self.name().to_owned())
    }
    fn check(&self, ctx: &IngressContext<'_>) -> (Vec<FieldError>, Vec<SamenessWarning>) {
        let r = review_mcs(self, ctx);
        (r.errors, r.warnings)
    }
    fn review(self) -> impl Future<Output = Result<ReviewedChange, ApiError>> {
        api::ingress::review_service(self)
    }
    async fn apply(
        self,
        version: Option<String>,
        take_over: bool,
    ) -> Result<ReviewedChange, ApiError> {
        match take_over {
            false => api::ingress::apply_service(self, version).await,
            true => api::ingress::take_over_service(self, version).await,
        }
    }
    fn delete(
        namespace: String,
        name: String,
        version: Option<String>,
    ) -> impl Future<Output = Result<(), ApiError>> {
        api::ingress::delete_service(namespace, name, version)
    }
}

impl Editable for MultiClusterIngress {
    const KIND: &'static str = "MultiClusterIngress";
    const PATH: &'static str = "ingresses";
    fn blank() -> Self {
        MultiClusterIngress::new("", "")
    }
    fn at(&self) -> (String, String) {
        (self.namespace().to_owned(), self.name().to_owned())
    }
    fn check(&self, ctx: &IngressContext<'_>) -> (Vec<FieldError>, Vec<SamenessWarning>) {
        let r = review_mci(self, ctx);
        (r.errors, r.warnings)
    }
    fn review(self) -> impl Future<Output = Result<ReviewedChange, ApiError>> {
        api::ingress::review_ingress(self)
    }
    async fn apply(
        self,
        version: Option<String>,
        take_over: bool,
    ) -> Result<ReviewedChange, ApiError> {
        let mut plain = self;
        plain.status = None;
        match take_over {
            false => api::ingress::apply_ingress(plain, version).await,
            true => api::ingress::take_over_ingress(plain, version).await,
        }
    }
    fn delete(
        namespace: String,
        name: String,
        version: Option<String>,
    ) -> impl Future<Output = Result<(), ApiError>> {
        api::ingress::delete_ingress(namespace, name, version)
    }
}
