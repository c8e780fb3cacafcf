//! Multi-cluster ingress (SPEC §4, seed 003), as logic both the browser
//! and the backend run: the `networking.gke.io/v1` resources
//! ([`mcs`], [`mci`], sharing [`object`]), their shape checks
//! ([`validate`], value [`syntax`], [`link`]s), which members a
//! MultiClusterService selects ([`selection`]), namespace [`sameness`],
//! [`quota`]s, MultiClusterIngress [`routing`], the names of the
//! [`derived`] Services, and [`review`], the one call the editor makes on
//! every keystroke and the backend before every write. Problems come back
//! as [`FieldError`]s addressed to the manifest field.

pub mod api;
pub mod compare;
pub mod derived;
pub mod error;
pub mod link;
pub mod mci;
pub mod mcs;
pub mod object;
pub mod quota;
pub mod review;
pub mod routing;
pub mod sameness;
pub mod selection;
pub mod syntax;
pub mod validate;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

pub use compare::{Difference, DifferenceKind, IngressSet, compare};
pub use derived::{derived_hash, derived_service_name, neg_annotation, parent_annotation};
pub use error::FieldError;
pub use link::{ClusterLink, LinkError};
pub use mci::{
    BackendUse, HttpPath, HttpRule, IngressRule, IngressTls, MciSpec, MciStatus, MciTemplate,
    MciTemplateSpec, MultiClusterIngress,
};
pub use mcs::{
    ClusterSelector, McsSpec, McsTemplate, McsTemplateSpec, MultiClusterService, ServicePort,
};
pub use object::{
    API_VERSION, BackendRef, GkeObject, IngressResource, IntOrString, KindSpec, ObjectMeta, Status,
};
pub use quota::{
    IngressKind, MCI_PER_PROJECT, MCS_PER_PROJECT, QuotaExceeded, QuotaUsage, check_quota,
    quota_project,
};
pub use review::{IngressContext, MciReview, McsReview, Review, review_mci, review_mcs};
pub use routing::{Route, RouteTable, RouteTarget, resolve_routes};
pub use sameness::{SamenessWarning, check_sameness};
pub use selection::{
    ExclusionReason, LinkProblem, MemberSelection, Selection, SelectionReport, UnmatchedLink,
    resolve_selection,
};
pub use validate::{validate_mci, validate_mcs};
