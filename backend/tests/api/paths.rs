//! Names in request paths are parsed at the edge: a value that cannot be
//! a cluster name, namespace, object name or migration id is a 400 whose
//! `ApiError` body says which and why, with the request id, before any
//! handler runs.

use axum::http::{Method, StatusCode};
use shared::{ErrorCode, Role};

use crate::support::{Session, TestConsole, api_error, json_request};

/// Asserts `response` is a 400 `ApiError` whose message contains `names`.
async fn refused(response: axum::response::Response, what: &str, names: &str) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
    let error = api_error(response).await;
    assert_eq!(error.code, ErrorCode::BadRequest, "{what}");
    assert!(error.message.contains(names), "{what}: {}", error.message);
    assert!(error.request_id.is_some(), "{what}: no request id");
}

async fn send_as(
    console: &TestConsole,
    session: &Session,
    method: Method,
    path: &str,
) -> axum::response::Response {
    console
        .send(json_request(
            method,
            path,
            &serde_json::json!({}),
            Some(session),
        ))
        .await
}

#[tokio::test]
async fn invalid_names_in_paths_are_refused_naming_the_problem() {
    let console = TestConsole::with_sandbox().await;
    let operator = console.signed_in("operator", Role::Operator, false).await;

    let cases = [
        (
            "/api/clusters/gke-eu/namespaces/Bad_NS",
            "namespace \"Bad_NS\" is not valid",
        ),
        (
            "/api/clusters/../namespaces/default",
            "cluster name \"..\" is not valid",
        ),
        (
            "/api/ingress/services/Bad_NS/web",
            "namespace \"Bad_NS\" is not valid",
        ),
        (
            "/api/ingress/ingresses/default/web..x",
            "name \"web..x\" is not valid",
        ),
        (
            "/api/workloads/migrations/not-an-id",
            "migration id \"not-an-id\" is not valid",
        ),
        (
            "/api/workloads/migrations/..%2F..%2Fetc/doctor",
            "migration id \"../../etc\" is not valid",
        ),
    ];
    for (path, names) in cases {
        refused(console.get_as(path, Some(&operator)).await, path, names).await;
    }

    // Writes are refused the same way, before anything is read or changed.
    let writes = [
        (
            Method::DELETE,
            "/api/ingress/services/default/Web",
            "name \"Web\" is not valid",
        ),
        (
            Method::PUT,
            "/api/ingress/ingresses/Bad_NS/web",
            "namespace \"Bad_NS\" is not valid",
        ),
        (
            Method::POST,
            "/api/clusters/GKE_eu/hsm/check",
            "cluster name \"GKE_eu\" is not valid",
        ),
        (
            Method::POST,
            "/api/clusters/a..b/hsm/slot",
            "cluster name \"a..b\" is not valid",
        ),
        (
            Method::DELETE,
            "/api/workloads/migrations/abc-def",
            "migration id \"abc-def\" is not valid",
        ),
    ];
    for (method, path, names) in writes {
        let what = format!("{method} {path}");
        refused(
            send_as(&console, &operator, method, path).await,
            &what,
            names,
        )
        .await;
    }

    // A security officer's ids and fingerprints are checked the same way.
    let officer = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    let officer_writes = [
        ("/api/ca/grants/..%2Fx/approve", "id \"../x\" is not valid"),
        (
            "/api/ca/roots/AB:CD/retire",
            "fingerprint \"AB:CD\" is not valid",
        ),
        (
            "/api/csrs/gke-eu/Evil%0D%0Ax/approve",
            "request name \"Evil\\r\\nx\" is not valid",
        ),
    ];
    for (path, names) in officer_writes {
        refused(
            send_as(&console, &officer, Method::POST, path).await,
            path,
            names,
        )
        .await;
    }
    let response = send_as(
        &console,
        &officer,
        Method::POST,
        "/api/ca/grants/g0123456789abcdef/revoke",
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let response = console
        .get_as(
            "/api/clusters/gke-eu/namespaces/Bad_NS/verify?revision=default",
            Some(&operator),
        )
        .await;
    refused(response, "verify", "namespace \"Bad_NS\" is not valid").await;
    let response = console
        .get_as("/api/mesh/installs/..%2Fx", Some(&operator))
        .await;
    refused(response, "install run", "id \"../x\" is not valid").await;

    // A valid name the fleet does not have is still a 404.
    let response = console
        .get_as(
            "/api/workloads/migrations/0123456789abcdef",
            Some(&operator),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
