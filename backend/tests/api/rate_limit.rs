//! Failed sign-ins are limited per client address and per address and
//! account, counted in the database; an account guessed from everywhere
//! slows down but is never locked.

use axum::http::{Method, StatusCode, header};
use shared::{ErrorCode, Outcome, Role};

use crate::support::{TestConsole, api_error, json_request, test_auth, test_store_shared};

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
        "too many failed sign-ins for account \"olga\" from your address; try again in 15 minutes"
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

fn sign_in_from<'a>(
    console: &'a TestConsole,
    name: &str,
    password: &str,
    address: &str,
) -> impl Future<Output = axum::response::Response<axum::body::Body>> + use<'a> {
    let body = serde_json::json!({"name": name, "password": password});
    console.send_from(
        json_request(Method::POST, "/api/session", &body, None),
        address.parse().unwrap(),
    )
}

/// 60 parallel wrong passwords for one account from one address: the
/// check and the reservation are one step, so exactly five are checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_get_exactly_the_allowed_checks() {
    let console = TestConsole::new().await;
    console.add_account("manager", Role::Manager, false).await;
    let guesses = (0..60).map(|i| {
        sign_in_from(
            &console,
            "manager",
            &format!("guess {i}"),
            "203.0.113.9:4000",
        )
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(guesses)
        .await
        .iter()
        .map(|response| response.status())
        .collect();
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (5, 55), "{statuses:?}");
    // The checks ran on the blocking pool, never more at once than cores.
    let peak = console.state.password_checks().peak();
    let cores = std::thread::available_parallelism().unwrap().get();
    assert!((1..=cores).contains(&peak), "peak {peak}, cores {cores}");
}

/// Failing on purpose from other addresses does not lock the owner out:
/// each of those addresses is refused for the account, the owner is not.
#[tokio::test]
async fn the_owner_signs_in_while_others_fail_on_purpose() {
    let console = TestConsole::new().await;
    let password = console.add_account("olga", Role::Operator, false).await;
    for attacker in ["203.0.113.1:1", "203.0.113.2:1"] {
        for _ in 0..5 {
            let response = sign_in_from(&console, "olga", "guess guess", attacker).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
        let response = sign_in_from(&console, "olga", &password, attacker).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    let response = sign_in_from(&console, "olga", &password, "198.51.100.4:1").await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// The counts live in the database: a restarted console, and a second
/// replica on the same database, go on counting where the first stopped.
#[tokio::test]
async fn failure_counts_survive_a_restart_and_are_shared_between_replicas() {
    let shared = test_store_shared().await;
    let first = TestConsole::on_store(shared.store.clone(), test_auth());
    let password = first.add_account("olga", Role::Operator, false).await;
    for _ in 0..3 {
        let response = sign_in_from(&first, "olga", "guess guess", "203.0.113.3:1").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let second = TestConsole::on_store(shared.reopen().await, test_auth());
    for _ in 0..2 {
        let response = sign_in_from(&second, "olga", "guess guess", "203.0.113.3:1").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    drop(first);
    let restarted = TestConsole::on_store(shared.reopen().await, test_auth());
    let response = sign_in_from(&restarted, "olga", &password, "203.0.113.3:1").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let response = sign_in_from(&second, "olga", &password, "203.0.113.3:1").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// Made-up names leave rows only for the current window: the table does
/// not grow with every name ever tried.
#[tokio::test]
async fn old_failures_are_forgotten() {
    let console = TestConsole::new().await;
    for i in 0..30 {
        let address = format!("203.0.113.{i}:1");
        let response =
            sign_in_from(&console, &format!("nobody-{i}"), "guess guess", &address).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // An address, a pair and an account for each.
    assert_eq!(
        console
            .state
            .store()
            .sign_in_failure_subjects()
            .await
            .unwrap(),
        90
    );
    console.time.advance(15 * 60);
    let response = sign_in_from(&console, "nobody", "guess guess", "198.51.100.1:1").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        console
            .state
            .store()
            .sign_in_failure_subjects()
            .await
            .unwrap(),
        3
    );
}

/// Writes without a session are budgeted per address: a flood of them
/// cannot grow the audit log past the budget and one refusal entry.
#[tokio::test]
async fn a_flood_of_writes_without_a_session_is_cut_off() {
    let console = TestConsole::new().await;
    console.add_account("mia", Role::Manager, false).await;
    let flood: std::net::SocketAddr = "203.0.113.50:1".parse().unwrap();
    let mut statuses = Vec::new();
    for _ in 0..100 {
        let request = json_request(
            Method::POST,
            "/api/mesh/installs",
            &serde_json::json!({}),
            None,
        );
        statuses.push(console.send_from(request, flood).await.status());
    }
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((refused, limited), (60, 40), "{statuses:?}");
    let response = sign_in_from(&console, "nobody", "guess guess", "203.0.113.50:1").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    // Another address, and signed-in callers, are not held up.
    let mia = console.sign_in("mia", "mia-password").await;
    let anonymous = console.audit(&mia, "actor=anonymous").await;
    assert_eq!(anonymous.total, 61, "60 refusals and one for the flood");
    let flood_entries = anonymous
        .entries
        .iter()
        .filter(|e| {
            e.params
                .contains(&"reason=anonymous_rate_limited".to_owned())
        })
        .count();
    assert_eq!(flood_entries, 1);
    // A minute later the address has its budget again.
    console.time.advance(60);
    let response = sign_in_from(&console, "nobody", "guess guess", "203.0.113.50:1").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
