//! The security headers every response carries, and the request id a
//! client may choose. The built app's page gets a Content-Security-Policy
//! that admits its own files, the hashes of the inline scripts Trunk
//! writes into `index.html`, and WebAssembly compilation; nothing else
//! inline. API JSON is never cached.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::request_id::REQUEST_ID_HEADER;

/// For everything that is not the app's page: no content of its own runs.
const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The longest client-chosen request id kept.
const REQUEST_ID_MAX: usize = 64;

/// The app page's policy, given the page: its own origin for scripts,
/// styles, images and API calls, the inline scripts it carries by hash,
/// and `'wasm-unsafe-eval'` to compile the console's WebAssembly.
pub fn app_csp(index_html: &str) -> String {
    let hashes: String = inline_scripts(index_html)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The bodies of `<script>` elements without a `src`.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, body) = rest.split_once('>')?;
        let (body, _) = body.split_once("</script>")?;
        (!attributes.contains("src=")).then_some(body)
    })
}

/// A client-sent request id is kept only when it is a short token of
/// safe characters; otherwise the console makes its own.
fn safe_request_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= REQUEST_ID_MAX
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Outermost middleware: drops an unsafe request id before one is
/// assigned, and adds the headers every response needs.
pub async fn security_headers(mut request: Request, next: Next) -> Response {
    let id = HeaderName::from_static(REQUEST_ID_HEADER);
    if request
        .headers()
        .get(&id)
        .is_some_and(|v| !safe_request_id(v))
    {
        request.headers_mut().remove(&id);
    }
    let api = request.uri().path().starts_with(shared::routes::API_PREFIX);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_CSP),
        );
    }
    if api && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_policy_admits_exactly_the_inline_scripts_of_the_page() {
        let page = "<head><script type=\"module\">init();</script>\
                    <script src=\"/x.js\"></script></head>";
        let csp = app_csp(page);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init();"));
        assert!(csp.contains(&format!("'sha256-{expected}'")), "{csp}");
        assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
        assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn only_short_safe_request_ids_are_kept() {
        for ok in ["abc", "19c0f3-12", "trace_1.2"] {
            assert!(safe_request_id(&HeaderValue::from_static(ok)), "{ok}");
        }
        let long = "a".repeat(65);
        for bad in ["", "a b", "<script>", "a\"b", long.as_str()] {
            let value = HeaderValue::from_str(bad).unwrap();
            assert!(!safe_request_id(&value), "{bad}");
        }
    }
}
