//! How many audit entries this process wrote, by outcome, and how many
//! appends failed: atomics a metrics scrape reads without touching the
//! database.

use std::sync::atomic::{AtomicU64, Ordering};

use shared::Outcome;

/// Appends counted since the process started (shared by a store's clones).
#[derive(Debug, Default)]
pub struct AuditCounts {
    /// Indexed like [`Outcome::ALL`].
    written: [AtomicU64; 3],
    failed: AtomicU64,
}

impl AuditCounts {
    pub(super) fn written(&self, outcome: Outcome) {
        self.written[index(outcome)].fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }

    /// Entries written with `outcome`.
    pub fn written_with(&self, outcome: Outcome) -> u64 {
        self.written[index(outcome)].load(Ordering::Relaxed)
    }

    /// Appends that failed (nothing was written).
    pub fn failures(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }
}

fn index(outcome: Outcome) -> usize {
    match outcome {
        Outcome::Success => 0,
        Outcome::Denied => 1,
        Outcome::Failure => 2,
    }
}
