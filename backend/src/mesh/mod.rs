//! The mesh jobs an operator runs: installing a control plane revision,
//! migrating namespaces between revisions, and doing so in waves across
//! the fleet. Each folder holds its handlers beside its orchestration; the
//! pure rules live in `shared::mesh`.

pub mod install;
pub mod migration;
pub mod runs;
pub mod waves;

use crate::state::AppState;

/// Carries on every run a killed console left unfinished (at console
/// start), each from its last completed step.
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
