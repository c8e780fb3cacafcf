//! Typed client of the backend's API, one file per resource. Every call
//! returns `shared::ApiError` on failure, whatever went wrong.

pub mod meta;

use gloo_net::http::Request;
use serde::de::DeserializeOwned;
use shared::{ApiError, ErrorCode};

/// `GET path` and decode the JSON answer.
pub async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = Request::get(path)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|err| {
            ApiError::new(
                ErrorCode::Network,
                format!("the console backend did not answer: {err}"),
            )
        })?;
    if response.ok() {
        return response.json::<T>().await.map_err(|err| {
            ApiError::new(
                ErrorCode::Internal,
                format!("unexpected answer from {path}: {err}"),
            )
        });
    }
    let status = response.status();
    Err(response.json::<ApiError>().await.unwrap_or_else(|_| {
        ApiError::new(
            ErrorCode::Internal,
            format!("{path} answered HTTP {status} without an error body"),
        )
    }))
}
