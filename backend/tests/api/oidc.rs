//! Sign-in through a real OpenID provider (`oidc-provider` under node):
//! each person lands with the role their groups give; a replayed state, a
//! code or token from another issuer, a token for another audience or
//! another sign-in (nonce), a forged signature and an expired token are
//! refused, audited, and leave no session.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use backend::auth::AuthSettings;
use shared::{Outcome, Role, SessionInfo, SignedOut, VersionInfo};

use crate::oidc_provider::{Browser, OidcProvider};
use crate::support::{Session, TestConsole, api_error, body_json, session_cookie, test_auth};

const ROLES: &[&str] = &["mesh-officers=security_officer", "mesh-operators=operator"];

/// A console signing people in at `provider` (local accounts as given),
/// its clock at the real time the provider's tokens are stamped with.
async fn console(provider: &OidcProvider, roles: &[&str], local_accounts: bool) -> TestConsole {
    let console = TestConsole::with_auth(AuthSettings {
        oidc: Some(provider.settings(roles)),
        local_accounts,
        ..test_auth()
    })
    .await;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    console
        .time
        .advance(i64::try_from(now.as_secs()).unwrap() - console.time.now());
    console
}

/// A sign-in started at the console: the provider URL and the browser's
/// binding cookie.
struct Started {
    authorize: String,
    binding: String,
}

async fn start(console: &TestConsole) -> Started {
    let response = console
        .send(Request::get("/api/oidc/login").body(Body::empty()).unwrap())
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let authorize = response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let binding = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .strip_prefix("meshdeck_oidc=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    for asked in [
        "code_challenge_method=S256",
        "nonce=",
        "state=",
        "scope=openid",
    ] {
        assert!(
            authorize.contains(asked),
            "{asked} missing from {authorize}"
        );
    }
    Started { authorize, binding }
}

/// The provider's redirect back, delivered to the console by `binding`'s
/// browser.
async fn callback(console: &TestConsole, back: &str, binding: &str) -> axum::response::Response {
    let request = Request::get(back)
        .header(header::COOKIE, format!("meshdeck_oidc={binding}"))
        .body(Body::empty())
        .unwrap();
    console.send(request).await
}

/// Signs `user` in at `provider` and back at the console: the callback's
/// answer and the URL the provider sent the browser back with.
async fn sign_in(console: &TestConsole, user: &str) -> (axum::response::Response, String, String) {
    let started = start(console).await;
    let back = Browser::new().sign_in(&started.authorize, user).await;
    let response = callback(console, &back, &started.binding).await;
    (response, back, started.binding)
}

async fn session_info(console: &TestConsole, session: &Session) -> SessionInfo {
    let response = console.get_as("/api/session", Some(session)).await;
    serde_json::from_value(body_json(response).await).unwrap()
}

/// Asserts a refusal: its status, its audit entry's reason, and no session.
async fn assert_refused(
    console: &TestConsole,
    response: axum::response::Response,
    status: StatusCode,
    reason: &str,
) -> String {
    assert_eq!(response.status(), status);
    assert_eq!(session_cookie(&response), None);
    let message = api_error(response).await.message;
    assert_eq!(console.state.store().count_sessions().await.unwrap(), 0);
    let officer = console.signed_in("auditor", Role::Manager, false).await;
    let page = console.audit(&officer, "action=session.create").await;
    let entry = page
        .entries
        .iter()
        .find(|e| e.params.contains(&"via=oidc".to_owned()))
        .expect("the refusal is audited");
    assert_eq!(entry.outcome, Outcome::Denied);
    assert!(
        entry.params.contains(&format!("reason={reason}")),
        "{:?}",
        entry.params
    );
    message
}

