//! Health, version, request ids and the JSON error path.

use axum::http::StatusCode;

use crate::support::{body_json, get};

#[tokio::test]
async fn health_answers_ok() {
    let response = get("/api/health").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        body_json(response).await,
        serde_json::json!({"status": "ok"})
    );
}

#[tokio::test]
async fn version_names_product_and_fleet_mode() {
    let response = get("/api/version").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: shared::VersionInfo = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(body.product, "meshdeck");
    assert_eq!(body.version, env!("CARGO_PKG_VERSION"));
    assert!(body.sandbox);
    assert_eq!(body.sign_in, shared::SignInMode::Password);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let first = get("/api/health").await;
    let id = first
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!id.is_empty());
    let spa = get("/fleet").await;
    assert!(spa.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn unknown_api_route_is_json_404_not_the_spa() {
    let response = get("/api/no-such-thing").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let header_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let error: shared::ApiError = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(error.code, shared::ErrorCode::NotFound);
    assert_eq!(error.message, "no API route /api/no-such-thing");
    assert_eq!(error.request_id.as_deref(), Some(header_id.as_str()));
}

#[tokio::test]
async fn wrong_method_on_an_api_route_is_not_the_spa() {
    let request = axum::http::Request::post("/api/health")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = crate::support::send(request).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}
