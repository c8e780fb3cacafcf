//! Installing a control plane revision on a member (SPEC §2.3): reviewed
//! plans (preflight against the live cluster, a server-side dry-run diff
//! per object) and install runs that apply a reviewed plan step by step,
//! wait for istiod and verify it, publishing their progress as they go.
//! Plans and runs live in memory: a plan is a short-lived review, and
//! re-running a plan is safe because every step is an apply. Runs are
//! kept in the console's [`crate::runs::RunBook`], plans beside them.

mod book;
mod cacerts;
mod error;
pub mod http;
mod review;
mod run;

pub use self::book::{InstallExtra, InstallTiming};
pub use self::error::InstallStepError;
pub use self::review::review;
pub use self::run::start;
