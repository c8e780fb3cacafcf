//! Migrating many namespaces across the fleet in waves: the proposal
//! (one small namespace first, then the rest cluster by cluster), and the
//! state of a wave run as it is stored and shown: each namespace's step,
//! each wave's gate (all pods on the target revision and Ready for the
//! soak time), and the pause a failing gate causes.

use serde::{Deserialize, Serialize};

use crate::ClusterName;

/// A namespace on a cluster, as an operator selects it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TargetRef {
    pub cluster: ClusterName,
    pub namespace: String,
}

/// A selected namespace with what migrating it restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct WaveTarget {
    pub cluster: ClusterName,
    pub namespace: String,
    /// Pods in the namespace now.
    pub pods: u32,
    /// The Deployments a rolling restart will restart.
    pub deployments: Vec<String>,
}

/// Namespaces migrated together, then gated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Wave {
    pub targets: Vec<WaveTarget>,
}

/// `POST /api/mesh/waves/proposal` and `POST /api/mesh/waves`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct WaveRequest {
    pub revision: String,
    pub targets: Vec<TargetRef>,
    /// How long every pod of a wave must stay on the revision and Ready
    /// before the next wave starts.
    #[serde(default)]
    pub soak_secs: u64,
}

/// The waves a request would run, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct WaveProposal {
    pub revision: String,
    pub waves: Vec<Wave>,
}

/// Orders `targets` into waves: the smallest namespace alone first (a
/// canary of the canary), then one wave per cluster in name order, each
/// smallest namespace first. Duplicates are dropped.
pub fn propose_waves(mut targets: Vec<WaveTarget>) -> Vec<Wave> {
    let by_size = |a: &WaveTarget, b: &WaveTarget| {
        (a.pods, &a.cluster, &a.namespace).cmp(&(b.pods, &b.cluster, &b.namespace))
    };
    targets.sort_by(|a, b| (&a.cluster, &a.namespace).cmp(&(&b.cluster, &b.namespace)));
    targets.dedup_by(|a, b| a.cluster == b.cluster && a.namespace == b.namespace);
    targets.sort_by(by_size);
    if targets.is_empty() {
        return Vec::new();
    }
    let first = targets.remove(0);
    let mut waves = vec![Wave {
        targets: vec![first],
    }];
    let mut clusters: Vec<ClusterName> = targets.iter().map(|t| t.cluster.clone()).collect();
    clusters.sort();
    clusters.dedup();
    for cluster in clusters {
        let wave: Vec<WaveTarget> = targets
            .iter()
            .filter(|t| t.cluster == cluster)
            .cloned()
            .collect();
        waves.push(Wave { targets: wave });
    }
    waves
}

/// How far one namespace of a wave has got; each step is stored before
/// the next begins, so a resumed run never repeats one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TargetStep {
    Pending,
    Relabelled,
    Restarted,
    OnTarget,
    Failed { message: String },
    RolledBack,
}

/// One namespace of a running wave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TargetProgress {
    pub cluster: ClusterName,
    pub namespace: String,
    pub deployments: Vec<String>,
    #[serde(flatten)]
    pub step: TargetStep,
    /// The restart stamp of this namespace's rolling restart, fixed (and
    /// stored) before the restart so re-applying it changes nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_stamp: Option<String>,
}

/// A wave's gate after its namespaces are migrated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum GateState {
    Pending,
    /// Every pod on the revision and Ready since `since` (Unix seconds).
    Soaking {
        since: i64,
    },
    Passed {
        at: i64,
    },
    Failed {
        message: String,
    },
}

/// Where a wave is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum WaveState {
    Pending,
    Running,
    Passed,
    Failed,
    /// The operator moved on without it passing.
    Skipped,
    /// The operator asked for its namespaces to be rolled back.
    RollingBack,
    /// The operator rolled its namespaces back, then moved on.
    RolledBack,
}

/// One wave of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct WaveProgress {
    pub state: WaveState,
    pub gate: GateState,
    pub targets: Vec<TargetProgress>,
}

