//! Canary migration on member clusters (SPEC §2.4–2.6): per-namespace
//! migrate and rollback ([`start`]) and finish — removing a revision, planned
//! once for its preview and its run ([`removal`]) — as runs with step progress and
//! their handlers, including verification and the ingress gateway's
//! external address, whose cluster side is in `crate::cluster::mesh`; waves
//! across the fleet are `crate::mesh::waves`. Runs are stored with their
//! steps' work and resumed after a restart: every step is idempotent
//! (restarts are stamped with the run's id, deletions of what is gone are
//! no-ops), so the step under way when the console died is redone safely.

mod book;
pub mod http;
mod job;
mod removal;
mod start;

pub use self::book::MigrationExtra;
pub use self::removal::{finish, preview};
pub use self::start::{migrate, resume_all, rollback};
pub use crate::cluster::mesh::error::MigrationError;
pub use crate::cluster::mesh::workload::MigrationTiming;
