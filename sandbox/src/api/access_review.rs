//! `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`: whether
//! the caller may do something, by the same RBAC the requests themselves
//! meet (`kubectl auth can-i`). Every authenticated user may ask
//! (`system:basic-user`); the admin token may do anything.

use axum::Extension;
use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::access::Caller;
use super::{body, content_type, json_response, read_body};
use crate::cluster::Cluster;
use crate::rbac::{self, Attributes};
use crate::status::ApiStatus;

/// The path of the create-only `selfsubjectaccessreviews` resource.
pub const PATH: &str = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

/// Whether `attributes` ask to create a review (which anyone may).
pub(super) fn is_review(attributes: &Attributes) -> bool {
    attributes.verb == "create"
        && attributes.group == "authorization.k8s.io"
        && attributes.resource == "selfsubjectaccessreviews"
}

/// Creating a review answers it.
pub async fn serve(
    axum::extract::State(c): axum::extract::State<std::sync::Arc<Cluster>>,
    Extension(Caller(caller)): Extension<Caller>,
    method: Method,
    headers: HeaderMap,
    request: Body,
) -> Response {
    if method != Method::POST {
        return ApiStatus::method_not_supported().into_response();
    }
    let review = match read_body(request).await {
        Ok(bytes) => body::decode(content_type(&headers), &bytes),
        Err(e) => Err(e),
    };
    let review = match review {
        Ok(review) => review,
        Err(e) => return e.into_response(),
    };
    let status = match attributes(&review["spec"]) {
        Err(refused) => return refused.into_response(),
        Ok(None) => {
            let path = review["spec"]["nonResourceAttributes"]["path"]
                .as_str()
                .unwrap_or_default();
            let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            let verb = &review["spec"]["nonResourceAttributes"]["verb"];
            let discovery = verb == "get" && super::access::is_discovery(&segments);
            json!({"allowed": caller.is_none() || discovery})
        }
        Ok(Some(asked)) => match &caller {
            None => json!({"allowed": true, "reason": "the cluster's admin token"}),
            Some(user) if rbac::authorize(&c.store, user, &asked) => {
                json!({"allowed": true, "reason": "RBAC: allowed by a binding"})
            }
            Some(_) => json!({"allowed": false}),
        },
    };
    json_response(
        StatusCode::CREATED,
        &json!({
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {"creationTimestamp": null},
            "spec": review["spec"],
            "status": status,
        }),
    )
}

/// The attributes a review's spec asks about; `None` for a non-resource
/// path (which everyone may `get` when it is discovery).
fn attributes(spec: &Value) -> Result<Option<Attributes>, ApiStatus> {
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let r = &spec["resourceAttributes"];
    if r.is_null() {
        if spec["nonResourceAttributes"].is_null() {
            return Err(ApiStatus::bad_request(
                "spec.resourceAttributes: Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified",
            ));
        }
        return Ok(None);
    }
    Ok(Some(Attributes {
        verb: text(&r["verb"]).unwrap_or_default(),
        group: text(&r["group"]).unwrap_or_default(),
        resource: text(&r["resource"]).unwrap_or_default(),
        subresource: text(&r["subresource"]),
        namespace: text(&r["namespace"]),
        name: text(&r["name"]),
    }))
}
