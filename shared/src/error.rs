//! The one error shape the API sends and the console renders.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of failure an [`ApiError`] reports; decides the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
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
    /// A member cluster answered with a failure of its own (a 5xx): the
    /// member failed, not the request.
    ClusterFailed,
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
            ErrorCode::ClusterFailed => 502,
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
            ErrorCode::ClusterFailed => "Cluster failed",
            ErrorCode::Internal => "Internal error",
            ErrorCode::Network => "Console unreachable",
        }
    }
}

/// The JSON body of every failed API call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
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
    /// Validation refused the request: the problems on the fields of what
    /// was sent, for a form or editor to put beside their inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldError>>,
    /// A change refused because the object is not as it was reviewed (409):
    /// the object as it is now, for the editor to show where the user acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fresh: Option<crate::diff::FreshReview>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            cluster: None,
            request_id: None,
            fields: None,
            fresh: None,
        }
    }

    /// A [`ErrorCode::BadRequest`] refusing what was sent, with the errors
    /// on their fields; the message lists them all.
    pub fn invalid(fields: Vec<FieldError>) -> Self {
        let message = match fields.as_slice() {
            [one] => one.to_string(),
            many => format!("{} problems: {}", many.len(), join_problems(many)),
        };
        Self {
            fields: Some(fields),
            ..Self::new(ErrorCode::BadRequest, message)
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

/// Something wrong with one field: `field` is its path in the manifest
/// (`spec.clusters[1].link`), empty for the object as a whole; `message`
/// says what is wrong and what is expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A problem with the object as a whole (no single field to blame).
    pub fn object(message: impl Into<String>) -> Self {
        Self::new(String::new(), message)
    }

    /// Errors on `field` or below it (`spec.clusters` covers
    /// `spec.clusters[0].link`).
    pub fn is_under(&self, field: &str) -> bool {
        self.field == field
            || self
                .field
                .strip_prefix(field)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Problems as one sentence: each as it displays, separated by `; `.
pub fn join_problems<T: fmt::Display>(problems: &[T]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
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
    fn a_refusal_carries_its_fields() {
        let err = ApiError::invalid(vec![
            FieldError::new("spec.clusters[1].link", "no member gke-asia-9"),
            FieldError::object("the limit is 100"),
        ]);
        assert_eq!(err.code, ErrorCode::BadRequest);
        assert_eq!(
            err.message,
            "2 problems: spec.clusters[1].link: no member gke-asia-9; the limit is 100"
        );
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json["fields"][0],
            serde_json::json!({"field": "spec.clusters[1].link", "message": "no member gke-asia-9"})
        );
        let back: ApiError = serde_json::from_value(json).unwrap();
        assert_eq!(back, err);
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
