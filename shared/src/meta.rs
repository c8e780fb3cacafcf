//! Bodies of the console's own meta endpoints (health, version).

use serde::{Deserialize, Serialize};

/// Answer of `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `"ok"` while the backend serves requests.
    pub status: String,
}

/// Answer of `GET /api/version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub product: String,
    pub version: String,
    /// Whether the backend drives the embedded sandbox fleet.
    pub sandbox: bool,
}
