//! Installing a control plane revision on a member (SPEC §2.3): reviewed
//! plans (preflight against the live cluster, a server-side dry-run diff
//! per object) and install runs that apply a reviewed plan step by step,
//! wait for istiod and verify it, publishing their progress as they go.
//! Runs are kept in the console's [`crate::runs::RunBook`], stored with
//! the plan they apply, and resumed after a restart (every step is an
//! apply, a wait or a check, so performing one again is safe); reviewed
//! plans are a short-lived review kept in the database beside them, so
//! a plan reviewed through one replica runs through any other.

mod book;
pub mod cacerts;
mod error;
pub mod http;
mod job;
mod review;
mod run;

pub use self::book::{InstallExtra, InstallTiming, PLAN_LIFETIME_SECS};
pub use self::error::InstallStepError;
pub use self::review::review;
pub use self::run::{overridden_checks, resume_all, start};
