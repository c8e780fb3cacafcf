//! Signing in and out, and recognising the caller of each request: a local
//! session cookie, checked for idle and absolute expiry, or the trusted
//! proxy's headers.

use std::net::IpAddr;

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};
use shared::Account;
use shared::routes::SESSION_COOKIE;

use super::limiter::Locked;
use super::proxy::ProxyRefusal;
use super::{AuthMode, Principal, Via, cookies, secrets};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::sessions::{NewSession, VouchedBy};

/// Last-seen times are written at most this often per session.
const TOUCH_EVERY_SECS: i64 = 15;

/// Why a request has no signed-in account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoIdentity {
    /// No session cookie, or one the console does not know (signed out).
    Absent,
    /// The session passed its idle or absolute limit.
    Expired,
    Proxy(ProxyRefusal),
}

impl NoIdentity {
    /// What a 401 says.
    pub fn message(&self) -> String {
        match self {
            NoIdentity::Absent => "sign in to use the console".into(),
            NoIdentity::Expired => "your session has expired; sign in again".into(),
            NoIdentity::Proxy(refusal) => refusal.to_string(),
        }
    }
}

/// The account behind a request, if any.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
) -> Result<Result<Principal, NoIdentity>, StoreError> {
    match &state.auth().mode {
        AuthMode::Proxy(proxy) => Ok(proxy
            .identify(headers, peer)
            .map(|account| Principal {
                csrf_token: proxy_csrf_token(state, &account.name),
                account,
                via: Via::Proxy,
            })
            .map_err(NoIdentity::Proxy)),
        AuthMode::Local => {
            let Some(token) = cookies::read(headers, SESSION_COOKIE).filter(|t| !t.is_empty())
            else {
                return Ok(Err(NoIdentity::Absent));
            };
            let token_hash = secrets::token_hash(&token);
            let Some(session) = state.store().find_session(&token_hash).await? else {
                return Ok(Err(NoIdentity::Absent));
            };
            let now = state.clock().now();
            let settings = state.auth();
            // Local accounts switched off end the password sessions opened
            // before, not only new sign-ins.
            let local_off = !session.federated && !settings.local_accounts;
            if local_off
                || now >= session.expires_at
                || now - session.last_seen >= settings.idle_secs
            {
                state.store().delete_session(&token_hash).await?;
                return Ok(Err(NoIdentity::Expired));
            }
            if now - session.last_seen >= TOUCH_EVERY_SECS {
                state.store().touch_session(&token_hash, now).await?;
            }
            let via = if session.federated {
                Via::Oidc { token_hash }
            } else {
                Via::Session { token_hash }
            };
            Ok(Ok(Principal {
                account: session.account,
                via,
                csrf_token: session.csrf_token,
            }))
        }
    }
}

/// Whether `principal`'s session still stands as it was when a long-lived
/// response (an event stream) began: not signed out, not expired, the
/// account still there with the same role and admin flag. Unlike
/// [`authenticate`] it does not touch the session, so an open stream
/// does not keep an idle session alive. Behind a proxy every request is
/// authenticated afresh, so there is nothing to end.
pub async fn still_holds(state: &AppState, principal: &Principal) -> Result<bool, StoreError> {
    let (Via::Session { token_hash } | Via::Oidc { token_hash }) = &principal.via else {
        return Ok(true);
    };
    let Some(session) = state.store().find_session(token_hash).await? else {
        return Ok(false);
    };
    let now = state.clock().now();
    let idle = now - session.last_seen >= state.auth().idle_secs;
    Ok(now < session.expires_at
        && !idle
        && session.account.role == principal.account.role
        && session.account.admin == principal.account.admin)
}

/// Behind a proxy there is no session row: the CSRF token is derived from
/// a per-process key and the user name (a restart asks the page to reload).
fn proxy_csrf_token(state: &AppState, user: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(state.csrf_key().as_bytes());
    digest.update(b"\0");
    digest.update(user.as_bytes());
    hex::encode(digest.finalize())
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("wrong account name or password")]
    Wrong,
    #[error("{}", .locked.message(.account))]
    Locked { account: String, locked: Locked },
    #[error("sign-in is handled by the authenticating proxy in front of the console")]
    ProxyMode,
    #[error("local accounts are switched off: sign in with the OpenID provider")]
    LocalAccountsOff,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new session: the principal and the token for its cookie.
pub struct SignedIn {
    pub principal: Principal,
    pub token: String,
}

/// Checks the password (after the rate limits) and opens a session.
pub async fn sign_in(
    state: &AppState,
    name: &str,
    password: &str,
    address: &str,
) -> Result<SignedIn, SignInError> {
    if matches!(state.auth().mode, AuthMode::Proxy(_)) {
        return Err(SignInError::ProxyMode);
    }
    if !state.auth().local_accounts {
        return Err(SignInError::LocalAccountsOff);
    }
    let now = state.clock().now();
    let store = state.store();
    let admitted = match state.limiter().admit(store, name, address, now).await? {
        Ok(admitted) => admitted,
        Err(locked) => {
            return Err(SignInError::Locked {
                account: name.to_owned(),
                locked,
            });
        }
    };
    // The account is being guessed from elsewhere: slow every attempt on
    // it down instead of refusing them (no lock is held while waiting).
    tokio::time::sleep(admitted.delay).await;
    let stored = store.find_account(name).await?;
    let hash = stored
        .as_ref()
        .map_or(state.decoy_hash(), |s| s.password_hash.as_str());
    let matches = state.password_checks().verify(password, hash).await;
    // A wrong password leaves its place in the counts taken.
    let Some(stored) = stored.filter(|_| matches) else {
        return Err(SignInError::Wrong);
    };
    state.limiter().succeeded(store, &admitted).await?;
    Ok(open(state, stored.acting(), None, now).await?)
}

/// Opens a session for `account` (a provider-vouched one when `vouched` is
/// set) and drops the sessions that ran out: the one way both sign-ins end.
pub async fn open(
    state: &AppState,
    account: Account,
    vouched: Option<VouchedBy<'_>>,
    now: i64,
) -> Result<SignedIn, StoreError> {
    let token = secrets::random_token();
    let csrf_token = secrets::random_token();
    let token_hash = secrets::token_hash(&token);
    let federated = vouched.is_some();
    state
        .store()
        .create_session(NewSession {
            token_hash: &token_hash,
            account: &account,
            csrf_token: &csrf_token,
            now,
            expires_at: now + state.auth().absolute_secs,
            vouched,
        })
        .await?;
    state
        .store()
        .delete_stale_sessions(now, state.auth().idle_secs)
        .await?;
    let via = if federated {
        Via::Oidc { token_hash }
    } else {
        Via::Session { token_hash }
    };
    Ok(SignedIn {
        principal: Principal {
            account,
            via,
            csrf_token,
        },
        token,
    })
}

/// Ends the principal's session server-side (a proxy session is the
/// proxy's to end).
pub async fn sign_out(state: &AppState, principal: &Principal) -> Result<(), StoreError> {
    if let Via::Session { token_hash } | Via::Oidc { token_hash } = &principal.via {
        state.store().delete_session(token_hash).await?;
    }
    Ok(())
}
