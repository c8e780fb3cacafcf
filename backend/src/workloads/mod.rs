//! Deploying migrated workloads on member clusters (SPEC 5): the cluster
//! side of the pure rules in `shared::workloads` — preview, apply, follow,
//! diagnose, fix registry access, delete.

pub mod deploy;
pub mod follow;
pub mod http;
pub mod ownership;
pub mod preview;
