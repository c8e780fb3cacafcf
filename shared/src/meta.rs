//! Bodies of the console's own meta endpoints (health, version).

use serde::{Deserialize, Serialize};

/// Answer of `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Health {
    /// `"ok"` while the backend serves requests.
    pub status: String,
}

/// Answer of `GET /api/version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct VersionInfo {
    pub product: String,
    pub version: String,
    /// Whether the backend drives the embedded sandbox fleet.
    pub sandbox: bool,
    /// How people sign in.
    #[serde(default)]
    pub sign_in: SignInMode,
    /// The OpenID provider people may sign in with, by the name the
    /// sign-in page shows ("Sign in with …"); `None` when there is none.
    #[serde(default)]
    pub oidc_provider: Option<String>,
}

/// How people sign in to this console.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignInMode {
    /// Local accounts and the sign-in form.
    #[default]
    Password,
    /// An authenticating proxy in front of the console identifies people;
    /// there is no form.
    Proxy,
    /// Local accounts are switched off: only the OpenID provider's sign-in.
    Oidc,
}
