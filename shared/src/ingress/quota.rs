//! Multi-cluster ingress quotas (SPEC §4.3): at most 100 MultiClusterIngress
//! and 100 MultiClusterService resources per project, the project being the
//! config cluster's.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::fleet::Fleet;

/// MultiClusterService resources allowed per project.
pub const MCS_PER_PROJECT: u32 = 100;
/// MultiClusterIngress resources allowed per project.
pub const MCI_PER_PROJECT: u32 = 100;

/// Which of the two resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum IngressKind {
    MultiClusterService,
    MultiClusterIngress,
}

impl IngressKind {
    pub fn limit(self) -> u32 {
        match self {
            IngressKind::MultiClusterService => MCS_PER_PROJECT,
            IngressKind::MultiClusterIngress => MCI_PER_PROJECT,
        }
    }
}

impl fmt::Display for IngressKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IngressKind::MultiClusterService => "MultiClusterService",
            IngressKind::MultiClusterIngress => "MultiClusterIngress",
        })
    }
}

/// How many of each a project has now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct QuotaUsage {
    pub services: u32,
    pub ingresses: u32,
}

impl QuotaUsage {
    pub fn used(self, kind: IngressKind) -> u32 {
        match kind {
            IngressKind::MultiClusterService => self.services,
            IngressKind::MultiClusterIngress => self.ingresses,
        }
    }

    /// How many more may be created (for the quota meter).
    pub fn remaining(self, kind: IngressKind) -> u32 {
        kind.limit().saturating_sub(self.used(kind))
    }
}

/// Creating one more would pass the project's limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[error(
    "project {project} already has {used} {kind} resources, the limit is {limit} per project; delete one before creating another"
)]
pub struct QuotaExceeded {
    pub project: String,
    pub kind: IngressKind,
    pub used: u32,
    pub limit: u32,
}

/// Whether `project`, with `usage`, may create one more `kind`. Updates of
/// an existing resource do not count; only call this for a create.
pub fn check_quota(
    project: &str,
    usage: QuotaUsage,
    kind: IngressKind,
) -> Result<(), QuotaExceeded> {
    let used = usage.used(kind);
    if used < kind.limit() {
        Ok(())
    } else {
        Err(QuotaExceeded {
            project: project.to_owned(),
            kind,
            used,
            limit: kind.limit(),
        })
    }
}

/// The project the quotas count against: the config cluster's, else the
/// fleet host project.
pub fn quota_project(fleet: &Fleet) -> Option<&str> {
    fleet
        .clusters
        .iter()
        .find(|c| c.member.config_cluster)
        .and_then(|c| c.member.project.as_ref())
        .map(|p| p.id.as_str())
        .or(fleet.project.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hundredth_is_allowed_the_hundred_and_first_is_not() {
        let usage = QuotaUsage {
            services: 99,
            ingresses: 100,
        };
        assert!(check_quota("project-a", usage, IngressKind::MultiClusterService).is_ok());
        let err = check_quota("project-a", usage, IngressKind::MultiClusterIngress).unwrap_err();
        assert_eq!(err.used, 100);
        assert_eq!(
            err.to_string(),
            "project project-a already has 100 MultiClusterIngress resources, the limit is 100 per project; delete one before creating another"
        );
        assert_eq!(usage.remaining(IngressKind::MultiClusterService), 1);
        assert_eq!(usage.remaining(IngressKind::MultiClusterIngress), 0);
    }
}
