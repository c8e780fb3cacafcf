//! HTTP handlers, one file per resource.

pub mod accounts;
pub mod audit;
pub mod csr;
pub mod fleet;
pub mod hsm;
pub mod ingress;
pub mod json;
pub mod mesh;
pub mod meta;
pub mod migration;
pub mod progress;
pub mod session;
pub mod spa;
pub mod waves;
pub mod workloads;

use axum::Router;
use axum::extract::OriginalUri;

use crate::error::AppError;
use crate::state::AppState;

/// Routes under `/api`, built from the endpoint table of
/// [`crate::auth::policy`]; anything unknown there is a JSON 404, never the
/// SPA.
pub fn api_routes(state: &AppState) -> Router<AppState> {
    crate::auth::policy::api_router(state).fallback(unknown_api_route)
}

async fn unknown_api_route(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(format!("no API route {}", uri.path()))
}
