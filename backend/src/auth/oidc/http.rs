//! `/api/oidc/login` sends the browser to the provider; `/api/oidc/callback`
//! takes it back and opens a session. Both are GETs (browser navigations),
//! which the endpoint table's guard does not audit: the callback records
//! every sign-in and every refusal itself.

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::Outcome;

use super::flow::{self, Callback, LOGIN_TTL_SECS};
use super::settings::{OidcError, Refusal};
use crate::api::openapi::respond::{Documented, SeeOther};
use crate::api::query::ApiQuery;
use crate::audit::{self, Actor, Event};
use crate::auth::cookies;
use crate::auth::http::origin_of;
use crate::auth::sessions::{self, SignedIn};
use crate::error::AppError;
use crate::metrics::SignInOutcome;
use crate::state::AppState;
use crate::store::sessions::VouchedBy;

/// Where the browser lands after signing in: the console's start page.
const LANDING: &str = "/";

/// The provider cannot be used: the cause is logged, the answer generic.
fn unavailable(error: &OidcError) -> Response {
    tracing::error!(error = %error, "OpenID Connect sign-in failed");
    AppError::Internal(error.to_string()).into_response()
}

fn not_configured() -> Response {
    AppError::NotFound("sign-in with an OpenID provider is not configured".into()).into_response()
}

/// A 429 once `address` has spent its anonymous budget.
fn over_budget(state: &AppState, address: &str, now: i64) -> Option<Response> {
    let exhausted = state.anonymous_budget().take(address, now).err()?;
    let retry = [(
        header::RETRY_AFTER,
        HeaderValue::from(exhausted.retry_after_secs),
    )];
    let error = AppError::TooManyRequests(
        "too many sign-ins from your address; try again in a minute".into(),
    );
    Some((retry, error).into_response())
}

/// A redirect the browser follows at once.
fn see_other(location: &str, cookies: Vec<HeaderValue>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Sends the browser to the provider's sign-in.
pub async fn start_oidc_login(
    state: State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Documented<Result<SeeOther, AppError>> {
    Documented::new(start(state, peer, headers).await)
}

async fn start(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Response {
    let Some(provider) = state.auth().oidc.clone() else {
        return not_configured();
    };
    let origin = origin_of(&state, &headers, peer);
    let now = state.clock().now();
    // Each start stores a row: anonymous callers spend their budget.
    if let Some(refused) = over_budget(&state, &origin.address, now) {
        return refused;
    }
    match flow::begin(&provider, state.store(), now).await {
        Ok(begun) => {
            let secure = state.auth().secure_cookies || origin.tls;
            let cookie = cookies::oidc_browser(&begun.browser_token, LOGIN_TTL_SECS, secure);
            see_other(begun.redirect.as_str(), vec![cookie])
        }
        Err(error) => unavailable(&error),
    }
}

/// Takes the provider's answer: a session and the console's start page,
/// or an audited 4xx refusal and no session.
/// Takes the browser back from the provider: a session, or the refusal.
pub async fn finish_oidc_login(
    state: State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    callback: ApiQuery<Callback>,
) -> Documented<Result<SeeOther, AppError>> {
    let metrics = state.metrics().clone();
    let response = finish(state, peer, headers, callback).await;
    metrics.sign_in(match response.status() {
        StatusCode::SEE_OTHER => SignInOutcome::Success,
        status if status.is_server_error() => SignInOutcome::Error,
        _ => SignInOutcome::OidcRefused,
    });
    Documented::new(response)
}

async fn finish(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ApiQuery(callback): ApiQuery<Callback>,
) -> Response {
    let Some(provider) = state.auth().oidc.clone() else {
        return not_configured();
    };
    let origin = origin_of(&state, &headers, peer);
    let secure = state.auth().secure_cookies || origin.tls;
    let request_id = audit::request_id(&headers);
    let browser = cookies::read(&headers, cookies::OIDC_COOKIE);
    let now = state.clock().now();
    // Each callback may write an audit entry: anonymous callers spend
    // their budget first, as for every anonymous write.
    if let Some(refused) = over_budget(&state, &origin.address, now) {
        return refused;
    }
    let finished = flow::finish(&provider, state.store(), now, callback, browser.as_deref()).await;
    // The browser's binding is spent either way.
    let spent = cookies::oidc_browser("", 0, secure);
    let vouched = match finished {
        Ok(Ok(vouched)) => vouched,
        Ok(Err(refusal)) => {
            let event = sign_in_event(&origin.address, Outcome::Denied);
            return refuse(&state, request_id, event, &refusal, spent).await;
        }
        Err(error) => return unavailable(&error),
    };
    let by = VouchedBy {
        subject: &vouched.subject,
        id_token: &vouched.id_token,
    };
    match sessions::open(&state, vouched.account.clone(), Some(by), now).await {
        Ok(SignedIn { principal, token }) => {
            let event =
                sign_in_event(&origin.address, Outcome::Success).param("subject", &vouched.subject);
            if let Err(err) = audit::record(&state, Actor::of(&principal), request_id, event).await
            {
                // Unrecorded, the sign-in does not stand.
                let _ = sessions::sign_out(&state, &principal).await;
                return AppError::from(err).into_response();
            }
            let session = cookies::session(&token, state.auth().absolute_secs, secure);
            see_other(LANDING, vec![spent, session])
        }
        Err(err) => AppError::from(err).into_response(),
    }
}

/// The audit entry of a sign-in through the provider.
fn sign_in_event(address: &str, outcome: Outcome) -> Event {
    Event::new("session.create", outcome)
        .param("address", address)
        .param("via", "oidc")
}

/// Records the refusal and answers it.
async fn refuse(
    state: &AppState,
    request_id: Option<String>,
    event: Event,
    refusal: &Refusal,
    spent: HeaderValue,
) -> Response {
    let event = event.param("reason", refusal.reason());
    let actor = match refusal {
        Refusal::NoRole { user, .. } | Refusal::NameTaken(user) => Actor::anonymous(Some(user)),
        _ => Actor::anonymous(None),
    };
    if let Err(err) = audit::record(state, actor, request_id, event).await {
        return AppError::from(err).into_response();
    }
    let error = match refusal {
        Refusal::NoRole { .. } | Refusal::NoName(_) | Refusal::NameTaken(_) => {
            AppError::Forbidden(refusal.to_string())
        }
        Refusal::Provider(_) | Refusal::Exchange(_) | Refusal::NoIdToken | Refusal::BadToken(_) => {
            AppError::Unauthorized(refusal.to_string())
        }
        Refusal::Missing(_)
        | Refusal::UnknownState
        | Refusal::Expired
        | Refusal::OtherBrowser
        | Refusal::OtherIssuer(_) => AppError::BadRequest(refusal.to_string()),
    };
    ([(header::SET_COOKIE, spent)], error).into_response()
}
