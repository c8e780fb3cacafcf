//! Fleet-wide install plans (issue 25): the members a selector covers,
//! and one reviewed install per member, made by the per-cluster review
//! ([`crate::mesh::install::review`]) concurrently, each bounded by its
//! own timeout ([`crate::state::AppState::fleet_plan_timeout`]), kept in
//! the database like every reviewed plan.

pub mod http;
mod plan;

pub use self::plan::{check, create, exclude, export, find, select};
