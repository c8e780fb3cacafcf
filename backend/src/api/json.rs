//! A JSON body extractor whose rejections are `ApiError`s like every other
//! failure, instead of axum's plain-text ones.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// `Json<T>` that fails with [`AppError::BadRequest`].
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::BadRequest(
                "the request body must be JSON (content-type: application/json)".into(),
            )),
            Err(err) if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::PayloadTooLarge(
                    "the request body is larger than this endpoint accepts".into(),
                ))
            }
            Err(err) => Err(AppError::BadRequest(format!(
                "the request body is not valid: {}",
                err.body_text()
            ))),
        }
    }
}
