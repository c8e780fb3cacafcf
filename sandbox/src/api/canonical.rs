//! The one form of a request path that is both authorised and served.
//!
//! A path is percent-decoded once, as a whole, and only then split into
//! segments, so `/api/v1%2Fsecrets` is `/api/v1/secrets` to everyone: the
//! authoriser and the router (kube-apiserver likewise reads the decoded
//! path). Paths that name nothing a client means are refused with a 400
//! `Status`: a `.` or `..` segment (encoded or not; the API server refuses
//! them as names too), an empty segment (`//`), a control character or a
//! malformed escape. Before routing, the request's URI is rewritten to the
//! canonical path, so the handlers' extractors decode the very segments the
//! authoriser saw.

use axum::extract::{OriginalUri, Request};
use axum::http::Uri;
use axum::http::uri::PathAndQuery;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::status::ApiStatus;

/// Why a request path is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("the request path {0:?} is not absolute")]
    NotAbsolute(String),
    #[error("the request path has a malformed percent-escape")]
    BadEscape,
    #[error("the request path is not UTF-8 once decoded")]
    NotUtf8,
    #[error("the request path may not contain a '.' or '..' segment")]
    DotSegment,
    #[error("the request path may not contain an empty segment ('//')")]
    EmptySegment,
    #[error("the request path may not contain control characters")]
    Control,
}

/// A request path as decoded segments, none empty, `.`, `..` or holding
/// a `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalPath {
    segments: Vec<String>,
}

impl CanonicalPath {
    /// Decodes `raw` (a URI's path) once and checks its segments; one
    /// trailing `/` is dropped.
    pub fn parse(raw: &str) -> Result<Self, PathError> {
        let rest = raw
            .strip_prefix('/')
            .ok_or_else(|| PathError::NotAbsolute(raw.to_owned()))?;
        let decoded = String::from_utf8(percent_decode(rest)?).map_err(|_| PathError::NotUtf8)?;
        let decoded = decoded.strip_suffix('/').unwrap_or(&decoded);
        if decoded.is_empty() {
            return Ok(Self {
                segments: Vec::new(),
            });
        }
        let mut segments = Vec::new();
        for segment in decoded.split('/') {
            match segment {
                "" => return Err(PathError::EmptySegment),
                "." | ".." => return Err(PathError::DotSegment),
                s if s.chars().any(char::is_control) => return Err(PathError::Control),
                s => segments.push(s.to_owned()),
            }
        }
        Ok(Self { segments })
    }

    /// The decoded segments.
    pub fn segments(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }

    /// The path as people read it: `/` and the decoded segments.
    pub fn decoded(&self) -> String {
        format!("/{}", self.segments.join("/"))
    }

    /// The path as a URI carries it, each segment escaped where it must be.
    pub fn encoded(&self) -> String {
        let escaped: Vec<String> = self.segments.iter().map(|s| escape(s)).collect();
        format!("/{}", escaped.join("/"))
    }
}

fn percent_decode(text: &str) -> Result<Vec<u8>, PathError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(PathError::BadEscape)?;
            let hex = std::str::from_utf8(hex).map_err(|_| PathError::BadEscape)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| PathError::BadEscape)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// Escapes all but RFC 3986's unreserved characters, sub-delims, `:` and
/// `@`: what may stand unescaped in a path segment.
fn escape(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for &byte in segment.as_bytes() {
        let plain = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&byte);
        if plain {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Middleware before routing: refuses a path [`CanonicalPath::parse`]
/// refuses, else routes the request by its canonical path (and reports
/// that path as the original one, for messages).
pub async fn rewrite(mut req: Request, next: Next) -> Response {
    let canonical = match CanonicalPath::parse(req.uri().path()) {
        Ok(canonical) => canonical,
        Err(e) => return ApiStatus::bad_request(e.to_string()).into_response(),
    };
    let path_and_query = match req.uri().query() {
        Some(query) => format!("{}?{query}", canonical.encoded()),
        None => canonical.encoded(),
    };
    let mut parts = req.uri().clone().into_parts();
    parts.path_and_query = match path_and_query.parse::<PathAndQuery>() {
        Ok(pq) => Some(pq),
        Err(e) => return ApiStatus::bad_request(format!("bad request path: {e}")).into_response(),
    };
    let uri = match Uri::from_parts(parts) {
        Ok(uri) => uri,
        Err(e) => return ApiStatus::bad_request(format!("bad request URI: {e}")).into_response(),
    };
    *req.uri_mut() = uri.clone();
    req.extensions_mut().insert(OriginalUri(uri));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(raw: &str) -> Vec<String> {
        CanonicalPath::parse(raw)
            .expect("canonical")
            .segments
            .clone()
    }

    #[test]
    fn encoded_slashes_are_slashes() {
        assert_eq!(
            segments("/api/v1%2Fnamespaces%2fkube-system%2Fsecrets"),
            ["api", "v1", "namespaces", "kube-system", "secrets"]
        );
        assert_eq!(segments("/api/v1/"), ["api", "v1"]);
        assert!(segments("/").is_empty());
        assert_eq!(segments("/%61pi"), ["api"]);
    }

    #[test]
    fn dot_and_empty_segments_and_bad_escapes_are_refused() {
        for raw in [
            "/api/v1/namespaces/x/../../secrets",
            "/api/v1/namespaces/default/..%2F..%2Fsecrets",
            "/api/v1/%2e%2E/secrets",
            "/api/./v1",
        ] {
            assert_eq!(
                CanonicalPath::parse(raw),
                Err(PathError::DotSegment),
                "{raw}"
            );
        }
        for raw in ["/api//v1", "//api/v1", "/api/v1%2F%2Fsecrets", "/api/v1//"] {
            assert_eq!(
                CanonicalPath::parse(raw),
                Err(PathError::EmptySegment),
                "{raw}"
            );
        }
        assert_eq!(CanonicalPath::parse("/api%2"), Err(PathError::BadEscape));
        assert_eq!(CanonicalPath::parse("/api%zz"), Err(PathError::BadEscape));
        assert_eq!(CanonicalPath::parse("/api%ff"), Err(PathError::NotUtf8));
        assert_eq!(CanonicalPath::parse("/api%00"), Err(PathError::Control));
        assert!(matches!(
            CanonicalPath::parse("*"),
            Err(PathError::NotAbsolute(_))
        ));
    }

    #[test]
    fn the_encoded_form_decodes_once_to_the_same_segments() {
        for raw in [
            "/api/v1/namespaces/a%252Fb/pods",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:auth-delegator",
            "/api/v1/namespaces/x/pods/caf%C3%A9%20au%3Flait%23",
        ] {
            let once = CanonicalPath::parse(raw).expect("canonical");
            let again = CanonicalPath::parse(&once.encoded()).expect("still canonical");
            assert_eq!(once, again, "{raw}");
        }
        let literal = CanonicalPath::parse("/api/v1/namespaces/a%252Fb").expect("canonical");
        assert_eq!(literal.segments()[3], "a%2Fb", "decoded once, not twice");
        assert_eq!(literal.encoded(), "/api/v1/namespaces/a%252Fb");
    }
}
