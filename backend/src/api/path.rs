//! A path extractor whose rejections are `ApiError`s like every other
//! failure: a segment that does not parse as its newtype (an account name,
//! a revision) is a 400 saying why, instead of axum's plain-text one.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// `Path<T>` that fails with [`AppError::BadRequest`].
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|e| AppError::BadRequest(e.body_text()))
    }
}
