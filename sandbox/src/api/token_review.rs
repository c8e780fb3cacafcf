//! `POST /apis/authentication.k8s.io/v1/tokenreviews`: whether a service
//! account token is good and whom it speaks for. Vault's Kubernetes auth
//! calls it with the token a pod logs in with, as its token reviewer (a
//! service account RBAC lets create `tokenreviews`).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{body, content_type, json_response, read_body};
use crate::cluster::Cluster;
use crate::status::ApiStatus;

/// The path of the create-only `tokenreviews` resource.
pub const PATH: &str = "/apis/authentication.k8s.io/v1/tokenreviews";

/// Creating a review answers it; there is nothing to get or list.
pub async fn serve(
    State(c): State<Arc<Cluster>>,
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
    // Clients may leave kind and apiVersion out (Vault does): the path
    // says what the body is, as the API server assumes.
    if !matches!(review["kind"].as_str(), None | Some("" | "TokenReview")) {
        return ApiStatus::bad_request(format!(
            "expected kind TokenReview in authentication.k8s.io/v1, got {}",
            review["kind"]
        ))
        .into_response();
    }
    let Some(token) = review["spec"]["token"].as_str().filter(|t| !t.is_empty()) else {
        return ApiStatus::bad_request("TokenReview spec.token: Required value").into_response();
    };
    // No audiences asked for: the API server's own, as kube-apiserver
    // reviews them, so a token meant for another audience is not good.
    let mut audiences = super::token_request::audiences(&review["spec"]["audiences"]);
    if audiences.is_empty() {
        audiences = crate::service_account_tokens::api_audiences();
    }
    let status = match c.review_token(token, &audiences) {
        Ok(who) => json!({
            "authenticated": true,
            "user": {
                "username": who.username(),
                "uid": who.uid,
                "groups": ["system:serviceaccounts",
                           format!("system:serviceaccounts:{}", who.namespace),
                           "system:authenticated"],
            },
            "audiences": audiences,
        }),
        Err(why) => json!({"user": {}, "error": why}),
    };
    json_response(
        StatusCode::CREATED,
        &json!({
            "kind": "TokenReview",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"creationTimestamp": null},
            "spec": review["spec"],
            "status": status,
        }),
    )
}
