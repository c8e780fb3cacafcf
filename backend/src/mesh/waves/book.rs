//! What the wave run book keeps beside its runs: the task driving each
//! run, so a console going down can halt them all.

use std::collections::HashMap;
use std::sync::Mutex;

use shared::mesh::migration::waves::{WavePhase, WaveRun};
use tokio::task::JoinHandle;

use crate::runs::{Run, RunBook, lock};
use crate::store::runs::RUNNING;

/// The tasks driving wave runs, by run id.
#[derive(Default)]
pub struct WaveExtra {
    tasks: Mutex<HashMap<String, JoinHandle<()>>>,
}

/// Wave runs carry their whole plan (waves, targets, stamps) in the run.
impl Run for WaveRun {
    type Extra = WaveExtra;
    type Plan = ();
    const KIND: &'static str = "wave";

    fn id(&self) -> &str {
        &self.id
    }

    fn started(&self) -> i64 {
        self.started
    }

    fn actor(&self) -> &str {
        &self.by
    }

    fn clusters(&self) -> String {
        let mut clusters: Vec<&str> = self
            .waves
            .iter()
            .flat_map(|w| &w.targets)
            .map(|t| t.cluster.as_str())
            .collect();
        clusters.sort_unstable();
        clusters.dedup();
        clusters.join(",")
    }

    fn is_live(&self) -> bool {
        self.phase != WavePhase::Finished
    }

    fn state(&self) -> &'static str {
        match self.phase {
            WavePhase::Running => RUNNING,
            WavePhase::Paused => "paused",
            WavePhase::Finished => "finished",
        }
    }
}

impl RunBook<WaveRun> {
    /// Stops driving every run, as a console going down does (their
    /// stored state stays, to be resumed).
    pub fn halt(&self) {
        for (_, task) in lock(&self.extra().tasks).drain() {
            task.abort();
        }
    }

    /// Keeps `task` as the one driving run `id`, stopping an earlier one.
    pub(super) fn driven_by(&self, id: String, task: JoinHandle<()>) {
        if let Some(old) = lock(&self.extra().tasks).insert(id, task) {
            old.abort();
        }
    }
}
