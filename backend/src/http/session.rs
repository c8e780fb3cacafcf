//! `/api/session`: sign in, who am I, sign out.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use shared::{Outcome, SessionInfo, SignIn};

use super::json::ApiJson;
use crate::audit::{self, Actor, Event};
use crate::auth::sessions::{self, SignInError};
use crate::auth::{Principal, cookies};
use crate::error::AppError;
use crate::state::AppState;

/// Who is signed in: `null` when nobody is (not an error: it is how the
/// console decides to show the sign-in page).
pub async fn get_session(principal: Option<Extension<Principal>>) -> Json<Option<SessionInfo>> {
    Json(principal.map(|Extension(p)| p.session_info()))
}

pub async fn create_session(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, AppError> {
    let address = peer.map_or_else(
        || "unknown".to_owned(),
        |Extension(ConnectInfo(addr))| addr.ip().to_string(),
    );
    let request_id = audit::request_id(&headers);
    let name = body.name.trim();
    match sessions::sign_in(&state, name, &body.password, &address).await {
        Ok(signed_in) => {
            let principal = signed_in.principal;
            let event = Event::new("session.create", Outcome::Success).param("address", &address);
            audit::record(&state, Actor::of(&principal), request_id, event).await?;
            let cookie = cookies::session(
                &signed_in.token,
                state.auth().absolute_secs,
                state.auth().secure_cookies,
            );
            Ok((
                [(header::SET_COOKIE, cookie)],
                Json(principal.session_info()),
            )
                .into_response())
        }
        Err(SignInError::Store(err)) => Err(err.into()),
        Err(err) => {
            let (outcome, reason) = match &err {
                SignInError::Locked { .. } => (Outcome::Denied, "rate_limited"),
                SignInError::ProxyMode => (Outcome::Denied, "proxy_mode"),
                _ => (Outcome::Failure, "wrong_name_or_password"),
            };
            let event = Event::new("session.create", outcome)
                .param("reason", reason)
                .param("address", &address);
            audit::record(&state, Actor::anonymous(Some(name)), request_id, event).await?;
            Ok(match err {
                SignInError::Locked { ref locked, .. } => {
                    let retry = HeaderValue::from(locked.retry_after_secs);
                    let mut response = AppError::TooManyRequests(err.to_string()).into_response();
                    response.headers_mut().insert(header::RETRY_AFTER, retry);
                    response
                }
                SignInError::ProxyMode => AppError::BadRequest(err.to_string()).into_response(),
                _ => AppError::Unauthorized(err.to_string()).into_response(),
            })
        }
    }
}

pub async fn delete_session(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    sessions::sign_out(&state, &principal).await?;
    let event = Event::new("session.delete", Outcome::Success);
    audit::record(
        &state,
        Actor::of(&principal),
        audit::request_id(&headers),
        event,
    )
    .await?;
    let cookie = cookies::clear_session(state.auth().secure_cookies);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}
