//! Who may do what on a cluster's API: bearer-token authentication and
//! the authorisation of every request, decided on the canonical path the
//! router serves ([`super::canonical`]), never on the raw one.
//!
//! The cluster's own bearer token is cluster-admin. A service account
//! token authenticates only when it is meant for the API server (its
//! audiences include
//! [`crate::service_account_tokens::API_AUDIENCES`], as kube-apiserver's
//! `--api-audiences`); it may then read discovery (`system:discovery`)
//! and do what RBAC grants its account ([`crate::rbac`]), nothing else;
//! a server-side apply that creates its object needs `create` too.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::canonical::CanonicalPath;
use super::path::ResourcePath;
use crate::cluster::Cluster;
use crate::rbac::{self, Request as Asked, User};
use crate::service_account_tokens::api_audiences;
use crate::status::ApiStatus;

/// What `system:discovery` lets every authenticated user read: the API
/// and group lists, each group-version's resources, OpenAPI, the version.
pub(super) fn is_discovery(segments: &[&str]) -> bool {
    matches!(
        segments,
        ["api" | "apis" | "version"] | ["api" | "apis", _] | ["apis", _, _] | ["openapi", ..]
    )
}

/// Every request but the health probes needs a bearer token the cluster
/// accepts, and the authorisation its user has; the cluster's faults
/// (latency, failing writes) apply to all of them.
pub async fn authenticate(State(c): State<Arc<Cluster>>, mut req: Request, next: Next) -> Response {
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
        let user = User::service_account(&who.namespace, &who.name);
        // Decoded as the handler decodes it: `watch=%74rue` is a watch too.
        let watch = axum::extract::Query::<super::Query_>::try_from_uri(req.uri())
            .is_ok_and(|axum::extract::Query(query)| super::is_true(&query, "watch"));
        if let Err(refused) = authorise(&c, &user, req.method(), &segments, watch) {
            return refused.into_response();
        }
        req.extensions_mut().insert(Caller(Some(user)));
    } else {
        req.extensions_mut().insert(Caller(None));
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

/// Who made a request: `None` for the cluster's admin token.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<User>);

/// Whether `user` may make the request: discovery for everyone, a
/// resource request by RBAC; what was allowed is remembered on the
/// cluster ([`Cluster::granted`]).
fn authorise(
    c: &Cluster,
    user: &User,
    method: &Method,
    segments: &[&str],
    watch: bool,
) -> Result<(), ApiStatus> {
    match Asked::of(method, segments, watch) {
        // `system:basic-user`: anyone may ask what they may do.
        Asked::Resource(attributes) if super::access_review::is_review(&attributes) => Ok(()),
        Asked::Resource(attributes) => authorise_resource(c, user, attributes),
        Asked::Path { verb, .. } if verb == "get" && is_discovery(segments) => Ok(()),
        Asked::Path { verb, path } => Err(ApiStatus::forbidden(format!(
            "forbidden: User \"{}\" cannot {verb} path \"{path}\"",
            user.name
        ))),
    }
}

/// A server-side apply that creates its object is a create too, and the
/// API server authorises it as one: `user` needs `create` as well as the
/// `patch` it was let in with.
pub(super) fn may_create(
    c: &Cluster,
    caller: &Caller,
    path: &ResourcePath,
    name: &str,
) -> Result<(), ApiStatus> {
    let Caller(Some(user)) = caller else {
        return Ok(());
    };
    let attributes = rbac::Attributes {
        verb: "create".into(),
        group: path.group.clone(),
        resource: path.plural.clone(),
        subresource: path.subresource.clone(),
        namespace: path.namespace.clone(),
        name: Some(name.to_owned()),
    };
    authorise_resource(c, user, attributes)
}

fn authorise_resource(
    c: &Cluster,
    user: &User,
    attributes: rbac::Attributes,
) -> Result<(), ApiStatus> {
    if !rbac::authorize(&c.store, user, &attributes) {
        return Err(ApiStatus::forbidden_resource(
            &attributes.resource,
            &attributes.group,
            attributes.name.as_deref(),
            &attributes.refusal(&user.name),
        ));
    }
    c.record_grant(&user.name, &attributes);
    Ok(())
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
