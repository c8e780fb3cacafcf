//! What the migration run book keeps beside its runs: how long a
//! migration waits for pods (wave runs wait the same).

use std::sync::Mutex;

use shared::mesh::migration::run::MigrationRun;

use crate::cluster::mesh::workload::MigrationTiming;
use crate::runs::{RunBook, lock};

/// The migration timing, beside the migration runs.
#[derive(Default)]
pub struct MigrationExtra {
    timing: Mutex<MigrationTiming>,
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
