//! The single path from any failure to the `shared::ApiError` JSON body.
//!
//! Handlers return [`AppError`]. Its response carries the error as an
//! extension; the [`render_api_errors`] middleware then writes the body with
//! the request id, so every error names the id its cause was logged under.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use shared::{ApiError, ErrorCode, FieldError};

use crate::api::request_id::REQUEST_ID_HEADER;

/// Every error a handler can return.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    /// Validation refused what was sent: a 400 naming the fields.
    #[error("{} invalid field(s)", .0.len())]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// No member cluster of that name.
    #[error("no member cluster {0:?}")]
    UnknownCluster(String),
    /// Something named on a known member does not exist there.
    #[error("{message} on {cluster}")]
    NotFoundOn { cluster: String, message: String },
    #[error("cluster {cluster} did not answer: {reason}")]
    ClusterUnreachable { cluster: String, reason: String },
    /// A member cluster refused a request the console made for the user
    /// (validation, conflict, missing object); `status` is its HTTP status.
    /// A 5xx is the member failing, not the request: a 502 naming it.
    #[error("{cluster} refused: {message}")]
    RefusedBy {
        cluster: String,
        status: u16,
        message: String,
    },
    /// Objects on `cluster` other field managers own, which the change would
    /// take: a 409 whose fields name each object (`Deployment blue/foo`)
    /// with its managers, so the console can offer an explicit take-over.
    #[error("{cluster}: {message}")]
    OwnedByOthers {
        cluster: String,
        message: String,
        objects: Vec<FieldError>,
    },
    /// A change refused because the object on `cluster` is not as it was
    /// reviewed (or other field managers own fields it sets): a 409 whose
    /// `fresh` is the object as it is now, diffed against the change.
    #[error("{cluster}: {message}")]
    Changed {
        cluster: String,
        message: String,
        fresh: Box<shared::diff::FreshReview>,
    },
    /// The cause is logged; the client only learns that something failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    fn to_api_error(&self) -> ApiError {
        match self {
            AppError::BadRequest(msg) => ApiError::new(ErrorCode::BadRequest, msg),
            AppError::Invalid(fields) => ApiError::invalid(fields.clone()),
            AppError::Unauthorized(msg) => ApiError::new(ErrorCode::Unauthorized, msg),
            AppError::Forbidden(msg) => ApiError::new(ErrorCode::Forbidden, msg),
            AppError::NotFound(msg) => ApiError::new(ErrorCode::NotFound, msg),
            AppError::Conflict(msg) => ApiError::new(ErrorCode::Conflict, msg),
            AppError::TooManyRequests(msg) => ApiError::new(ErrorCode::TooManyRequests, msg),
            AppError::PayloadTooLarge(msg) => ApiError::new(ErrorCode::PayloadTooLarge, msg),
            AppError::UnknownCluster(cluster) => ApiError::new(
                ErrorCode::NotFound,
                format!("no member cluster {cluster:?} in this fleet"),
            )
            .with_cluster(cluster.clone()),
            AppError::NotFoundOn { cluster, message } => {
                ApiError::new(ErrorCode::NotFound, format!("{message} on {cluster}"))
                    .with_cluster(cluster.clone())
            }
            AppError::ClusterUnreachable { cluster, .. } => ApiError::new(
                ErrorCode::ClusterUnreachable,
                format!("cluster {cluster} did not answer"),
            )
            .with_cluster(cluster.clone()),
            AppError::RefusedBy {
                cluster, status, ..
            } if *status >= 500 => ApiError::new(
                ErrorCode::ClusterFailed,
                format!("cluster {cluster} failed to handle the request (it answered {status})"),
            )
            .with_cluster(cluster.clone()),
            AppError::RefusedBy {
                cluster,
                status,
                message,
            } => {
                let code = match status {
                    404 => ErrorCode::NotFound,
                    409 => ErrorCode::Conflict,
                    403 => ErrorCode::Forbidden,
                    _ => ErrorCode::BadRequest,
                };
                ApiError::new(code, format!("{cluster}: {message}")).with_cluster(cluster.clone())
            }
            AppError::OwnedByOthers {
                cluster,
                message,
                objects,
            } => ApiError {
                fields: Some(objects.clone()),
                ..ApiError::new(ErrorCode::Conflict, format!("{cluster}: {message}"))
                    .with_cluster(cluster.clone())
            },
            AppError::Changed {
                cluster,
                message,
                fresh,
            } => ApiError {
                fresh: Some((**fresh).clone()),
                ..ApiError::new(ErrorCode::Conflict, format!("{cluster}: {message}"))
                    .with_cluster(cluster.clone())
            },
            AppError::Internal(_) => ApiError::new(
                ErrorCode::Internal,
                "the console failed to handle this request; its log has the details",
            ),
        }
    }
}

impl From<crate::store::StoreError> for AppError {
    fn from(err: crate::store::StoreError) -> Self {
        match err {
            crate::store::StoreError::Conflict(msg) => AppError::Conflict(msg),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<crate::cluster::ClusterError> for AppError {
    fn from(err: crate::cluster::ClusterError) -> Self {
        use crate::cluster::ClusterErrorKind;
        match err.kind {
            ClusterErrorKind::Unknown => AppError::UnknownCluster(err.cluster),
            ClusterErrorKind::Apply(apply) => AppError::on_cluster(&err.cluster, apply),
        }
    }
}

impl AppError {
    /// A failed change on `cluster`, keeping the cluster's meaning.
    pub fn on_cluster(cluster: &str, err: crate::cluster::apply::ApplyError) -> Self {
        use crate::cluster::apply::ApplyError;
        match err {
            ApplyError::Invalid(message) => AppError::RefusedBy {
                cluster: cluster.to_owned(),
                status: 400,
                message,
            },
            ApplyError::Refused {
                title,
                status,
                message,
            } => AppError::RefusedBy {
                cluster: cluster.to_owned(),
                status,
                message: format!("{title}: {message}"),
            },
            ApplyError::Unreachable(reason) => AppError::ClusterUnreachable {
                cluster: cluster.to_owned(),
                reason,
            },
        }
    }
}

/// Marker extension: the response is an API error still waiting for its body.
#[derive(Clone)]
struct PendingApiError(ApiError);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let api = self.to_api_error();
        if api.code.http_status() >= 500 {
            tracing::error!(error = %self, "request failed");
        }
        api_error_response(api)
    }
}

/// A response for `api` whose body [`render_api_errors`] completes.
pub fn api_error_response(api: ApiError) -> Response {
    let status =
        StatusCode::from_u16(api.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = status.into_response();
    response.extensions_mut().insert(PendingApiError(api));
    response
}

/// The API error a response carries, before its body is written.
pub fn api_error_of(response: &Response) -> Option<&ApiError> {
    response
        .extensions()
        .get::<PendingApiError>()
        .map(|PendingApiError(api)| api)
}

/// Middleware writing the JSON body of pending API errors, with request id.
pub async fn render_api_errors(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut response = next.run(request).await;
    let Some(PendingApiError(mut api)) = response.extensions_mut().remove::<PendingApiError>()
    else {
        return response;
    };
    api.request_id = request_id;
    let body = serde_json::to_vec(&api).unwrap_or_default();
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}
