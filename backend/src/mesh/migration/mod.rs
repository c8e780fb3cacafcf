//! Canary migration on member clusters (SPEC §2.4–2.6): per-namespace
//! migrate, rollback and finish as runs with step progress ([`start`]),
//! verification ([`verify`]), the ingress gateway's external address
//! ([`gateway`]) and waves across the fleet ([`waves`]). Per-namespace
//! runs live in memory like installs (every step is idempotent, so
//! re-running one finishes it); wave runs are stored durably.

mod book;
pub mod http;
mod job;
mod start;
pub mod verify;
pub mod workload;

pub use self::book::MigrationExtra;
pub use self::start::{finish, migrate, rollback};
pub use self::workload::MigrationTiming;
pub use crate::cluster::mesh::error::MigrationError;
