//! What the OpenID Connect sign-in is configured with, and how it fails:
//! the provider unusable ([`OidcError`]) or one person's sign-in refused
//! ([`Refusal`]).

use std::fmt;

use shared::Role;

use crate::store::StoreError;

/// A secret that never shows in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The OpenID Connect options, checked (see [`crate::config`]).
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The issuer as the provider names itself; discovery starts from it.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Where the provider sends the browser back: the console's
    /// [`shared::routes::OIDC_CALLBACK`] as people reach it.
    pub redirect_url: String,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    /// The ID token claim listing the person's groups.
    pub groups_claim: String,
    /// Group → role in precedence order, as in proxy mode.
    pub group_roles: Vec<(String, Role)>,
    pub admin_groups: Vec<String>,
    /// How the sign-in page names the provider ("Sign in with …").
    pub display_name: String,
}

/// The provider cannot be used at all (a setup or availability problem,
/// not the person's doing).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("OpenID Connect is not set up right: {0}")]
    Setup(String),
    #[error("the OpenID provider's discovery failed: {0}")]
    Discovery(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a callback does not sign anyone in. Each is audited and answered
/// with a 4xx; no session is left behind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the callback lacks its {0} parameter")]
    Missing(&'static str),
    #[error("this sign-in is unknown or was already used; start again")]
    UnknownState,
    #[error("this sign-in took too long; start again")]
    Expired,
    #[error("this sign-in was started in another browser; start again")]
    OtherBrowser,
    #[error("the answer came from {0:?}, not the configured OpenID provider")]
    OtherIssuer(String),
    #[error("the OpenID provider did not sign you in: {0}")]
    Provider(String),
    #[error("the OpenID provider refused the authorization code: {0}")]
    Exchange(String),
    #[error("the OpenID provider sent no ID token")]
    NoIdToken,
    #[error("the ID token is not acceptable: {0}")]
    BadToken(String),
    #[error("the ID token names no usable account name: {0}")]
    NoName(String),
    #[error("none of the groups of {user:?} ({groups}) maps to a meshdeck role")]
    NoRole { user: String, groups: String },
    /// A provider identity may not take a local account's name: approvals
    /// and the audit log know people by name.
    #[error(
        "the name {0:?} belongs to a local account: sign in with its password, or ask for a provider name of your own"
    )]
    NameTaken(String),
}

impl Refusal {
    /// The `reason` of the refusal's audit entry.
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::Missing(_) => "malformed_callback",
            Refusal::UnknownState => "unknown_or_replayed_state",
            Refusal::Expired => "expired_sign_in",
            Refusal::OtherBrowser => "other_browser",
            Refusal::OtherIssuer(_) => "other_issuer",
            Refusal::Provider(_) => "provider_refused",
            Refusal::Exchange(_) => "code_refused",
            Refusal::NoIdToken => "no_id_token",
            Refusal::BadToken(_) => "bad_id_token",
            Refusal::NoName(_) => "no_account_name",
            Refusal::NoRole { .. } => "no_role",
            Refusal::NameTaken(_) => "name_of_a_local_account",
        }
    }
}
