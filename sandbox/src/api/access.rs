//! Who may do what on a cluster's API: bearer-token authentication and
//! the authorisation of every request, decided on the canonical path the
//! router serves ([`super::canonical`]), never on the raw one.
//!
//! The cluster's own bearer token is cluster-admin. A service account
//! token authenticates only when it is meant for the API server (its
//! audiences include
//! [`crate::service_account_tokens::API_AUDIENCES`], as kube-apiserver's
//! `--api-audiences`); it may then read discovery (`system:discovery`)
//! and create `tokenreviews` when a ClusterRoleBinding grants it
//! (`system:auth-delegator`: Vault's token reviewer), nothing else.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::canonical::CanonicalPath;
use crate::cluster::Cluster;
use crate::service_account_tokens::api_audiences;
use crate::status::ApiStatus;

/// The segments of `POST`'s `tokenreviews` path.
const TOKEN_REVIEWS: [&str; 4] = ["apis", "authentication.k8s.io", "v1", "tokenreviews"];

/// What `system:discovery` lets every authenticated user read: the API
/// and group lists, each group-version's resources, OpenAPI, the version.
fn is_discovery(segments: &[&str]) -> bool {
    matches!(
        segments,
        ["api" | "apis" | "version"] | ["api" | "apis", _] | ["apis", _, _] | ["openapi", ..]
    )
}

/// The authorizer's refusal, as kube-apiserver words it.
fn forbidden_message(user: &str, reviewing: bool, method: &Method, path: &str) -> String {
    if reviewing {
        return format!(
            "tokenreviews.authentication.k8s.io is forbidden: User \"{user}\" cannot create resource \"tokenreviews\" in API group \"authentication.k8s.io\" at the cluster scope"
        );
    }
    format!(
        "forbidden: User \"{user}\" cannot {} path \"{path}\"",
        method.as_str().to_lowercase()
    )
}

/// Every request but the health probes needs a bearer token the cluster
/// accepts, and the authorisation its user has; the cluster's faults
/// (latency, failing writes) apply to all of them.
pub async fn authenticate(State(c): State<Arc<Cluster>>, req: Request, next: Next) -> Response {
    if let Some(latency) = c.faults().latency() {
        tokio::time::sleep(latency).await;
    }
    // The router has rewritten the URI to its canonical form already;
    // parsing it again yields the segments the handlers will see.
    let path = match CanonicalPath::parse(req.uri().path()) {
        Ok(path) => path,
        Err(e) => return ApiStatus::bad_request(e.to_string()).into_response(),
    };
    let segments = path.segments();
    if matches!(segments.as_slice(), ["healthz" | "livez" | "readyz"]) {
        return next.run(req).await;
    }
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if presented != Some(c.token.as_str()) {
        let Some(token) = presented else {
            return ApiStatus::unauthorized().into_response();
        };
        let who = match c.review_token(token, &api_audiences()) {
            Ok(who) => who,
            Err(_) => return ApiStatus::unauthorized().into_response(),
        };
        let reviewing = segments == TOKEN_REVIEWS && req.method() == Method::POST;
        let account = (who.namespace.as_str(), who.name.as_str());
        let (group, resource) = ("authentication.k8s.io", "tokenreviews");
        let allowed = if reviewing {
            crate::rbac::allows(&c.store, account, "create", group, resource)
        } else {
            req.method() == Method::GET && is_discovery(&segments)
        };
        if !allowed {
            return ApiStatus::forbidden(forbidden_message(
                &who.username(),
                reviewing,
                req.method(),
                &path.decoded(),
            ))
            .into_response();
        }
    }
    // Only a request already under way when the cluster became
    // unreachable gets here; its connection is being cut.
    if c.is_unreachable() {
        return ApiStatus::unavailable("the cluster is not answering").into_response();
    }
    let write = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if write && let Some(failure) = c.faults().write_failure() {
        return failure.into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_is_the_lists_of_apis_and_resources_only() {
        let discovery = |raw: &str| {
            let path = CanonicalPath::parse(raw).expect("canonical");
            is_discovery(&path.segments())
        };
        assert!(discovery("/api/v1"));
        assert!(discovery("/apis/apps/v1"));
        assert!(discovery("/openapi/v3/apis/apps/v1"));
        assert!(discovery("/openapi%2Fv3"));
        assert!(
            !discovery("/api/v1%2Fsecrets"),
            "an encoded slash is a slash"
        );
        assert!(!discovery("/apis/apps%2Fv1%2Fdeployments"));
        assert!(!discovery("/api/v1/namespaces/kube-system/secrets"));
    }
}
