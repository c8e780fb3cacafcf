//! Signing in and out: cookie attributes, server-side sign-out, idle and
//! absolute expiry, and passwords never echoed or logged.

use std::sync::{Arc, Mutex, OnceLock};

use axum::http::{Method, StatusCode, header};
use backend::auth::AuthSettings;
use shared::{ErrorCode, Role, SessionInfo};

use crate::support::{TestConsole, api_error, body_bytes, body_json, json_request, test_auth};

#[tokio::test]
async fn signing_in_sets_an_http_only_strict_cookie() {
    let console = TestConsole::new().await;
    let password = console.add_account("olga", Role::Operator, false).await;
    let response = console.try_sign_in("olga", &password).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("meshdeck_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP by default: {cookie}"
    );
    let info: SessionInfo = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(info.account.name, "olga");
    assert_eq!(info.account.role, Role::Operator);
    assert_eq!(info.via, "password");
    assert_eq!(info.csrf_token.len(), 64);

    let session = console.sign_in("olga", &password).await;
    let me = console.get_as("/api/session", Some(&session)).await;
    assert_eq!(me.status(), StatusCode::OK);
    let nobody = console.get_as("/api/session", None).await;
    assert_eq!(body_json(nobody).await, serde_json::Value::Null);
    let me: SessionInfo = serde_json::from_value(body_json(me).await).unwrap();
    assert_eq!(me.account.name, "olga");
    assert_eq!(me.csrf_token, session.csrf);
}

#[tokio::test]
async fn cookies_are_secure_when_configured_for_tls() {
    let console = TestConsole::with_auth(AuthSettings {
        secure_cookies: true,
        ..test_auth()
    })
    .await;
    let password = console.add_account("olga", Role::Operator, false).await;
    let response = console.try_sign_in("olga", &password).await;
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}

#[tokio::test]
async fn wrong_password_and_unknown_account_read_the_same() {
    let console = TestConsole::new().await;
    console.add_account("olga", Role::Operator, false).await;
    let wrong = console.try_sign_in("olga", "not her password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(!wrong.headers().contains_key(header::SET_COOKIE));
    let unknown = console.try_sign_in("nobody", "whatever it is").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let (wrong, unknown) = (api_error(wrong).await, api_error(unknown).await);
    assert_eq!(wrong.message, "wrong account name or password");
    assert_eq!(unknown.message, wrong.message);
}

#[tokio::test]
async fn api_reads_need_a_session() {
    let console = TestConsole::new().await;
    let response = console.get_as("/api/audit", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let error = api_error(response).await;
    assert_eq!(error.code, ErrorCode::Unauthorized);
    assert_eq!(error.message, "sign in to use the console");
    let forged = crate::support::Session {
        cookie: "0".repeat(64),
        csrf: String::new(),
    };
    let response = console.get_as("/api/audit", Some(&forged)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let console = TestConsole::new().await;
    let session = console.signed_in("mia", Role::Manager, false).await;
    assert_eq!(console.state.store().count_sessions().await.unwrap(), 1);
    let out = console
        .send(json_request(
            Method::DELETE,
            "/api/session",
            &serde_json::json!({}),
            Some(&session),
        ))
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let cleared = out.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.starts_with("meshdeck_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    assert_eq!(console.state.store().count_sessions().await.unwrap(), 0);
    // A copy of the old cookie no longer works.
    let replay = console.get_as("/api/audit/verify", Some(&session)).await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    // Recorded by the guard, as every mutation is.
    let reader = console.signed_in("rita", Role::Manager, false).await;
    let out = console.audit(&reader, "action=session.delete").await;
    assert_eq!(out.total, 1);
    let entry = &out.entries[0];
    assert_eq!(
        (entry.actor.as_str(), entry.outcome),
        ("mia", shared::Outcome::Success)
    );
}

#[tokio::test]
async fn an_idle_session_expires() {
    let console = TestConsole::new().await;
    let session = console.signed_in("mia", Role::Manager, false).await;
    console.time.advance(29 * 60);
    assert_eq!(
        console
            .get_as("/api/audit/verify", Some(&session))
            .await
            .status(),
        StatusCode::OK
    );
    // Used a minute ago: the idle clock restarted.
    console.time.advance(29 * 60);
    assert_eq!(
        console
            .get_as("/api/audit/verify", Some(&session))
            .await
            .status(),
        StatusCode::OK
    );
    console.time.advance(30 * 60);
    let expired = console.get_as("/api/audit/verify", Some(&session)).await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        api_error(expired).await.message,
        "your session has expired; sign in again"
    );
    assert_eq!(console.state.store().count_sessions().await.unwrap(), 0);
}

#[tokio::test]
async fn a_busy_session_still_ends_at_its_absolute_limit() {
    let console = TestConsole::new().await;
    let session = console.signed_in("mia", Role::Manager, false).await;
    // A request every 20 minutes for 11 h 40 min keeps it alive…
    for _ in 0..35 {
        console.time.advance(20 * 60);
        let response = console.get_as("/api/audit/verify", Some(&session)).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    // …but 12 hours after sign-in it ends.
    console.time.advance(20 * 60);
    let expired = console.get_as("/api/audit/verify", Some(&session)).await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
}

/// Collects everything the backend logs, from every test of this binary.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A global subscriber at TRACE level: a thread-scoped one misses events
/// whose interest other test threads already cached.
fn captured_logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        logs
    })
}

#[tokio::test]
async fn passwords_are_never_returned_logged_or_audited() {
    let logs = captured_logs();
    let console = TestConsole::new().await;
    let admin_password = console.add_account("logcheck", Role::Manager, true).await;
    let wrong_password = "Tr0ub4dor&3-wrong";
    let new_password = "correct horse battery staple";
    console.try_sign_in("logcheck", wrong_password).await;
    let admin = console.sign_in("logcheck", &admin_password).await;
    let body = serde_json::json!({"name": "otto", "role": "operator", "password": new_password});
    let created = console
        .send(json_request(
            Method::POST,
            "/api/accounts",
            &body,
            Some(&admin),
        ))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created = String::from_utf8(body_bytes(created).await).unwrap();
    let listed = console.get_as("/api/accounts", Some(&admin)).await;
    let listed = String::from_utf8(body_bytes(listed).await).unwrap();
    let export = console.get_as("/api/audit/export", Some(&admin)).await;
    let export = String::from_utf8(body_bytes(export).await).unwrap();
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();

    assert!(
        logged.contains("actor=logcheck"),
        "the capture works: {logged}"
    );
    assert!(export.contains("account.create"));
    for secret in [admin_password.as_str(), wrong_password, new_password] {
        for (what, text) in [
            ("log", &logged),
            ("created", &created),
            ("list", &listed),
            ("audit", &export),
        ] {
            assert!(!text.contains(secret), "{what} contains a password: {text}");
        }
    }
    assert!(
        !listed.contains("argon2"),
        "hashes stay in the database: {listed}"
    );
}
