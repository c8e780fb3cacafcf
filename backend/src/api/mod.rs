//! HTTP handlers, one file per resource.

pub mod cluster_path;
pub mod endpoints;
pub mod headers;
pub mod json;
pub mod meta;
pub mod openapi;
pub mod path;
pub mod progress;
pub mod query;
pub mod request_id;
pub mod spa;
pub mod stream;

use axum::Router;
use axum::extract::OriginalUri;

use crate::error::AppError;
use crate::state::AppState;

/// Routes under `/api`, built from the endpoint table of
/// [`crate::api::endpoints`]; anything unknown there is a JSON 404, never the
/// SPA.
pub fn api_routes(state: &AppState) -> Router<AppState> {
    crate::api::endpoints::api_router(state)
        // Outside each route's guard, so refusals are counted too.
        .route_layer(axum::middleware::from_fn(crate::metrics::http::mark_route))
        .fallback(unknown_api_route)
}

async fn unknown_api_route(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(format!("no API route {}", uri.path()))
}
