//! `/api/session`: sign in, who am I, sign out. The guard records each
//! sign-in and sign-out; these handlers say who it was and how it went.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use shared::{Outcome, SessionInfo, SignIn, SignedOut};

use crate::api::json::ApiJson;
use crate::api::openapi::respond::{Documented, NoContent, OneOf};
use crate::audit::{Actor, Detail};
use crate::auth::forwarded::{self, Origin};
use crate::auth::sessions::{self, SignInError};
use crate::auth::{Principal, Via, cookies};
use crate::error::AppError;
use crate::metrics::SignInOutcome;
use crate::state::AppState;

/// Who is signed in: `null` when nobody is (not an error: it is how the
/// console decides to show the sign-in page).
pub async fn get_session(principal: Option<Extension<Principal>>) -> Json<Option<SessionInfo>> {
    Json(principal.map(|Extension(p)| p.session_info()))
}

/// The client's address and whether it used TLS, as far as the console
/// can believe it.
pub(crate) fn origin_of(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Origin {
    let peer = peer.map(|Extension(ConnectInfo(addr))| addr);
    forwarded::origin(headers, peer, &state.auth().trusted_proxies)
}

/// The longest claimed name the console logs or counts failures under;
/// account names are far shorter (64), so no real name is cut.
pub const CLAIMED_NAME_MAX: usize = 256;

/// The name a sign-in claims, trimmed and cut to [`CLAIMED_NAME_MAX`] bytes
/// (at a character boundary): an anonymous caller cannot write megabytes
/// into the audit log or the failure counts.
fn claimed(raw: &str) -> &str {
    let name = raw.trim();
    if name.len() <= CLAIMED_NAME_MAX {
        return name;
    }
    let mut end = CLAIMED_NAME_MAX;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

pub async fn create_session(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignIn>,
) -> Documented<Result<Json<SessionInfo>, AppError>> {
    let origin = origin_of(&state, &headers, peer);
    let secure = state.auth().secure_cookies || origin.tls;
    let address = origin.address;
    let name = claimed(&body.name);
    let detail = Detail::new().param("address", &address);
    let result = sessions::sign_in(&state, name, &body.password, &address).await;
    state.metrics().sign_in(match &result {
        Ok(_) => SignInOutcome::Success,
        Err(SignInError::Wrong) => SignInOutcome::WrongCredentials,
        Err(SignInError::Locked { .. }) => SignInOutcome::Locked,
        Err(SignInError::ProxyMode) => SignInOutcome::ProxyMode,
        Err(SignInError::LocalAccountsOff) => SignInOutcome::LocalAccountsOff,
        Err(SignInError::Store(_)) => SignInOutcome::Error,
    });
    Documented::new(match result {
        Ok(signed_in) => {
            let principal = signed_in.principal;
            let cookie = cookies::session(&signed_in.token, state.auth().absolute_secs, secure);
            let detail = detail.actor(Actor::of(&principal));
            (
                detail,
                [(header::SET_COOKIE, cookie)],
                Json(principal.session_info()),
            )
                .into_response()
        }
        Err(SignInError::Store(err)) => AppError::from(err).into_response(),
        Err(err) => {
            let detail = detail.actor(Actor::anonymous(Some(name)));
            match err {
                SignInError::Locked { ref locked, .. } => {
                    let retry = HeaderValue::from(locked.retry_after_secs);
                    let detail = detail
                        .outcome(Outcome::Denied)
                        .param("reason", "rate_limited");
                    let error = AppError::TooManyRequests(err.to_string());
                    (detail, [(header::RETRY_AFTER, retry)], error).into_response()
                }
                SignInError::ProxyMode | SignInError::LocalAccountsOff => {
                    let reason = if matches!(err, SignInError::ProxyMode) {
                        "proxy_mode"
                    } else {
                        "local_accounts_off"
                    };
                    let detail = detail.outcome(Outcome::Denied).param("reason", reason);
                    (detail, AppError::BadRequest(err.to_string())).into_response()
                }
                _ => {
                    let detail = detail.param("reason", "wrong_name_or_password");
                    (detail, AppError::Unauthorized(err.to_string())).into_response()
                }
            }
        }
    })
}

pub async fn delete_session(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Result<Documented<OneOf<Json<SignedOut>, NoContent>>, AppError> {
    // Read before the session goes: the provider's sign-out wants the ID
    // token the session began with.
    let id_token = match &principal.via {
        Via::Oidc { token_hash } => state.store().oidc_session_id_token(token_hash).await?,
        _ => None,
    };
    sessions::sign_out(&state, &principal).await?;
    let secure = state.auth().secure_cookies || origin_of(&state, &headers, peer).tls;
    let cookie = [(header::SET_COOKIE, cookies::clear_session(secure))];
    let provider_logout = match (id_token, &state.auth().oidc) {
        (Some(id_token), Some(provider)) => provider.logout_url(&id_token).await,
        _ => None,
    };
    Ok(match provider_logout {
        Some(url) => Documented::new((
            cookie,
            Json(SignedOut {
                provider_logout: Some(url),
            }),
        )),
        None => Documented::new((StatusCode::NO_CONTENT, cookie)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claimed_names_are_trimmed_and_cut_at_a_character() {
        assert_eq!(claimed("  olga \n"), "olga");
        let long = "é".repeat(300);
        let cut = claimed(&long);
        assert!(cut.len() <= CLAIMED_NAME_MAX && cut.len() >= CLAIMED_NAME_MAX - 1);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}
