//! Fleet plan requests refused before any member is reviewed: a member
//! left out that the selector did not choose, a missing or misspelt field
//! (it must not widen or change what is planned), overlong lists.

use axum::http::StatusCode;
use shared::mesh::CaMode;
use shared::mesh::fleet_plan::FleetInstallSettings;

use crate::mesh::{console, post};
use crate::support::api_error;

fn settings() -> serde_json::Value {
    serde_json::to_value(FleetInstallSettings {
        version: "1.10.6-asm.2".parse().unwrap(),
        ca: CaMode::MeshCa,
        revision: None,
    })
    .unwrap()
}

#[tokio::test]
async fn fleet_plans_refuse_bad_requests_before_reviewing_any_member() {
    let (console, operator) = console().await;
    let refused = |body: serde_json::Value| {
        let (console, operator) = (&console, &operator);
        async move {
            let response = post(console, operator, "/api/mesh/fleet-plans", body).await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
            api_error(response).await.message
        }
    };
    // gke-eu is a member, but not one the selector chose.
    let message = refused(serde_json::json!({
        "selector": {"names": ["gke-us"]}, "excluded": ["gke-eu"], "settings": settings()
    }))
    .await;
    assert!(
        message.contains("not selected") && message.contains("gke-eu"),
        "{message}"
    );
    // No selector is not "the whole fleet": that is `{}`, said explicitly.
    let message = refused(serde_json::json!({"settings": settings()})).await;
    assert!(message.contains("selector"), "{message}");
    // A misspelt field is refused, not dropped.
    for (body, field) in [
        (
            serde_json::json!({"selector": {}, "exclude": ["gke-eu"], "settings": settings()}),
            "exclude",
        ),
        (
            serde_json::json!({"selector": {}, "settings": {
                "version": "1.10.6-asm.2", "ca": "mesh_ca", "revison": "asm-x"
            }}),
            "revison",
        ),
    ] {
        let message = refused(body).await;
        assert!(message.contains(field), "{field}: {message}");
    }
    // Lists are bounded, for the selection endpoint too.
    let many: Vec<String> = (0..1001).map(|i| format!("region-{i}")).collect();
    let message = refused(serde_json::json!({
        "selector": {"locations": many}, "settings": settings()
    }))
    .await;
    assert!(message.contains("at most 1000"), "{message}");
    let response = post(
        &console,
        &operator,
        "/api/mesh/fleet-plans/selection",
        serde_json::json!({"locations": many}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Nothing was planned: the selection of the whole fleet still works.
    let response = post(
        &console,
        &operator,
        "/api/mesh/fleet-plans/selection",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}
