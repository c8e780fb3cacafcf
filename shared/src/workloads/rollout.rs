//! Where a migrated workload's rollout stands, from its status and its
//! pods: Available, still progressing, or failed (a stuck image pull, a
//! crash loop, or a progress deadline passed).

use serde::{Deserialize, Serialize};

use super::doctor::{PULL_FAILURES, PodFacts};

/// The state of one workload's rollout, or of a whole migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RolloutState {
    Available,
    Progressing,
    Failed,
    /// The workload is not on the cluster.
    Missing,
}

/// What the rollout is judged from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RolloutFacts {
    pub desired: u32,
    pub updated: u32,
    pub available: u32,
    /// A `Progressing` condition with status `False` (deadline exceeded).
    pub stalled: Option<String>,
    /// The controller has not yet seen the latest spec (its status counts
    /// are about the previous one).
    pub outdated: bool,
}

/// Waiting reasons that do not resolve by waiting.
const STUCK: [&str; 2] = ["CrashLoopBackOff", "CreateContainerConfigError"];

/// The state of a workload with `facts` and pods `pods`.
pub fn state_of(facts: &RolloutFacts, pods: &[PodFacts]) -> RolloutState {
    if !facts.outdated && facts.available >= facts.desired && facts.updated >= facts.desired {
        return RolloutState::Available;
    }
    let stuck = pods.iter().flat_map(|p| &p.containers).any(|c| {
        c.waiting
            .as_deref()
            .is_some_and(|w| PULL_FAILURES.contains(&w) || STUCK.contains(&w))
    });
    if stuck || facts.stalled.is_some() {
        RolloutState::Failed
    } else {
        RolloutState::Progressing
    }
}

/// The state of several workloads together: the worst of them.
pub fn overall(states: impl IntoIterator<Item = RolloutState>) -> RolloutState {
    states.into_iter().max().unwrap_or(RolloutState::Available)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::doctor::ContainerFacts;

    fn pod(waiting: Option<&str>) -> PodFacts {
        PodFacts {
            name: "p".into(),
            containers: vec![ContainerFacts {
                name: "c".into(),
                image: "gcr.io/p/a:1".into(),
                waiting: waiting.map(str::to_owned),
            }],
            pull_secrets: vec![],
        }
    }

    fn facts(desired: u32, updated: u32, available: u32) -> RolloutFacts {
        RolloutFacts {
            desired,
            updated,
            available,
            stalled: None,
            outdated: false,
        }
    }

    #[test]
    fn available_progressing_failed() {
        assert_eq!(state_of(&facts(2, 2, 2), &[]), RolloutState::Available);
        assert_eq!(
            state_of(&facts(2, 2, 1), &[pod(Some("ContainerCreating"))]),
            RolloutState::Progressing
        );
        assert_eq!(
            state_of(&facts(2, 2, 0), &[pod(Some("ImagePullBackOff"))]),
            RolloutState::Failed
        );
        // Old pods still failing do not hide a finished rollout.
        assert_eq!(
            state_of(&facts(1, 1, 1), &[pod(Some("ErrImagePull"))]),
            RolloutState::Available
        );
        let stalled = RolloutFacts {
            stalled: Some("ProgressDeadlineExceeded".into()),
            ..facts(1, 0, 0)
        };
        assert_eq!(state_of(&stalled, &[]), RolloutState::Failed);
        let outdated = RolloutFacts {
            outdated: true,
            ..facts(1, 1, 1)
        };
        assert_eq!(state_of(&outdated, &[]), RolloutState::Progressing);
    }

    #[test]
    fn a_migration_is_as_good_as_its_worst_workload() {
        use RolloutState::*;
        assert_eq!(overall([Available, Progressing]), Progressing);
        assert_eq!(overall([Failed, Progressing, Available]), Failed);
        assert_eq!(overall([Missing, Failed]), Missing);
        assert_eq!(overall([]), Available);
    }
}
