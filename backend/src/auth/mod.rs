//! Who is asking: local accounts with server-side sessions, people an
//! OpenID provider vouched for (sessions too), or identities asserted by a
//! trusted authenticating proxy; and what they may do, decided
//! for every endpoint by the table in [`policy`].

pub mod anonymous;
pub mod bootstrap;
pub mod cookies;
pub mod forwarded;
pub mod groups;
pub mod guard;
pub mod http;
pub mod limiter;
pub mod oidc;
pub mod password_checks;
pub mod proxy;
pub mod secrets;
pub mod sessions;

use shared::Account;

pub use self::proxy::ProxyAuth;
pub use self::secrets::HashCost;

/// How people prove who they are.
#[derive(Debug, Clone)]
pub enum AuthMode {
    /// Local accounts, a sign-in form and session cookies.
    Local,
    /// Identity and groups from request headers set by a trusted proxy.
    Proxy(ProxyAuth),
}

/// Identity settings, from the command line (see [`crate::config`]).
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub mode: AuthMode,
    /// A session unused this long ends.
    pub idle_secs: i64,
    /// A session ends this long after sign-in, used or not.
    pub absolute_secs: i64,
    /// Always mark cookies `Secure` (the console is reached over TLS);
    /// they are also marked when a trusted proxy says the request was.
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For`/`-Proto` are believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub hash_cost: HashCost,
    pub limits: limiter::Limits,
    /// Sign-in through an OpenID provider, beside (or instead of) local
    /// accounts.
    pub oidc: Option<std::sync::Arc<oidc::Provider>>,
    /// Whether local accounts may sign in with a password.
    pub local_accounts: bool,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            mode: AuthMode::Local,
            idle_secs: 30 * 60,
            absolute_secs: 12 * 60 * 60,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            hash_cost: HashCost::Default,
            limits: limiter::Limits::default(),
            oidc: None,
            local_accounts: true,
        }
    }
}

/// How the current request was authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A local session; the hash identifies its row.
    Session {
        token_hash: String,
    },
    /// A session opened after an OpenID provider's sign-in.
    Oidc {
        token_hash: String,
    },
    Proxy,
}

/// The signed-in account behind a request; handlers extract it.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account: Account,
    pub via: Via,
    /// What the `x-csrf-token` header of a mutating request must carry.
    pub csrf_token: String,
}

impl Principal {
    /// The body of `GET /api/session`.
    pub fn session_info(&self) -> shared::SessionInfo {
        shared::SessionInfo {
            account: self.account.clone(),
            via: match self.via {
                Via::Session { .. } => "password".into(),
                Via::Oidc { .. } => "oidc".into(),
                Via::Proxy => "proxy".into(),
            },
            csrf_token: self.csrf_token.clone(),
        }
    }
}
