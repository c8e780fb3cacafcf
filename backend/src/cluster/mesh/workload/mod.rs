//! A namespace's workloads as a migration sees them: its pods and the
//! revision of their proxies ([`pods`]), relabelling it and rolling
//! restarts of its Deployments ([`restart`]), and watching until every pod
//! runs a revision and is Ready ([`watch`]).

mod pods;
mod restart;
mod watch;

pub use self::pods::{PodState, deployments, name_of, pods};
pub use self::restart::{RESTART_ID, RESTARTED_AT, Restart, Stamp, relabel, restart};
pub use self::watch::{MigrationTiming, Progress, Refusals, observe, wait_until_on};