#[tokio::test]
async fn each_person_lands_with_the_role_of_their_groups() {
    let provider = OidcProvider::start(&[]).await;
    let console = console(&provider, ROLES, true).await;
    let version: VersionInfo = serde_json::from_value(
        body_json(
            console
                .send(Request::get("/api/version").body(Body::empty()).unwrap())
                .await,
        )
        .await,
    )
    .unwrap();
    assert_eq!(version.oidc_provider.as_deref(), Some("Test IdP"));
    assert_eq!(version.sign_in, shared::SignInMode::Password);

    for (user, role) in [("alice", Role::Operator), ("bob", Role::SecurityOfficer)] {
        let (response, _, _) = sign_in(&console, user).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{user}");
        assert_eq!(response.headers()[header::LOCATION], "/");
        let cookie = session_cookie(&response).expect("a session cookie");
        let session = Session {
            cookie,
            csrf: String::new(),
        };
        let info = session_info(&console, &session).await;
        assert_eq!(info.account.name, user);
        assert_eq!(info.account.role, role);
        assert!(!info.account.admin);
        assert_eq!(info.via, "oidc");
    }
    let officer = console.signed_in("auditor", Role::Manager, false).await;
    let page = console.audit(&officer, "action=session.create").await;
    let signed_in: Vec<(&str, Outcome)> = page
        .entries
        .iter()
        .filter(|e| e.params.contains(&"via=oidc".to_owned()))
        .map(|e| (e.actor.as_str(), e.outcome))
        .collect();
    assert_eq!(
        signed_in,
        vec![("bob", Outcome::Success), ("alice", Outcome::Success)]
    );
}

