//! The single-page app: client routes get index.html, assets get cache
//! headers by kind, bodies are compressed when the browser accepts it.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::support::{HASHED_CSS, HASHED_JS, INDEX_HTML, PRECOMPRESSED_CSS, body_bytes, get, send};

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
    assert_eq!(body_bytes(response).await, PRECOMPRESSED_CSS);
}
