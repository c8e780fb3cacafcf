//! What the ingress editor needs of either resource (MultiClusterService
//! or MultiClusterIngress): a blank one, how its page reads and shows it,
//! its review in the browser (shared's [`Review`]), and the server calls that review, apply (or take over) and
//! delete it, each carrying the `resourceVersion` the user saw.

use std::future::Future;

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use shared::ApiError;
use shared::ingress::api::{MciPreview, McsPreview, ReviewedChange};
use shared::ingress::{MultiClusterIngress, MultiClusterService, Review};

use super::preview;
use crate::api;
use crate::api::ingress::IngressObject;

/// What the editor needs of either resource.
pub trait Editable:
    IngressObject<Preview: Clone + 'static>
    + Review
    + Clone
    + PartialEq
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
    const PATH: &'static str;
    /// `data-testid` of the object's page.
    const PAGE_TESTID: &'static str;
    fn blank() -> Self;
    /// The object a preview shows and the `resourceVersion` it was read at.
    fn previewed(p: &Self::Preview) -> (&Self, Option<&str>);
    fn preview_view(p: Self::Preview) -> AnyView;

    /// What the object's page reads: the object and what it derives.
    fn read(
        namespace: String,
        name: String,
    ) -> impl Future<Output = Result<Self::Preview, ApiError>> {
        api::ingress::preview::<Self>(namespace, name)
    }

    fn review(self) -> impl Future<Output = Result<ReviewedChange, ApiError>> {
        api::ingress::review(self)
    }

    /// Applies it as reviewed against `version`, or (`take_over`) forces it
    /// against that version.
    fn apply(
        self,
        version: Option<String>,
        take_over: bool,
    ) -> impl Future<Output = Result<ReviewedChange, ApiError>> {
        api::ingress::apply(self.without_status(), version, take_over)
    }

    fn delete(
        namespace: String,
        name: String,
        version: Option<String>,
    ) -> impl Future<Output = Result<(), ApiError>> {
        api::ingress::delete::<Self>(namespace, name, version)
    }
}

impl Editable for MultiClusterService {
    const PATH: &'static str = "services";
    const PAGE_TESTID: &'static str = "mcs-page";
    fn blank() -> Self {
        let mut mcs = MultiClusterService::new("", "");
        let web = shared::ingress::ServicePort::tcp("web", 80);
        mcs.spec.template.spec.ports.push(web);
        mcs
    }
    fn previewed(p: &McsPreview) -> (&Self, Option<&str>) {
        (&p.service, p.resource_version.as_deref())
    }
    fn preview_view(p: McsPreview) -> AnyView {
        preview::mcs_preview(p).into_any()
    }
}

impl Editable for MultiClusterIngress {
    const PATH: &'static str = "ingresses";
    const PAGE_TESTID: &'static str = "mci-page";
    fn blank() -> Self {
        MultiClusterIngress::new("", "")
    }
    fn previewed(p: &MciPreview) -> (&Self, Option<&str>) {
        (&p.ingress, p.resource_version.as_deref())
    }
    fn preview_view(p: MciPreview) -> AnyView {
        preview::mci_preview(p).into_any()
    }
}
