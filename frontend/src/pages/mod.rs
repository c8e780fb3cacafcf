//! Pages, one per area of the console.

pub mod accounts;
pub mod activity;
pub mod cluster;
pub mod fleet;
pub mod ingress;
pub mod mesh;
pub mod not_found;
pub mod section;
pub mod security;
pub mod sign_in;
pub mod workloads;