#[tokio::test]
async fn sign_out_ends_the_session_and_points_at_the_provider() {
    let provider = OidcProvider::start(&[]).await;
    let console = console(&provider, ROLES, true).await;
    let (response, _, _) = sign_in(&console, "bob").await;
    let cookie = session_cookie(&response).unwrap();
    let info = session_info(
        &console,
        &Session {
            cookie: cookie.clone(),
            csrf: String::new(),
        },
    )
    .await;
    let session = Session {
        cookie,
        csrf: info.csrf_token,
    };
    let request = crate::support::json_request(
        Method::DELETE,
        "/api/session",
        &serde_json::Value::Null,
        Some(&session),
    );
    let response = console.send(request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let out: SignedOut = serde_json::from_value(body_json(response).await).unwrap();
    let logout = out
        .provider_logout
        .expect("the provider's end_session_endpoint");
    assert!(
        logout.starts_with(&format!("{}/session/end?id_token_hint=", provider.issuer)),
        "{logout}"
    );
    assert_eq!(console.state.store().count_sessions().await.unwrap(), 0);
    assert_eq!(
        body_json(console.get_as("/api/session", Some(&session)).await).await,
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn a_replayed_state_is_refused() {
    let provider = OidcProvider::start(&[]).await;
    let console = console(&provider, ROLES, true).await;
    let (first, back, binding) = sign_in(&console, "alice").await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let token = session_cookie(&first).unwrap();
    console
        .state
        .store()
        .delete_session(&backend::auth::secrets::token_hash(&token))
        .await
        .unwrap();
    let again = callback(&console, &back, &binding).await;
    let message = assert_refused(
        &console,
        again,
        StatusCode::BAD_REQUEST,
        "unknown_or_replayed_state",
    )
    .await;
    assert!(message.contains("already used"), "{message}");
}

#[tokio::test]
async fn a_callback_from_another_browser_is_refused() {
    let provider = OidcProvider::start(&[]).await;
    let console = console(&provider, ROLES, true).await;
    let started = start(&console).await;
    let back = Browser::new().sign_in(&started.authorize, "alice").await;
    let response = callback(&console, &back, "not-the-binding").await;
    assert_refused(&console, response, StatusCode::BAD_REQUEST, "other_browser").await;
}

#[tokio::test]
async fn a_code_from_another_provider_instance_is_refused() {
    let provider = OidcProvider::start(&[]).await;
    let other = OidcProvider::start(&[]).await;
    let console = console(&provider, ROLES, true).await;
    let started = start(&console).await;
    // The same request, answered by the other provider.
    let authorize = started.authorize.replace(&provider.issuer, &other.issuer);
    let back = Browser::new().sign_in(&authorize, "bob").await;
    let response = callback(&console, &back, &started.binding).await;
    let message = assert_refused(&console, response, StatusCode::BAD_REQUEST, "other_issuer").await;
    assert!(message.contains(&other.issuer), "{message}");
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    let other = OidcProvider::start(&[]).await;
    let fault = format!("issuer={}", other.issuer);
    let provider = OidcProvider::start(&["--fault", &fault]).await;
    let console = console(&provider, ROLES, true).await;
    let (response, _, _) = sign_in(&console, "bob").await;
    let message =
        assert_refused(&console, response, StatusCode::UNAUTHORIZED, "bad_id_token").await;
    assert!(message.to_lowercase().contains("issuer"), "{message}");
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    let provider = OidcProvider::start(&["--fault", "audience=another-app"]).await;
    let console = console(&provider, ROLES, true).await;
    let (response, _, _) = sign_in(&console, "alice").await;
    let message =
        assert_refused(&console, response, StatusCode::UNAUTHORIZED, "bad_id_token").await;
    assert!(message.to_lowercase().contains("audience"), "{message}");
}

#[tokio::test]
async fn a_token_for_another_sign_in_is_refused() {
    let provider = OidcProvider::start(&["--fault", "nonce=another-sign-in"]).await;
    let console = console(&provider, ROLES, true).await;
    let (response, _, _) = sign_in(&console, "bob").await;
    let message =
        assert_refused(&console, response, StatusCode::UNAUTHORIZED, "bad_id_token").await;
    assert!(message.to_lowercase().contains("nonce"), "{message}");
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_refused() {
    let provider = OidcProvider::start(&["--fault", "signature"]).await;
    let console = console(&provider, ROLES, true).await;
    let (response, _, _) = sign_in(&console, "alice").await;
    let message =
        assert_refused(&console, response, StatusCode::UNAUTHORIZED, "bad_id_token").await;
    assert!(message.to_lowercase().contains("signature"), "{message}");
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let provider = OidcProvider::start(&["--id-token-ttl", "60"]).await;
    let console = console(&provider, ROLES, true).await;
    let started = start(&console).await;
    let back = Browser::new().sign_in(&started.authorize, "alice").await;
    // Two minutes pass at the console: the sign-in is still open (ten),
    // the one-minute ID token is not.
    console.time.advance(120);
    let response = callback(&console, &back, &started.binding).await;
    let message =
        assert_refused(&console, response, StatusCode::UNAUTHORIZED, "bad_id_token").await;
    assert!(message.to_lowercase().contains("expire"), "{message}");
}

#[tokio::test]
async fn groups_without_a_role_are_refused() {
    let provider = OidcProvider::start(&[]).await;
    let console = console(&provider, &["mesh-officers=security_officer"], true).await;
    let (response, _, _) = sign_in(&console, "alice").await;
    let message = assert_refused(&console, response, StatusCode::FORBIDDEN, "no_role").await;
    assert!(message.contains("mesh-operators"), "{message}");
}

#[tokio::test]
async fn local_accounts_can_be_switched_off() {
    let provider = OidcProvider::start(&[]).await;
    let console = console(&provider, ROLES, false).await;
    let password = console.add_account("olga", Role::Manager, false).await;
    let response = console.try_sign_in("olga", &password).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(api_error(response).await.message.contains("switched off"));
    let version: VersionInfo = serde_json::from_value(
        body_json(
            console
                .send(Request::get("/api/version").body(Body::empty()).unwrap())
                .await,
        )
        .await,
    )
    .unwrap();
    assert_eq!(version.sign_in, shared::SignInMode::Oidc);
    let (response, _, _) = sign_in(&console, "alice").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn without_a_provider_the_routes_say_so() {
    let console = TestConsole::new().await;
    let response = console
        .send(Request::get("/api/oidc/login").body(Body::empty()).unwrap())
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(api_error(response).await.message.contains("not configured"));
}

/// A provider identity may not take the name of a local account: approvals
/// and the audit log know people by name, so a provider user called like a
/// local security officer would count as that officer.
#[tokio::test]
async fn a_provider_name_of_a_local_account_is_refused() {
    let provider = OidcProvider::start(&[]).await;
    let console = console(&provider, ROLES, true).await;
    console
        .add_account("bob", Role::SecurityOfficer, false)
        .await;
    let (response, _, _) = sign_in(&console, "bob").await;
    let message = assert_refused(
        &console,
        response,
        StatusCode::FORBIDDEN,
        "name_of_a_local_account",
    )
    .await;
    assert!(message.contains("belongs to a local account"), "{message}");
}

/// Switching local accounts off ends the password sessions already open,
/// not only new sign-ins.
#[tokio::test]
async fn local_sessions_end_when_local_accounts_are_switched_off() {
    let provider = OidcProvider::start(&[]).await;
    let before = console(&provider, ROLES, true).await;
    let olga = before.signed_in("olga", Role::Operator, false).await;
    assert_eq!(
        before.get_as("/api/fleet", Some(&olga)).await.status(),
        StatusCode::OK
    );
    let after = TestConsole::on_store(
        before.state.store().clone(),
        AuthSettings {
            oidc: Some(provider.settings(ROLES)),
            local_accounts: false,
            ..test_auth()
        },
    );
    let refused = after.get_as("/api/fleet", Some(&olga)).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(after.state.store().count_sessions().await.unwrap(), 0);
}
