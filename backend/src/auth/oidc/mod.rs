//! Sign-in through an OpenID provider: the authorization code flow with
//! PKCE, the ID token checked (signature, issuer, audience, nonce, expiry),
//! the groups claim mapped to a role as proxy mode maps its group header
//! ([`super::groups`]), then the console's own session, as after a local
//! sign-in.

pub mod flow;
pub mod http;
pub mod provider;
pub mod settings;

pub use self::provider::Provider;
pub use self::settings::{OidcError, OidcSettings, Refusal, Secret};
