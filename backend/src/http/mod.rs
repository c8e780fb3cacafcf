//! HTTP handlers, one file per resource.

pub mod meta;
pub mod spa;

use axum::Router;
use axum::extract::OriginalUri;

use crate::error::AppError;
use crate::state::AppState;

/// Routes under `/api`; anything unknown there is a JSON 404, never the SPA.
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/health", axum::routing::get(meta::get_health))
        .route("/version", axum::routing::get(meta::get_version))
        .fallback(unknown_api_route)
}

async fn unknown_api_route(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(format!("no API route {}", uri.path()))
}
