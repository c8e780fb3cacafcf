//! The middleware in front of every API handler: recognise the caller,
//! apply the endpoint's rule from [`crate::api::endpoints`], check the CSRF token
//! of mutating requests, and record every refusal and every mutation in
//! the audit log.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use shared::{Access, Outcome, routes::CSRF_HEADER};

use super::anonymous::Exhausted;
use super::forwarded;
use super::sessions::{NoIdentity, authenticate};
use crate::audit::{self, Actor, Detail, Event};
use crate::error::{AppError, api_error_of};
use crate::metrics::SignInOutcome;
use crate::state::AppState;

/// The rule one route's guard enforces.
#[derive(Clone)]
pub struct Guard {
    pub state: AppState,
    pub access: Access,
    pub action: &'static str,
}

fn mutates(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The client's address, when the server was started with connect info.
pub fn peer(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr)
}

pub async fn check(State(guard): State<Guard>, mut request: Request, next: Next) -> Response {
    let state = &guard.state;
    let mutating = mutates(request.method());
    let request_id = audit::request_id(request.headers());
    let identity =
        match authenticate(state, request.headers(), peer(&request).map(|a| a.ip())).await {
            Ok(identity) => identity,
            Err(err) => return AppError::from(err).into_response(),
        };
    let refusal = Refusal {
        guard: &guard,
        request_id,
    };
    // Writes from callers without a session spend their address's budget
    // before anything is recorded for them.
    let anonymous = match (&identity, mutating) {
        (Err(_), true) => {
            let address = client_address(state, &request);
            let now = state.clock().now();
            if let Err(exhausted) = state.anonymous_budget().take(&address, now) {
                return refusal.over_budget(exhausted).await;
            }
            Some(address)
        }
        _ => None,
    };
    let principal = match identity {
        Ok(principal) => Some(principal),
        Err(_) if guard.access == Access::Public => None,
        Err(why) => {
            if matches!(why, NoIdentity::Proxy(_)) {
                state.metrics().sign_in(SignInOutcome::ProxyRefused);
            }
            let error = AppError::Unauthorized(why.message());
            // Reads before sign-in are how the console finds out it must
            // show the sign-in page: refused, but not worth an entry.
            if !mutating && !matches!(why, NoIdentity::Proxy(_)) {
                return error.into_response();
            }
            return refusal
                .record(Actor::anonymous(None), "not signed in", error)
                .await;
        }
    };
    if let Some(principal) = &principal {
        let account = &principal.account;
        if !guard.access.allows(account.role, account.admin) {
            let message = format!("not allowed: {}", guard.access.needs());
            return refusal
                .record(Actor::of(principal), "role", AppError::Forbidden(message))
                .await;
        }
        // Public mutations (signing in) have no session to take a token
        // from; they accept only `application/json` bodies, which another
        // site cannot send without a CORS preflight this server never grants.
        if mutating && guard.access != Access::Public {
            let sent = request
                .headers()
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok());
            if sent != Some(principal.csrf_token.as_str()) {
                let message = format!(
                    "the request lacks a valid {CSRF_HEADER} header; reload the console and try again"
                );
                return refusal
                    .record(Actor::of(principal), "csrf", AppError::Forbidden(message))
                    .await;
            }
        }
    }
    let actor = principal
        .as_ref()
        .map_or_else(|| Actor::anonymous(None), Actor::of);
    if let Some(principal) = principal {
        request.extensions_mut().insert(principal);
    }
    if !mutating {
        return next.run(request).await;
    }
    // A mutation runs to its end, audit entry included, in a task of its
    // own: a caller that hangs up does not cancel it half-way (a root made
    // in the token but never recorded, a change never audited).
    let (state, action, request_id) = (state.clone(), guard.action, refusal.request_id);
    let mutation = tokio::spawn(async move {
        let mut response = next.run(request).await;
        if let Some(address) = anonymous.filter(|_| response.status().is_success()) {
            state.anonymous_budget().give_back(&address);
        }
        // Every mutation is recorded here, whatever its handler did.
        let detail = response.extensions_mut().remove::<Detail>();
        let error = api_error_of(&response).map(|e| e.message.clone());
        let (event, by) =
            Event::of_response(action, response.status().as_u16(), detail, error.as_deref());
        if let Err(err) = audit::record(&state, by.unwrap_or(actor), request_id, event).await {
            tracing::error!(error = %err, action, "the audit log refused an entry");
            return AppError::Internal(format!("the change was made but not recorded: {err}"))
                .into_response();
        }
        response
    });
    mutation.await.unwrap_or_else(|e| {
        AppError::Internal(format!("the request's task ended abnormally: {e}")).into_response()
    })
}

/// The client's address as far as the console believes it.
fn client_address(state: &AppState, request: &Request) -> String {
    forwarded::origin(
        request.headers(),
        peer(request),
        &state.auth().trusted_proxies,
    )
    .address
}

/// A refused request: recorded in the audit log, then answered.
struct Refusal<'a> {
    guard: &'a Guard,
    request_id: Option<String>,
}

impl Refusal<'_> {
    async fn record(self, actor: Actor, reason: &str, error: AppError) -> Response {
        let event = Event::new(self.guard.action, Outcome::Denied).param("reason", reason);
        if let Err(err) = audit::record(&self.guard.state, actor, self.request_id, event).await {
            return AppError::from(err).into_response();
        }
        error.into_response()
    }

    /// An address past its anonymous budget: 429, recorded once a window.
    async fn over_budget(self, exhausted: Exhausted) -> Response {
        let error = AppError::TooManyRequests(
            "too many requests without a session from your address; try again in a minute".into(),
        );
        let retry = [(
            header::RETRY_AFTER,
            HeaderValue::from(exhausted.retry_after_secs),
        )];
        if !exhausted.first {
            return (retry, error).into_response();
        }
        let response = self
            .record(Actor::anonymous(None), "anonymous_rate_limited", error)
            .await;
        (retry, response).into_response()
    }
}
