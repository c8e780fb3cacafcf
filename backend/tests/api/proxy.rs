//! Behind an authenticating proxy: identity headers count only from the
//! trusted address, groups map to roles, and roles are enforced the same.

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{HeaderName, Method, Request, StatusCode};
use backend::auth::proxy::parse_group_role;
use backend::auth::{AuthMode, AuthSettings, ProxyAuth};
use shared::{Outcome, Role, SessionInfo};

use crate::support::{TestConsole, api_error, body_json, test_auth};

pub(crate) const PROXY: &str = "10.1.1.1:443";

pub(crate) async fn console() -> TestConsole {
    TestConsole::with_auth(AuthSettings {
        mode: AuthMode::Proxy(ProxyAuth {
            trusted: vec!["10.1.1.1".parse().unwrap()],
            user_header: HeaderName::from_static("x-forwarded-user"),
            groups_header: HeaderName::from_static("x-forwarded-groups"),
            group_roles: vec![
                parse_group_role("mesh-sec=security_officer").unwrap(),
                parse_group_role("mesh-ops=operator").unwrap(),
                parse_group_role("staff=manager").unwrap(),
            ],
            admin_groups: vec!["mesh-admins".into()],
        }),
        ..test_auth()
    })
    .await
}

fn request(method: Method, path: &str, user: &str, groups: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header("x-forwarded-user", user)
        .header("x-forwarded-groups", groups)
}

async fn session_of(
    console: &TestConsole,
    user: &str,
    groups: &str,
    peer: &str,
) -> (StatusCode, serde_json::Value) {
    get(console, "/api/session", user, groups, peer).await
}

pub(crate) async fn get(
    console: &TestConsole,
    path: &str,
    user: &str,
    groups: &str,
    peer: &str,
) -> (StatusCode, serde_json::Value) {
    let peer: SocketAddr = peer.parse().unwrap();
    let r = request(Method::GET, path, user, groups)
        .body(Body::empty())
        .unwrap();
    let response = console.send_from(r, peer).await;
    (response.status(), body_json(response).await)
}

#[tokio::test]
async fn identity_comes_only_from_the_trusted_proxy() {
    let console = console().await;
    let (status, body) = session_of(&console, "sam", "staff,mesh-sec", PROXY).await;
    assert_eq!(status, StatusCode::OK);
    let info: SessionInfo = serde_json::from_value(body).unwrap();
    assert_eq!(info.account.role, Role::SecurityOfficer);
    assert_eq!(info.via, "proxy");
    assert!(!info.account.admin);

    // Forged headers from anywhere but the proxy: nobody is signed in.
    let elsewhere = "10.1.1.2:443";
    let (status, body) = session_of(&console, "sam", "mesh-sec", elsewhere).await;
    assert_eq!((status, body), (StatusCode::OK, serde_json::Value::Null));
    let (status, body) = get(&console, "/api/audit", "sam", "mesh-sec", elsewhere).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("trusted proxy"), "{message}");

    let (status, body) = get(&console, "/api/audit", "ivy", "interns", PROXY).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("maps to a meshdeck role"), "{message}");
}

/// A second user or groups header (one added by a client, one by the
/// proxy) or a user that is not a user name: nobody is signed in, and the
/// refusal says which header and why without echoing the value.
#[tokio::test]
async fn each_identity_header_counts_once_and_names_are_checked() {
    let console = console().await;
    let peer: SocketAddr = PROXY.parse().unwrap();
    for (extra, value, header) in [
        ("x-forwarded-user", "root", "x-forwarded-user"),
        ("x-forwarded-groups", "mesh-admins", "x-forwarded-groups"),
    ] {
        let r = request(Method::GET, "/api/audit", "ivy", "staff")
            .header(extra, value)
            .body(Body::empty())
            .unwrap();
        let error = api_error(console.send_from(r, peer).await).await;
        assert_eq!(error.code, shared::ErrorCode::Unauthorized, "{extra}");
        assert!(
            error
                .message
                .contains(&format!("sent the {header} header more than once")),
            "{}",
            error.message
        );
    }
    let long = "a".repeat(100_000);
    for user in ["Root", long.as_str()] {
        let (status, body) = get(&console, "/api/audit", user, "mesh-sec", PROXY).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{user:.20}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("is not a user name"), "{message}");
        assert!(message.len() < 200, "{message:.300}");
    }
    // Nobody acted under the refused names.
    let (status, page) = get(&console, "/api/audit", "sam", "mesh-sec", PROXY).await;
    assert_eq!(status, StatusCode::OK);
    let page: shared::AuditPage = serde_json::from_value(page).unwrap();
    assert!(
        page.entries
            .iter()
            .all(|e| e.actor != "Root" && e.actor != "root" && e.actor.len() <= 64),
        "{:?}",
        page.entries
    );
}

#[tokio::test]
async fn proxy_users_are_held_to_their_role_and_csrf() {
    let console = console().await;
    let proxy: SocketAddr = PROXY.parse().unwrap();
    let (_, body) = session_of(&console, "oz", "mesh-ops", PROXY).await;
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let new_account =
        serde_json::json!({"name": "x", "role": "manager", "password": "a long enough password"});
    let r = request(Method::POST, "/api/accounts", "oz", "mesh-ops")
        .header("content-type", "application/json")
        .header("x-csrf-token", &csrf)
        .body(Body::from(new_account.to_string()))
        .unwrap();
    let refused = console.send_from(r, proxy).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        api_error(refused).await.message,
        "not allowed: managing accounts needs the admin capability"
    );

    let (_, body) = session_of(&console, "root", "staff,mesh-admins", PROXY).await;
    let admin_csrf = body["csrf_token"].as_str().unwrap().to_owned();
    assert_ne!(admin_csrf, csrf, "tokens are per user");
    let post = |csrf: &str| {
        request(Method::POST, "/api/accounts", "root", "staff,mesh-admins")
            .header("content-type", "application/json")
            .header("x-csrf-token", csrf)
            .body(Body::from(new_account.to_string()))
            .unwrap()
    };
    assert_eq!(
        console.send_from(post(&csrf), proxy).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        console.send_from(post(&admin_csrf), proxy).await.status(),
        StatusCode::CREATED
    );

    let r = request(
        Method::GET,
        "/api/audit?action=account.create",
        "root",
        "staff,mesh-admins",
    )
    .body(Body::empty())
    .unwrap();
    let page: shared::AuditPage =
        serde_json::from_value(body_json(console.send_from(r, proxy).await).await).unwrap();
    let outcomes: Vec<_> = page
        .entries
        .iter()
        .map(|e| (e.actor.as_str(), e.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("root", Outcome::Success),
            ("root", Outcome::Denied),
            ("oz", Outcome::Denied)
        ]
    );
}

#[tokio::test]
async fn the_sign_in_form_is_off_behind_a_proxy() {
    let console = console().await;
    let version = console.get_as("/api/version", None).await;
    let version: shared::VersionInfo = serde_json::from_value(body_json(version).await).unwrap();
    assert_eq!(version.sign_in, shared::SignInMode::Proxy);
    let response = console.try_sign_in("anyone", "any password at all").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        api_error(response)
            .await
            .message
            .contains("authenticating proxy")
    );
}
