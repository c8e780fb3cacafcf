//! The single-page app: client routes get index.html, assets get cache
//! headers by kind, bodies are compressed when the browser accepts it.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::support::{
    HASHED_CSS, HASHED_JS, INDEX_HTML, INDEX_SCRIPT, PRECOMPRESSED_CSS, body_bytes, get, send,
};

#[tokio::test]
async fn client_routes_get_index_html_revalidated() {
    for path in ["/", "/fleet", "/c/gke-eu/mesh", "/no/such/page"] {
        let response = get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "no-cache",
            "{path}"
        );
        assert_eq!(body_bytes(response).await, INDEX_HTML.as_bytes(), "{path}");
    }
}

#[tokio::test]
async fn hashed_assets_are_cached_for_a_year() {
    let response = get(&format!("/{HASHED_JS}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
}

#[tokio::test]
async fn missing_file_is_404_not_index() {
    let response = get("/missing-0123456789abcdef.wasm").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(!response.headers().contains_key(header::CACHE_CONTROL));
}

#[tokio::test]
async fn assets_are_compressed_for_browsers_that_accept_it() {
    for (accept, expected) in [("br", "br"), ("gzip", "gzip")] {
        let request = Request::get(format!("/{HASHED_JS}"))
            .header(header::ACCEPT_ENCODING, accept)
            .body(Body::empty())
            .unwrap();
        let response = send(request).await;
        assert_eq!(response.headers()[header::CONTENT_ENCODING], expected);
    }
}

#[tokio::test]
async fn build_time_brotli_files_are_served_as_is() {
    let request = Request::get(format!("/{HASHED_CSS}"))
        .header(header::ACCEPT_ENCODING, "br")
        .body(Body::empty())
        .unwrap();
    let response = send(request).await;
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/css");
    // One URL, several encodings: shared caches must key on what was asked.
    let vary: Vec<_> = response.headers().get_all(header::VARY).iter().collect();
    assert!(
        vary.iter()
            .any(|v| v.to_str().unwrap().eq_ignore_ascii_case("accept-encoding")),
        "{vary:?}"
    );
    assert_eq!(body_bytes(response).await, PRECOMPRESSED_CSS);
}

/// Every response carries the security headers; the app's page admits its
/// own inline script by hash and WebAssembly, nothing else inline; API
/// JSON is never cached.
#[tokio::test]
async fn responses_carry_the_security_headers() {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let script = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(INDEX_SCRIPT));
    for path in ["/", "/fleet"] {
        let response = get(path).await;
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains(&format!(
                "script-src 'self' 'wasm-unsafe-eval' 'sha256-{script}'"
            )),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(
            response.headers()[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff"
        );
        assert_eq!(response.headers()[header::REFERRER_POLICY], "no-referrer");
    }
    let asset = get(&format!("/{HASHED_JS}")).await;
    assert_eq!(asset.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(
        asset.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    for path in ["/api/health", "/api/fleet", "/api/no-such-route"] {
        let response = get(path).await;
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "no-store",
            "{path}"
        );
        assert_eq!(
            response.headers()[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff",
            "{path}"
        );
        assert!(
            response.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
    }
}

/// A client's request id is echoed only when it is a short safe token.
#[tokio::test]
async fn only_safe_client_request_ids_are_kept() {
    let with_id = |id: &str| {
        Request::get("/api/health")
            .header("x-request-id", id)
            .body(Body::empty())
            .unwrap()
    };
    let kept = send(with_id("trace-42")).await;
    assert_eq!(kept.headers()["x-request-id"], "trace-42");
    for bad in ["<img src=x>", &"a".repeat(200)] {
        let replaced = send(with_id(bad)).await;
        let id = replaced.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_ne!(id, bad);
        assert!(!id.is_empty() && id.len() <= 64, "{id}");
    }
}
