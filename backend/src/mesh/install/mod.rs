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
pub mod inspect;
mod review;
mod run;

use std::time::Duration;

pub use self::book::InstallExtra;
pub use self::error::InstallStepError;
pub use self::review::review;
pub use self::run::start;

/// How long an install waits for istiod, and how often it looks.
#[derive(Debug, Clone, Copy)]
pub struct InstallTiming {
    pub ready_timeout: Duration,
    pub poll: Duration,
}

impl Default for InstallTiming {
    fn default() -> Self {
        Self {
            ready_timeout: Duration::from_secs(180),
            poll: Duration::from_millis(500),
        }
    }
}
