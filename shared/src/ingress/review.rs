//! The one call the editor makes on every keystroke and the backend before
//! every write: shape validation plus the checks that need the fleet and
//! the config cluster's other resources (links naming members, the
//! namespace on the config cluster, backends naming services and ports,
//! quotas), with namespace-sameness warnings.

use serde::{Deserialize, Serialize};

use super::error::FieldError;
use super::mci::MultiClusterIngress;
use super::mcs::MultiClusterService;
use super::object::IngressResource;
use super::quota::{QuotaUsage, check_quota, quota_project};
use super::routing::{RouteTable, resolve_routes};
use super::sameness::{SamenessWarning, check_sameness};
use super::selection::{LinkProblem, SelectionReport, namespaces_known, resolve_selection};
use super::validate::{validate_mci, validate_mcs};
use crate::fleet::Fleet;

/// What the checks are made against: the fleet and the resources now in
/// the config cluster.
#[derive(Debug, Clone, Copy)]
pub struct IngressContext<'a> {
    pub fleet: &'a Fleet,
    pub services: &'a [MultiClusterService],
    pub ingresses: &'a [MultiClusterIngress],
}

impl IngressContext<'_> {
    /// Counts against the quotas (all of the config cluster's resources
    /// belong to its project).
    pub fn usage(&self) -> QuotaUsage {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        QuotaUsage {
            services: count(self.services.len()),
            ingresses: count(self.ingresses.len()),
        }
    }
}

/// The review of a MultiClusterService.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct McsReview {
    /// Refuse the write while any.
    pub errors: Vec<FieldError>,
    pub warnings: Vec<SamenessWarning>,
    pub selection: SelectionReport,
}

/// The review of a MultiClusterIngress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MciReview {
    /// Refuse the write while any.
    pub errors: Vec<FieldError>,
    pub warnings: Vec<SamenessWarning>,
    pub routes: RouteTable,
}

/// Either resource's review as what refuses it and what only warns: what
/// the editor shows on every keystroke and the backend checks before a
/// write.
pub trait Review: IngressResource {
    fn check(&self, ctx: &IngressContext<'_>) -> (Vec<FieldError>, Vec<SamenessWarning>);
}

impl Review for MultiClusterService {
    fn check(&self, ctx: &IngressContext<'_>) -> (Vec<FieldError>, Vec<SamenessWarning>) {
        let r = review_mcs(self, ctx);
        (r.errors, r.warnings)
    }
}

impl Review for MultiClusterIngress {
    fn check(&self, ctx: &IngressContext<'_>) -> (Vec<FieldError>, Vec<SamenessWarning>) {
        let r = review_mci(self, ctx);
        (r.errors, r.warnings)
    }
}

/// Reviews `mcs` as it would be written to the config cluster.
pub fn review_mcs(mcs: &MultiClusterService, ctx: &IngressContext<'_>) -> McsReview {
    let mut errors = validate_mcs(mcs);
    let selection = resolve_selection(mcs, ctx.fleet);
    for unmatched in &selection.unmatched {
        // Malformed links are already reported by validation.
        if matches!(unmatched.problem, LinkProblem::NotAMember { .. }) {
            errors.push(FieldError::new(unmatched.field(), unmatched.message()));
        }
    }
    check_config_cluster(&mut errors, ctx.fleet, mcs.namespace());
    check_create(&mut errors, ctx, ctx.services, mcs);
    let warnings = check_sameness(mcs, ctx.fleet, &selection)
        .into_iter()
        .filter(|w| !matches!(w, SamenessWarning::MissingOnConfigCluster { .. }))
        .collect();
    McsReview {
        errors,
        warnings,
        selection,
    }
}

/// Reviews `mci` as it would be written to the config cluster.
pub fn review_mci(mci: &MultiClusterIngress, ctx: &IngressContext<'_>) -> MciReview {
    let mut errors = validate_mci(mci);
    let routes = resolve_routes(mci, ctx.services, ctx.fleet);
    errors.extend(routes.errors.iter().cloned());
    check_config_cluster(&mut errors, ctx.fleet, mci.namespace());
    check_create(&mut errors, ctx, ctx.ingresses, mci);
    // Sameness of every service it routes to, each once.
    let mut warnings: Vec<SamenessWarning> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let all_routes = routes.default_backend.iter().chain(&routes.rules);
    for route in all_routes.filter(|r| r.target.is_some()) {
        if seen.contains(&route.service.as_str()) {
            continue;
        }
        seen.push(&route.service);
        let found = ctx
            .services
            .iter()
            .find(|s| s.namespace() == mci.namespace() && s.name() == route.service);
        if let Some(mcs) = found {
            let selection = resolve_selection(mcs, ctx.fleet);
            for w in check_sameness(mcs, ctx.fleet, &selection) {
                if !matches!(w, SamenessWarning::MissingOnConfigCluster { .. })
                    && !warnings.contains(&w)
                {
                    warnings.push(w);
                }
            }
        }
    }
    MciReview {
        errors,
        warnings,
        routes,
    }
}

/// The resources live in the config cluster, so it must exist and have
/// the namespace.
fn check_config_cluster(errors: &mut Vec<FieldError>, fleet: &Fleet, namespace: &str) {
    match fleet.clusters.iter().find(|c| c.member.config_cluster) {
        None => errors.push(FieldError::object(
            "the fleet has no config cluster; choose one before creating multi-cluster resources",
        )),
        Some(config) if namespaces_known(config) && config.namespace(namespace).is_none() => {
            errors.push(FieldError::new(
                "metadata.namespace",
                format!(
                    "namespace {namespace} does not exist on the config cluster {}; create it there (and on every cluster that serves it) first",
                    config.member.name
                ),
            ));
        }
        Some(_) => {}
    }
}

/// A new `object` (none of `existing` has its key) must fit the quota.
fn check_create<T: IngressResource>(
    errors: &mut Vec<FieldError>,
    ctx: &IngressContext<'_>,
    existing: &[T],
    object: &T,
) {
    if existing.iter().any(|e| e.key() == object.key()) {
        return;
    }
    let project = quota_project(ctx.fleet).unwrap_or("the fleet project");
    if let Err(e) = check_quota(project, ctx.usage(), T::KIND) {
        errors.push(FieldError::object(e.to_string()));
    }
}
