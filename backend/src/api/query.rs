//! A query string extractor whose rejections are `ApiError`s like every
//! other failure, instead of axum's plain-text ones.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// `Query<T>` that fails with [`AppError::BadRequest`] naming the problem.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(err) => Err(AppError::BadRequest(format!(
                "the query string is not valid: {}",
                err.body_text()
            ))),
        }
    }
}
