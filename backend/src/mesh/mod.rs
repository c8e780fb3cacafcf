//! The mesh jobs an operator runs: installing a control plane revision,
//! migrating namespaces between revisions, and doing so in waves across
//! the fleet. Each folder holds its handlers beside its orchestration; the
//! pure rules live in `shared::mesh`.

pub mod install;
pub mod migration;
pub mod waves;
