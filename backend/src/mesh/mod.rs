//! The mesh jobs an operator runs: installing a control plane revision,
//! migrating namespaces between revisions, and doing so in waves across
//! the fleet. Each folder holds its handlers beside its orchestration; the
//! pure rules live in `shared::mesh`.

pub mod fleet;
pub mod install;
pub mod migration;
pub mod runs;
pub mod waves;

use crate::state::AppState;

/// Carries on, from its last completed step, every run a killed console
/// left unfinished: at start, then every [`TAKE_OVER_EVERY`] the runs
/// whose driving replica stopped renewing its lease.
pub async fn keep_resuming(state: AppState) {
    loop {
        resume_all(&state).await;
        tokio::time::sleep(TAKE_OVER_EVERY).await;
    }
}

/// How often a replica looks for runs to take over.
pub const TAKE_OVER_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Carries on every unfinished run this replica may take, each from its
/// last completed step.
pub async fn resume_all(state: &AppState) {
    let resumed = [
        ("install", install::resume_all(state).await),
        ("migration", migration::resume_all(state).await),
        ("wave", waves::resume_all(state).await),
    ];
    for (kind, outcome) in resumed {
        match outcome {
            Ok(0) => {}
            Ok(runs) => tracing::info!(kind, runs, "resumed runs"),
            Err(e) => tracing::error!(kind, error = %e, "cannot resume runs"),
        }
    }
}
