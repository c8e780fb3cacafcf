//! The seed's scenarios against a fleet like the default sandbox one
//! ([`super::fixtures`]), one file per area.

mod review;
mod selection;
mod validation;

use super::{ExclusionReason, Selection, SelectionReport};

pub(super) fn names(list: impl IntoIterator<Item = crate::ClusterName>) -> Vec<String> {
    list.into_iter().map(|c| c.to_string()).collect()
}

pub(super) fn outcome(report: &SelectionReport, cluster: &str) -> Selection {
    report.get(cluster).expect("a member").selection
}

pub(super) const NOT_IN: Selection = Selection::Excluded {
    reason: ExclusionReason::NotInClusters,
};
pub(super) const NS_MISSING: Selection = Selection::Excluded {
    reason: ExclusionReason::NamespaceMissing,
};
