//! Failed sign-ins are limited per account and per client address.

use axum::http::{Method, StatusCode, header};
use shared::{ErrorCode, Outcome, Role};

use crate::support::{TestConsole, api_error, json_request};

#[tokio::test]
async fn an_account_is_locked_after_five_failures_then_unlocked() {
    let console = TestConsole::new().await;
    let password = console.add_account("olga", Role::Operator, false).await;
    console.add_account("mia", Role::Manager, false).await;
    for _ in 0..5 {
        let response = console.try_sign_in("olga", "guess guess guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now, without being checked.
    let locked = console.try_sign_in("olga", &password).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.headers()[header::RETRY_AFTER], "900");
    let error = api_error(locked).await;
    assert_eq!(error.code, ErrorCode::TooManyRequests);
    assert_eq!(
        error.message,
        "too many failed sign-ins for account \"olga\"; try again in 15 minutes"
    );
    // Other accounts are unaffected.
    let mia = console.sign_in("mia", "mia-password").await;

    let refused = console.audit(&mia, "actor=olga&outcome=denied").await;
    assert_eq!(refused.total, 1);
    assert!(
        refused.entries[0]
            .params
            .contains(&"reason=rate_limited".to_owned())
    );
    let failed = console.audit(&mia, "actor=olga&outcome=failure").await;
    assert_eq!(failed.total, 5);

    console.time.advance(15 * 60);
    console.sign_in("olga", &password).await;
}

#[tokio::test]
async fn an_address_guessing_across_accounts_is_locked() {
    let console = TestConsole::new().await;
    let password = console.add_account("olga", Role::Operator, false).await;
    let attacker = "203.0.113.7:5000".parse().unwrap();
    for i in 0..20 {
        let body = serde_json::json!({"name": format!("user{i}"), "password": "guess guess"});
        let response = console
            .send_from(
                json_request(Method::POST, "/api/session", &body, None),
                attacker,
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let body = serde_json::json!({"name": "olga", "password": password});
    let response = console
        .send_from(
            json_request(Method::POST, "/api/session", &body, None),
            attacker,
        )
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let message = api_error(response).await.message;
    assert!(message.contains("from your address"), "{message}");
    // Olga herself, elsewhere, signs in fine.
    let admin = console.sign_in("olga", &password).await;
    let entries = console
        .audit(&admin, "action=session.create&outcome=denied")
        .await;
    assert_eq!(entries.entries[0].outcome, Outcome::Denied);
}

/// An anonymous sign-in cannot write a megabyte into the audit log: the
/// claimed name is cut to 256 bytes before it is logged or counted.
#[tokio::test]
async fn a_huge_claimed_name_is_cut_before_it_is_logged() {
    let console = TestConsole::new().await;
    console.add_account("mia", Role::Manager, false).await;
    let huge = "x".repeat(1_900_000);
    let response = console.try_sign_in(&huge, "guess guess guess").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let mia = console.sign_in("mia", "mia-password").await;
    let page = console
        .audit(&mia, "action=session.create&outcome=failure")
        .await;
    assert_eq!(page.total, 1);
    assert_eq!(page.entries[0].actor, "x".repeat(256));
    let body = console.get_as("/api/audit", Some(&mia)).await;
    assert!(crate::support::body_bytes(body).await.len() < 10_000);
}
