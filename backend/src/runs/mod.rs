//! Long operations the console drives (installs, per-namespace
//! migrations, wave runs): one [`RunBook`] keeps each kind's runs,
//! publishes their progress and stores them in the one run table, each
//! running run driven and written by one replica under its lease, and one
//! [`StepRunner`] takes a stepped run through its steps. The progress
//! types are `shared`'s; [`Run`] is what the book needs of them.

pub(crate) mod book;
mod follow;
mod lease;
pub(crate) mod run;
pub(crate) mod steps;
mod write;

#[cfg(test)]
pub(crate) mod tests;

pub(crate) use self::book::lock;
pub use self::book::{Refused, RunBook};
pub use self::lease::{Holding, LEASE_SECS, RENEW_EVERY};
pub use self::run::{Run, RunPlan};
pub(crate) use self::steps::stepped_run;
pub use self::steps::{StepJob, StepRunner, Stepped};
pub use self::write::lost;
