//! Creating and listing accounts through the API (admin capability).

use axum::http::{Method, StatusCode};
use shared::{Account, Role};

use crate::support::{TestConsole, api_error, body_json, json_request};

#[tokio::test]
async fn an_admin_creates_an_account_that_can_sign_in() {
    let console = TestConsole::new().await;
    // Only a security officer may make another one (see red_team_duties).
    let admin = console.signed_in("ada", Role::SecurityOfficer, true).await;
    let body = serde_json::json!({"name": "sec", "role": "security_officer", "password": "a long enough password"});
    let response = console
        .send(json_request(
            Method::POST,
            "/api/accounts",
            &body,
            Some(&admin),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Account = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(created.role, Role::SecurityOfficer);
    console.sign_in("sec", "a long enough password").await;

    let listed = console.get_as("/api/accounts", Some(&admin)).await;
    let listed: Vec<Account> = serde_json::from_value(body_json(listed).await).unwrap();
    let names: Vec<_> = listed.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["ada", "sec"]);
}

#[tokio::test]
async fn bad_accounts_are_refused_with_the_reason() {
    let console = TestConsole::new().await;
    let admin = console.signed_in("ada", Role::Manager, true).await;
    let cases = [
        (
            serde_json::json!({"name": "ada", "role": "operator", "password": "a long enough password"}),
            StatusCode::CONFLICT,
            "already exists",
        ),
        (
            serde_json::json!({"name": "Bad Name", "role": "operator", "password": "a long enough password"}),
            StatusCode::BAD_REQUEST,
            "account name",
        ),
        (
            serde_json::json!({"name": "short", "role": "operator", "password": "short"}),
            StatusCode::BAD_REQUEST,
            "at least 12",
        ),
        (
            serde_json::json!({"name": "x", "role": "root", "password": "a long enough password"}),
            StatusCode::BAD_REQUEST,
            "unknown variant",
        ),
    ];
    for (body, status, message) in cases {
        let response = console
            .send(json_request(
                Method::POST,
                "/api/accounts",
                &body,
                Some(&admin),
            ))
            .await;
        assert_eq!(response.status(), status, "{body}");
        let error = api_error(response).await;
        assert!(error.message.contains(message), "{body}: {}", error.message);
    }
    let failures = console
        .audit(&admin, "action=account.create&outcome=failure")
        .await;
    // Every attempt is recorded, even the body the handler never saw.
    assert_eq!(failures.total, 4);
    let newest = &failures.entries[0];
    assert!(newest.targets.is_empty(), "{newest:?}");
    assert!(
        newest.params[0].starts_with("error=the request body is not valid"),
        "{newest:?}"
    );
    let conflict = &failures.entries[3];
    assert_eq!(conflict.targets, ["account/ada"]);
    assert_eq!(
        conflict.params,
        [
            "role=operator",
            "admin=false",
            "error=an account named \"ada\" already exists"
        ]
    );
}

#[tokio::test]
async fn a_reset_password_ends_sessions_and_replaces_the_old_one() {
    let console = TestConsole::new().await;
    let old = console.add_account("olga", Role::Operator, false).await;
    let session = console.sign_in("olga", &old).await;
    let new = backend::auth::bootstrap::reset_password(
        console.state.store(),
        backend::auth::HashCost::TestOnly,
        console.time.now(),
        "cli",
        "olga",
        None,
    )
    .await
    .unwrap();
    let ended = console.get_as("/api/audit", Some(&session)).await;
    assert_eq!(ended.status(), StatusCode::UNAUTHORIZED);
    let refused = console.try_sign_in("olga", &old).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let fresh = console.sign_in("olga", &new).await;
    let entries = console.audit(&fresh, "action=account.reset_password").await;
    assert_eq!(entries.entries[0].targets, ["account/olga"]);
    assert_eq!(entries.entries[0].actor, "cli");
}

pub(crate) async fn patch(
    console: &TestConsole,
    admin: &crate::support::Session,
    name: &str,
    body: serde_json::Value,
) -> axum::http::Response<axum::body::Body> {
    let path = shared::routes::account(name);
    console
        .send(json_request(Method::PATCH, &path, &body, Some(admin)))
        .await
}

#[tokio::test]
async fn an_admin_changes_roles_and_the_change_applies_at_once() {
    let console = TestConsole::new().await;
    let admin = console.signed_in("ada", Role::SecurityOfficer, true).await;
    let olga = console.signed_in("olga", Role::Operator, false).await;
    let response = patch(
        &console,
        &admin,
        "olga",
        serde_json::json!({"role": "manager"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let changed: Account = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!((changed.role, changed.admin), (Role::Manager, false));
    // Her open session carries the new role on its next request.
    let me = console.get_as("/api/session", Some(&olga)).await;
    assert_eq!(body_json(me).await["account"]["role"], "manager");

    let promoted = patch(&console, &admin, "olga", serde_json::json!({"admin": true})).await;
    assert_eq!(promoted.status(), StatusCode::OK);
    let listed = console.get_as("/api/accounts", Some(&olga)).await;
    assert_eq!(
        listed.status(),
        StatusCode::OK,
        "olga may now manage accounts"
    );

    let missing = patch(
        &console,
        &admin,
        "nobody",
        serde_json::json!({"admin": true}),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let entries = console.audit(&admin, "action=account.update").await;
    let params: Vec<_> = entries.entries.iter().map(|e| e.params.join(" ")).collect();
    assert_eq!(
        params,
        [
            "admin=true error=there is no account named \"nobody\"",
            "admin=true",
            "role=manager"
        ]
    );
}

#[tokio::test]
async fn deleting_an_account_ends_its_sessions() {
    let console = TestConsole::new().await;
    let admin = console.signed_in("ada", Role::Manager, true).await;
    let olga = console.signed_in("olga", Role::Operator, false).await;
    let path = shared::routes::account("olga");
    let response = console
        .send(json_request(
            Method::DELETE,
            &path,
            &serde_json::json!({}),
            Some(&admin),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(
        console
            .state
            .store()
            .find_account("olga")
            .await
            .unwrap()
            .is_none()
    );
    let gone = console.get_as("/api/audit", Some(&olga)).await;
    assert_eq!(gone.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(console.state.store().count_sessions().await.unwrap(), 1);
    let again = console
        .send(json_request(
            Method::DELETE,
            &path,
            &serde_json::json!({}),
            Some(&admin),
        ))
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    // A name no account can have is refused as such, changing nothing.
    let error = api_error(
        console
            .send(json_request(
                Method::DELETE,
                &shared::routes::account("Ada"),
                &serde_json::json!({}),
                Some(&admin),
            ))
            .await,
    )
    .await;
    assert_eq!(error.code, shared::ErrorCode::BadRequest);
    assert!(
        error.message.contains("account name \"Ada\" is not valid"),
        "{}",
        error.message
    );
    assert!(
        console
            .state
            .store()
            .find_account("ada")
            .await
            .unwrap()
            .is_some()
    );
    // The refusal is audited against the name given.
    let entries = console.audit(&admin, "action=account.delete").await;
    assert!(
        entries
            .entries
            .iter()
            .any(|e| e.targets == ["account/Ada"] && e.outcome != shared::Outcome::Success),
        "{:?}",
        entries.entries
    );
}

#[tokio::test]
async fn the_last_admin_cannot_be_removed_or_demoted() {
    let console = TestConsole::new().await;
    let admin = console.signed_in("ada", Role::Manager, true).await;
    let demote = patch(&console, &admin, "ada", serde_json::json!({"admin": false})).await;
    assert_eq!(demote.status(), StatusCode::CONFLICT);
    assert!(
        api_error(demote)
            .await
            .message
            .contains("last account that may manage accounts")
    );
    let path = shared::routes::account("ada");
    let delete = console
        .send(json_request(
            Method::DELETE,
            &path,
            &serde_json::json!({}),
            Some(&admin),
        ))
        .await;
    assert_eq!(delete.status(), StatusCode::CONFLICT);
    // With a second admin, the first may be stepped down (by the other:
    // no account changes its own admin flag).
    console.add_account("bea", Role::Manager, true).await;
    let demote = patch(&console, &admin, "ada", serde_json::json!({"admin": false})).await;
    assert_eq!(demote.status(), StatusCode::FORBIDDEN);
    let bea = console.sign_in("bea", "bea-password").await;
    let demote = patch(&console, &bea, "ada", serde_json::json!({"admin": false})).await;
    assert_eq!(demote.status(), StatusCode::OK);
}
