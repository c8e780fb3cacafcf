//! Namespace sameness (SPEC §4.4): a namespace of one name is the same
//! namespace on every member, so a MultiClusterService's namespace should
//! exist on the config cluster and on every member it selects, with the
//! same sidecar injection labels everywhere.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::mcs::MultiClusterService;
use super::selection::{ExclusionReason, Selection, SelectionReport, namespaces_known};
use crate::ClusterName;
use crate::fleet::{Fleet, Injection};

/// A namespace-sameness finding; the console shows it as a warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum SamenessWarning {
    /// The config cluster, where the resources live, lacks the namespace.
    MissingOnConfigCluster {
        namespace: String,
        cluster: ClusterName,
    },
    /// Members the service would select lack the namespace, so they get no
    /// derived Service.
    MissingOnSelected {
        namespace: String,
        clusters: Vec<ClusterName>,
    },
    /// The namespace asks for different sidecar injection on different
    /// members: each variant (as [`Injection::describe`] says it) with the
    /// clusters that have it.
    InjectionDiffers {
        namespace: String,
        variants: Vec<(String, Vec<ClusterName>)>,
    },
}

impl SamenessWarning {
    /// A sentence for the console.
    pub fn message(&self) -> String {
        let list = |clusters: &[ClusterName]| {
            clusters
                .iter()
                .map(ClusterName::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            SamenessWarning::MissingOnConfigCluster { namespace, cluster } => format!(
                "namespace {namespace} does not exist on the config cluster {cluster}; create it there first"
            ),
            SamenessWarning::MissingOnSelected {
                namespace,
                clusters,
            } => format!(
                "namespace {namespace} is missing on {}: those clusters get no backends until it is created",
                list(clusters)
            ),
            SamenessWarning::InjectionDiffers {
                namespace,
                variants,
            } => {
                let parts: Vec<_> = variants
                    .iter()
                    .map(|(injection, clusters)| format!("{injection} on {}", list(clusters)))
                    .collect();
                format!(
                    "namespace {namespace} is not the same everywhere: {}",
                    parts.join("; ")
                )
            }
        }
    }
}

/// The sameness warnings of `mcs`, given its `selection` over `fleet`.
pub fn check_sameness(
    mcs: &MultiClusterService,
    fleet: &Fleet,
    selection: &SelectionReport,
) -> Vec<SamenessWarning> {
    let namespace = mcs.namespace();
    let mut warnings = Vec::new();

    let config = fleet.clusters.iter().find(|c| c.member.config_cluster);
    if let Some(config) = config
        && namespaces_known(config)
        && config.namespace(namespace).is_none()
    {
        warnings.push(SamenessWarning::MissingOnConfigCluster {
            namespace: namespace.to_owned(),
            cluster: config.member.name.clone(),
        });
    }

    let missing: Vec<_> = selection
        .with(Selection::Excluded {
            reason: ExclusionReason::NamespaceMissing,
        })
        .map(|m| m.cluster.clone())
        .collect();
    if !missing.is_empty() {
        warnings.push(SamenessWarning::MissingOnSelected {
            namespace: namespace.to_owned(),
            clusters: missing,
        });
    }

    // The config cluster and every selected member that has the namespace.
    let mut variants: BTreeMap<String, Vec<ClusterName>> = BTreeMap::new();
    for cluster in &fleet.clusters {
        let chosen = selection
            .get(cluster.member.name.as_str())
            .is_some_and(|m| m.selection == Selection::Selected);
        if !(chosen || cluster.member.config_cluster) {
            continue;
        }
        if let Some(ns) = cluster.namespace(namespace) {
            let injection: Injection = ns.injection();
            variants
                .entry(injection.describe())
                .or_default()
                .push(cluster.member.name.clone());
        }
    }
    if variants.len() > 1 {
        warnings.push(SamenessWarning::InjectionDiffers {
            namespace: namespace.to_owned(),
            variants: variants.into_iter().collect(),
        });
    }
    warnings
}
