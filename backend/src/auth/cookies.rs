//! Reading the session cookie from a request and writing `Set-Cookie`.

use axum::http::{HeaderMap, HeaderValue, header};
use shared::routes::SESSION_COOKIE;

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The session cookie: script-proof, never sent cross-site, for the whole
/// console; `max_age` in seconds (0 deletes it).
pub fn session(token: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The cookie binding an OpenID sign-in under way to the browser that
/// started it.
pub const OIDC_COOKIE: &str = "meshdeck_oidc";

/// [`OIDC_COOKIE`]: script-proof, and `Lax` because the provider sends the
/// browser back with a cross-site navigation, which `Strict` would strip;
/// only sent to the OpenID routes.
pub fn oidc_browser(token: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{OIDC_COOKIE}={token}; Path=/api/oidc; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A `Set-Cookie` that removes the session cookie.
pub fn clear_session(secure: bool) -> HeaderValue {
    session("", 0, secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_named_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; meshdeck_session=tok"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(read(&headers, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(read(&headers, "b").as_deref(), Some("2"));
        assert_eq!(read(&headers, "c"), None);
    }

    #[test]
    fn session_cookie_is_http_only_and_strict() {
        let text = session("tok", 60, true);
        let text = text.to_str().unwrap();
        assert!(text.contains("HttpOnly"));
        assert!(text.contains("SameSite=Strict"));
        assert!(text.ends_with("; Secure"));
        assert!(
            !session("tok", 60, false)
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }
}
