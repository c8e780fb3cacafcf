//! Mutating requests must echo the session's CSRF token.

use axum::http::{Method, StatusCode};
use shared::{ErrorCode, Outcome, Role};

use crate::support::{Session, TestConsole, api_error, json_request};

fn new_account() -> serde_json::Value {
    serde_json::json!({"name": "otto", "role": "operator", "password": "a long enough password"})
}

#[tokio::test]
async fn a_mutation_without_the_token_is_refused_and_audited() {
    let console = TestConsole::new().await;
    let admin = console.signed_in("ada", Role::Manager, true).await;
    let other = console.signed_in("mia", Role::Manager, false).await;
    let attempts = [
        ("missing", String::new()),
        ("wrong", "f".repeat(64)),
        ("another session's", other.csrf.clone()),
    ];
    for (label, csrf) in attempts {
        let forged = Session {
            cookie: admin.cookie.clone(),
            csrf,
        };
        let mut request =
            json_request(Method::POST, "/api/accounts", &new_account(), Some(&forged));
        if label == "missing" {
            request.headers_mut().remove("x-csrf-token");
        }
        let response = console.send(request).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{label} token");
        let error = api_error(response).await;
        assert_eq!(error.code, ErrorCode::Forbidden);
        assert!(error.message.contains("x-csrf-token"), "{}", error.message);
    }
    assert!(
        console
            .state
            .store()
            .find_account("otto")
            .await
            .unwrap()
            .is_none()
    );
    let denied = console
        .audit(&admin, "action=account.create&outcome=denied")
        .await;
    assert_eq!(denied.total, 3);
    assert!(
        denied
            .entries
            .iter()
            .all(|e| e.actor == "ada" && e.params == ["reason=csrf"])
    );

    let ok = console
        .send(json_request(
            Method::POST,
            "/api/accounts",
            &new_account(),
            Some(&admin),
        ))
        .await;
    assert_eq!(ok.status(), StatusCode::CREATED);
    let done = console
        .audit(&admin, "action=account.create&outcome=success&actor=ada")
        .await;
    assert_eq!(done.total, 1);
    assert_eq!(done.entries[0].outcome, Outcome::Success);
}

#[tokio::test]
async fn signing_out_needs_the_token_too() {
    let console = TestConsole::new().await;
    let session = console.signed_in("mia", Role::Manager, false).await;
    let forged = Session {
        cookie: session.cookie.clone(),
        csrf: "nope".into(),
    };
    let response = console
        .send(json_request(
            Method::DELETE,
            "/api/session",
            &serde_json::json!({}),
            Some(&forged),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(console.state.store().count_sessions().await.unwrap(), 1);
}
