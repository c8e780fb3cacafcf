//! Canary migration on member clusters (SPEC §2.4–2.6): per-namespace
//! migrate, rollback and finish as runs with step progress ([`start`]) and
//! their handlers, including verification and the ingress gateway's
//! external address, whose cluster side is in `crate::cluster::mesh`; waves
//! across the fleet are `crate::mesh::waves`. Per-namespace
//! runs live in memory like installs (every step is idempotent, so
//! re-running one finishes it); wave runs are stored durably.

mod book;
pub mod http;
mod job;
mod start;

pub use self::book::MigrationExtra;
pub use self::start::{finish, migrate, rollback};
pub use crate::cluster::mesh::error::MigrationError;
pub use crate::cluster::mesh::workload::MigrationTiming;
