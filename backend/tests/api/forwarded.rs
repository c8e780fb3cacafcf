//! Behind a plain reverse proxy (local accounts): its X-Forwarded-For and
//! X-Forwarded-Proto decide the client address and the Secure flag, but
//! only when the connection comes from the configured proxy.

use axum::http::{Method, StatusCode, header};
use backend::auth::AuthSettings;
use shared::Role;

use crate::support::{TestConsole, json_request, test_auth};

const PROXY: &str = "10.1.1.1:443";

async fn console() -> TestConsole {
    TestConsole::with_auth(AuthSettings {
        trusted_proxies: vec!["10.1.1.1".parse().unwrap()],
        ..test_auth()
    })
    .await
}

async fn sign_in_from(
    console: &TestConsole,
    peer: &str,
    client: &str,
    password: &str,
) -> axum::http::Response<axum::body::Body> {
    let body = serde_json::json!({"name": "olga", "password": password});
    let mut request = json_request(Method::POST, "/api/session", &body, None);
    let headers = request.headers_mut();
    headers.insert("x-forwarded-for", client.parse().unwrap());
    headers.insert("x-forwarded-proto", "https".parse().unwrap());
    console.send_from(request, peer.parse().unwrap()).await
}

#[tokio::test]
async fn tls_and_client_address_come_from_the_trusted_proxy_only() {
    let console = console().await;
    let password = console.add_account("olga", Role::Operator, false).await;

    let via_proxy = sign_in_from(&console, PROXY, "198.51.100.7", &password).await;
    assert_eq!(via_proxy.status(), StatusCode::OK);
    let cookie = via_proxy.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");

    let forged = sign_in_from(&console, "10.9.9.9:443", "198.51.100.8", &password).await;
    assert_eq!(forged.status(), StatusCode::OK);
    let cookie = forged.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");

    let reader = console.sign_in("olga", &password).await;
    let page = console.audit(&reader, "action=session.create").await;
    let addresses: Vec<_> = page.entries.iter().map(|e| e.params[0].as_str()).collect();
    assert_eq!(
        addresses,
        [
            "address=127.0.0.1",
            "address=10.9.9.9",
            "address=198.51.100.7"
        ]
    );
}

#[tokio::test]
async fn the_limiter_tells_clients_behind_the_proxy_apart() {
    let console = console().await;
    let password = console.add_account("olga", Role::Operator, false).await;
    console.add_account("mia", Role::Manager, false).await;
    for i in 0..20 {
        let body = serde_json::json!({"name": format!("user{i}"), "password": "guess guess"});
        let mut request = json_request(Method::POST, "/api/session", &body, None);
        request
            .headers_mut()
            .insert("x-forwarded-for", "203.0.113.5".parse().unwrap());
        let response = console.send_from(request, PROXY.parse().unwrap()).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = sign_in_from(&console, PROXY, "203.0.113.5", &password).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy is not locked out.
    let other = sign_in_from(&console, PROXY, "203.0.113.6", &password).await;
    assert_eq!(other.status(), StatusCode::OK);
}
