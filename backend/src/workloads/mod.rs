//! Deploying migrated workloads on member clusters (SPEC 5): the cluster
//! side of the pure rules in `shared::workloads` — preview, apply, follow,
//! diagnose, fix registry access, delete — and the rule that keeps a
//! deploy from taking objects it did not create ([`ownership`]).

pub mod deploy;
pub mod follow;
pub mod http;
pub mod ownership;
pub mod preview;
pub mod target;
