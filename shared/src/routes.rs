//! Paths of the console's HTTP API, named once for both sides.

/// Prefix of every API route; everything else is the single-page app.
pub const API_PREFIX: &str = "/api";
pub const HEALTH: &str = "/api/health";
pub const VERSION: &str = "/api/version";
