//! The one error shape the API sends and the console renders.

use serde::{Deserialize, Serialize};

/// What kind of failure an [`ApiError`] reports; decides the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed or fails validation.
    BadRequest,
    /// Nobody is signed in.
    Unauthorized,
    /// The signed-in role may not do this.
    Forbidden,
    /// The named thing (route, cluster, object) does not exist.
    NotFound,
    /// The change collides with the current state.
    Conflict,
    /// The request body is larger than the console accepts.
    PayloadTooLarge,
    /// Too many failed attempts (sign-in); wait before trying again.
    TooManyRequests,
    /// A member cluster did not answer.
    ClusterUnreachable,
    /// Something failed inside the console; details are in its log.
    Internal,
    /// The browser could not reach the console at all.
    Network,
}

impl ErrorCode {
    /// The HTTP status code that carries this error.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::ClusterUnreachable => 502,
            ErrorCode::Internal => 500,
            ErrorCode::Network => 503,
        }
    }

    /// A short, human title for headings in the UI.
    pub fn title(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "The request is not valid",
            ErrorCode::Unauthorized => "Sign-in required",
            ErrorCode::Forbidden => "Not allowed for your role",
            ErrorCode::NotFound => "Not found",
            ErrorCode::Conflict => "Conflict with the current state",
            ErrorCode::PayloadTooLarge => "Request too large",
            ErrorCode::TooManyRequests => "Too many attempts",
            ErrorCode::ClusterUnreachable => "Cluster unreachable",
            ErrorCode::Internal => "Internal error",
            ErrorCode::Network => "Console unreachable",
        }
    }
}

/// The JSON body of every failed API call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    /// What went wrong, written for the person who acted.
    pub message: String,
    /// The member cluster the error concerns, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// The request id the backend logged the cause under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            cluster: None,
            request_id: None,
        }
    }

    /// Names the member cluster the error concerns.
    pub fn with_cluster(mut self, cluster: impl Into<String>) -> Self {
        self.cluster = Some(cluster.into());
        self
    }

    /// Names `cluster` unless the error names one already (the one the
    /// user acted on, when the server said none).
    pub fn or_cluster(self, cluster: impl Into<String>) -> Self {
        match self.cluster {
            Some(_) => self,
            None => self.with_cluster(cluster),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_without_absent_fields() {
        let err = ApiError::new(ErrorCode::NotFound, "no route /api/nope");
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "not_found", "message": "no route /api/nope"})
        );
    }

    #[test]
    fn round_trips_with_cluster_and_request_id() {
        let mut err =
            ApiError::new(ErrorCode::ClusterUnreachable, "timed out").with_cluster("gke-eu");
        err.request_id = Some("r-1".into());
        let back: ApiError = serde_json::from_str(&serde_json::to_string(&err).unwrap()).unwrap();
        assert_eq!(back, err);
        assert_eq!(back.code.http_status(), 502);
    }

    #[test]
    fn a_cluster_the_server_named_is_kept() {
        let named = ApiError::new(ErrorCode::ClusterUnreachable, "x").with_cluster("gke-eu");
        assert_eq!(
            named.or_cluster("gke-us").cluster.as_deref(),
            Some("gke-eu")
        );
        let unnamed = ApiError::new(ErrorCode::ClusterUnreachable, "x");
        assert_eq!(
            unnamed.or_cluster("gke-us").cluster.as_deref(),
            Some("gke-us")
        );
    }
}
