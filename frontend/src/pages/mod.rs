//! Pages, one per area of the console.

pub mod cluster;
pub mod not_found;
pub mod section;
