//! The console's multi-cluster ingress API: the bodies both sides
//! exchange (paths are in [`crate::routes`]) (lists with quota usage, selection previews, reviews,
//! the config-cluster comparison), so the browser and the backend read the
//! same types.

use serde::{Deserialize, Serialize};

use super::compare::Difference;
use super::error::FieldError;
use super::mci::MultiClusterIngress;
use super::mcs::MultiClusterService;
use super::quota::QuotaUsage;
use super::review::{MciReview, McsReview};
use super::routing::Route;
use super::sameness::SamenessWarning;
use super::selection::Selection;
use crate::ClusterName;
use crate::diff::ObjectDiff;
use crate::fleet::PodCount;

/// The MultiClusterServices (or Ingresses) of the config cluster, with
/// the quota usage both count against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct IngressList<T> {
    pub config_cluster: ClusterName,
    pub usage: QuotaUsage,
    pub items: Vec<T>,
}

/// The MultiClusterServices of the config cluster.
pub type McsList = IngressList<McsItem>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct McsItem {
    pub service: MultiClusterService,
    /// The members it selects (or cannot verify).
    pub chosen: Vec<ClusterName>,
    pub warnings: Vec<SamenessWarning>,
    /// What would refuse it if it were written now (a link to a member that
    /// left the fleet, a namespace removed from the config cluster).
    pub errors: Vec<FieldError>,
}

/// The MultiClusterIngresses of the config cluster.
pub type MciList = IngressList<MciItem>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MciItem {
    pub ingress: MultiClusterIngress,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vip: Option<String>,
    /// The hosts of its rules, in order.
    pub hosts: Vec<String>,
    pub warnings: Vec<SamenessWarning>,
    pub errors: Vec<FieldError>,
}

/// One MultiClusterService across the fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct McsPreview {
    pub config_cluster: ClusterName,
    pub service: MultiClusterService,
    /// Its `resourceVersion` as read with `service` (what a delete from
    /// the page it shows names, [`DeleteQuery`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    pub review: McsReview,
    pub members: Vec<MemberPreview>,
    pub events: Vec<IngressEvent>,
}

/// One member as an MCS sees it: selected or excluded (and why), its
/// derived Service, and the pods the selector matches there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MemberPreview {
    pub cluster: ClusterName,
    pub location: String,
    pub config_cluster: bool,
    pub selection: Selection,
    /// `mci-<mcs>-svc-<hash>`.
    pub derived_service: String,
    /// Whether the derived Service exists there; `None` when the member
    /// could not be asked (see `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived: Option<bool>,
    /// Pods matching the selector in the namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pods: Option<PodCount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl MemberPreview {
    /// The derived Service is where the selection says it should be (and
    /// absent elsewhere): the controller has caught up with this member.
    pub fn settled(&self) -> bool {
        match (self.selection, self.derived) {
            (Selection::Selected, Some(present)) => present,
            (Selection::Excluded { .. }, Some(present)) => !present,
            _ => false,
        }
    }
}

/// One MultiClusterIngress: hosts → MCS → clusters → pods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MciPreview {
    pub config_cluster: ClusterName,
    pub ingress: MultiClusterIngress,
    /// Its `resourceVersion` as read with `ingress`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vip: Option<String>,
    pub review: MciReview,
    /// The default backend first (when there is one), then the rules.
    pub routes: Vec<RoutePreview>,
    pub events: Vec<IngressEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RoutePreview {
    pub route: Route,
    pub default: bool,
    /// The clusters serving it and their matching pods.
    pub clusters: Vec<ClusterPods>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ClusterPods {
    pub cluster: ClusterName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pods: Option<PodCount>,
}

/// An Event the controller recorded about a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct IngressEvent {
    /// `Warning` or `Normal`.
    pub kind: String,
    pub reason: String,
    pub message: String,
}

/// A change that passed review: its dry-run diff, and warnings that do not
/// refuse it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ReviewedChange {
    pub diff: ObjectDiff,
    pub warnings: Vec<SamenessWarning>,
    /// The `resourceVersion` of the live object the diff was made against;
    /// absent when it did not exist. The apply sends it back
    /// ([`ApplyRequest::resource_version`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
}

/// An apply (or take-over) of a reviewed MultiClusterService or
/// MultiClusterIngress: the object and the `resourceVersion` its review was
/// made against. If the live object is no longer that version (or exists
/// when it did not, or the reverse), nothing is applied and the answer is a
/// 409 whose [`crate::ApiError::fresh`] holds the diff as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ApplyRequest<T> {
    pub object: T,
    /// [`ReviewedChange::resource_version`] of the review; absent: the
    /// object did not exist when reviewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
}

/// A delete of the MultiClusterService or MultiClusterIngress the editor
/// showed, as the query of the DELETE: refused with a 409 (and the object
/// as it is now) if it changed since.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DeleteQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
}

/// Which member is the config cluster, and whether the console can change
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ConfigClusterState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterName>,
    /// The fleet API is configured (`hub.endpoint` in fleet.yaml); without
    /// it the config cluster is fixed by fleet.yaml's `configCluster`.
    pub switchable: bool,
    /// Why it cannot be switched, when it cannot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Names the candidate config cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SwitchRequest {
    pub to: ClusterName,
}

/// The MultiClusterServices and Ingresses of the config cluster against a
/// candidate's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Comparison {
    pub from: ClusterName,
    pub to: ClusterName,
    pub differences: Vec<Difference>,
}

impl Comparison {
    pub fn identical(&self) -> bool {
        self.differences.is_empty()
    }
}

/// What copying to the candidate did, object by object (`Kind ns/name
/// created`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CopyReport {
    pub to: ClusterName,
    pub changes: Vec<String>,
    /// The comparison after the copy.
    pub comparison: Comparison,
}
