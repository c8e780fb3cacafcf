//! What the migration run book keeps beside its runs: how long a
//! migration waits for pods (wave runs wait the same).

use std::sync::Mutex;

use shared::mesh::migration::run::MigrationRun;
use shared::mesh::{InstallPhase, InstallStep};

use crate::cluster::mesh::workload::MigrationTiming;
use crate::runs::{Run, RunBook, Stepped, lock};

/// The migration timing, beside the migration runs.
#[derive(Default)]
pub struct MigrationExtra {
    timing: Mutex<MigrationTiming>,
}

impl Run for MigrationRun {
    type Extra = MigrationExtra;

    fn id(&self) -> &str {
        &self.id
    }

    fn started(&self) -> i64 {
        self.started
    }

    fn is_live(&self) -> bool {
        self.phase == InstallPhase::Running
    }
}

impl Stepped for MigrationRun {
    fn steps_mut(&mut self) -> &mut [InstallStep] {
        &mut self.steps
    }

    fn set_phase(&mut self, phase: InstallPhase) {
        self.phase = phase;
    }
}

impl RunBook<MigrationRun> {
    /// Changes how long later runs wait (tests shorten it).
    pub fn set_timing(&self, timing: MigrationTiming) {
        *lock(&self.extra().timing) = timing;
    }

    pub fn timing(&self) -> MigrationTiming {
        *lock(&self.extra().timing)
    }
}
