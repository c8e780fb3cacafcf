//! `GET /metrics` and the middleware that counts every HTTP request.
//!
//! The endpoint is public and read-only: it is meant to be scraped by
//! Prometheus, needs no sign-in and lies outside `/api` (so outside the
//! endpoint table and its guard). It says how busy the console is and
//! which members it reaches, never who did what. With `--metrics-listen`
//! it is served on that listener only ([`router`]), not on the main one.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::prometheus_text;

use super::Metrics;
use super::scrape::Scrape;
use crate::state::AppState;

/// Where the metrics are served: public, read-only, for scraping.
pub const METRICS_PATH: &str = "/metrics";

/// The route label of a request no route template matched under `/api`
/// (a 404): one series for all of them, whatever the path.
pub const UNMATCHED_API: &str = "unmatched";

/// The route label of the single-page app's files (every path outside
/// `/api` but the metrics).
pub const SPA: &str = "spa";

/// `GET /metrics`: the Prometheus text exposition (format 0.0.4).
pub async fn get_metrics(State(state): State<AppState>) -> Response {
    let scrape = Scrape::gather(&state).await;
    let registry = state.metrics().registry(&scrape);
    let mut body = String::new();
    match prometheus_text::encode(&mut body, &registry) {
        Ok(()) => (
            [(header::CONTENT_TYPE, prometheus_text::CONTENT_TYPE)],
            body,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot encode the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /metrics` on the console's listener when `--metrics-listen`
/// serves them: a 404 saying so, not the single-page app.
pub async fn served_elsewhere() -> Response {
    (
        StatusCode::NOT_FOUND,
        "the metrics are served on the --metrics-listen address\n",
    )
        .into_response()
}

/// A router serving only the metrics, for `--metrics-listen`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(METRICS_PATH, get(get_metrics))
        .with_state(state)
}

/// The route template that answered, carried out to [`count_requests`]
/// on the response.
#[derive(Debug, Clone)]
struct RouteTemplate(String);

/// Route layer: records which template matched (only a route layer sees
/// it), for the outer [`count_requests`].
pub async fn mark_route(matched: Option<MatchedPath>, request: Request, next: Next) -> Response {
    let template = matched.map(|m| m.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(template) = template {
        response.extensions_mut().insert(RouteTemplate(template));
    }
    response
}

/// Outermost middleware: counts each request by method, route template
/// and status, and times it.
pub async fn count_requests(
    State(metrics): State<Metrics>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let path = request.uri().path();
    let in_api = path
        .strip_prefix(shared::routes::API_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    let response = next.run(request).await;
    let route = match response.extensions().get::<RouteTemplate>() {
        Some(RouteTemplate(template)) => template.as_str(),
        None if in_api => UNMATCHED_API,
        None => SPA,
    };
    metrics.request(
        method,
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// The standard methods by name; any other (a client may send anything)
/// as `other`, so methods cannot multiply series either.
fn method_label(method: &Method) -> &'static str {
    let known = [
        (Method::GET, "GET"),
        (Method::HEAD, "HEAD"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::PATCH, "PATCH"),
        (Method::DELETE, "DELETE"),
        (Method::OPTIONS, "OPTIONS"),
    ];
    known
        .iter()
        .find(|(known, _)| known == method)
        .map_or("other", |(_, label)| label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_outside_the_standard_ones_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        let odd = Method::from_bytes(b"PROPFIND").unwrap();
        assert_eq!(method_label(&odd), "other");
        assert_eq!(method_label(&Method::TRACE), "other");
    }
}