/// Where a wave run as a whole is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum WavePhase {
    Running,
    /// A gate failed; waiting for the operator's decision.
    Paused,
    /// Every wave passed, was skipped or was rolled back.
    Finished,
}

/// What the operator decides about a paused run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum WaveDecision {
    /// Check the failed wave again (after fixing its cause).
    Resume,
    /// Leave the failed wave as it is and go on.
    Skip,
    /// Roll the failed wave's namespaces back, then go on.
    Rollback,
}

/// A wave run, as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct WaveRun {
    pub id: String,
    pub revision: String,
    pub soak_secs: u64,
    pub phase: WavePhase,
    /// Why the run is paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<String>,
    pub waves: Vec<WaveProgress>,
    pub by: String,
    /// Unix seconds.
    pub started: i64,
}

impl WaveRun {
    /// A new run of `waves`, nothing done yet.
    pub fn new(id: String, request: &WaveRequest, waves: Vec<Wave>, by: String, now: i64) -> Self {
        Self {
            id,
            revision: request.revision.clone(),
            soak_secs: request.soak_secs,
            phase: WavePhase::Running,
            paused: None,
            waves: waves
                .into_iter()
                .map(|w| WaveProgress {
                    state: WaveState::Pending,
                    gate: GateState::Pending,
                    targets: w
                        .targets
                        .into_iter()
                        .map(|t| TargetProgress {
                            cluster: t.cluster,
                            namespace: t.namespace,
                            deployments: t.deployments,
                            step: TargetStep::Pending,
                            restart_stamp: None,
                        })
                        .collect(),
                })
                .collect(),
            by,
            started: now,
        }
    }

    /// The wave to work on: the first not yet passed, skipped or rolled
    /// back.
    pub fn current(&self) -> Option<usize> {
        self.waves.iter().position(|w| {
            matches!(
                w.state,
                WaveState::Pending
                    | WaveState::Running
                    | WaveState::Failed
                    | WaveState::RollingBack
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(cluster: &str, namespace: &str, pods: u32) -> WaveTarget {
        WaveTarget {
            cluster: cluster.parse().expect("cluster"),
            namespace: namespace.into(),
            pods,
            deployments: vec![],
        }
    }

    fn names(waves: &[Wave]) -> Vec<Vec<String>> {
        waves
            .iter()
            .map(|w| {
                w.targets
                    .iter()
                    .map(|t| format!("{}/{}", t.cluster, t.namespace))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_smallest_namespace_goes_first_then_cluster_by_cluster() {
        let waves = propose_waves(vec![
            t("gke-us", "blue", 4),
            t("gke-eu", "blue", 4),
            t("gke-eu", "shop", 9),
            t("gke-us", "tiny", 1),
            t("gke-eu", "blue", 4),
            t("gke-asia-2", "red", 2),
        ]);
        assert_eq!(
            names(&waves),
            vec![
                vec!["gke-us/tiny"],
                vec!["gke-asia-2/red"],
                vec!["gke-eu/blue", "gke-eu/shop"],
                vec!["gke-us/blue"],
            ]
        );
        assert!(propose_waves(vec![]).is_empty());
        assert_eq!(
            names(&propose_waves(vec![t("a", "x", 3)])),
            vec![vec!["a/x"]]
        );
    }

    #[test]
    fn a_new_run_starts_at_its_first_wave_and_moves_past_settled_ones() {
        let request = WaveRequest {
            revision: "asm-178-10".into(),
            targets: vec![],
            soak_secs: 5,
        };
        let waves = propose_waves(vec![t("a", "x", 1), t("b", "y", 2)]);
        let mut run = WaveRun::new("w1".into(), &request, waves, "op".into(), 10);
        assert_eq!(run.current(), Some(0));
        assert!(
            run.waves
                .iter()
                .all(|w| w.targets.iter().all(|t| t.step == TargetStep::Pending))
        );
        run.waves[0].state = WaveState::Skipped;
        assert_eq!(run.current(), Some(1));
        run.waves[1].state = WaveState::Passed;
        assert_eq!(run.current(), None);
    }
}
