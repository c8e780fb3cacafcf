//! Serving the built single-page app: files from the dist directory with
//! cache headers by kind, and `index.html` for every client-side route.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use tower_http::services::ServeDir;

/// Built assets are named `<name>-<16 hex digits>.<ext>` (by
/// `xtask/assemble.mjs`, or Trunk when serving): those never
/// change, so browsers may keep them for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else (index.html above all) is revalidated on each load.
const REVALIDATE: &str = "no-cache";

/// The fallback service for every non-API path.
pub fn service(dist: &Path) -> MethodRouter {
    let index = dist.join("index.html");
    // `cargo xtask` writes .br/.gz beside each asset at build time.
    // `/` too goes to `client_route`, which gives the page its policy.
    let files = ServeDir::new(dist)
        .append_index_html_on_directories(false)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(axum::routing::get(move |req: Request| {
            let index = index.clone();
            async move { client_route(index, req).await }
        }));
    axum::routing::get_service(files).layer(axum::middleware::from_fn(cache_policy))
}

/// A path with no file behind it: an app route gets `index.html`; a missing
/// file (the last segment has an extension) is a plain 404.
async fn client_route(index: PathBuf, req: Request) -> Response {
    let last = req.uri().path().rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    }
    match tokio::fs::read(&index).await {
        Ok(html) => {
            let csp = super::headers::app_csp(&String::from_utf8_lossy(&html));
            let mut response = Response::new(Body::from(html));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            if let Ok(csp) = HeaderValue::from_str(&csp) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, csp);
            }
            response
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the single-page app is not built: run `cargo xtask run`",
        )
            .into_response(),
    }
}

/// Sets `Cache-Control` from the request path: hashed assets are
/// immutable, everything else is revalidated.
async fn cache_policy(req: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(req.uri().path());
    let mut response = next.run(req).await;
    if response.status().is_success() {
        let value = if hashed { IMMUTABLE } else { REVALIDATE };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
        // The same URL answers brotli, gzip or plain by what was asked: a
        // shared cache must key on it, or hand brotli to a client that
        // cannot read it for a year.
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// `frontend-0123456789abcdef_bg.wasm`, `style-0123456789abcdef.css`.
pub fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed_asset(
            "/meshdeck-frontend-1f2e3d4c5b6a7988_bg.wasm"
        ));
        assert!(is_hashed_asset("/meshdeck-frontend-1f2e3d4c5b6a7988.js"));
        assert!(is_hashed_asset("/style-00aa11bb22cc33dd.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/"));
        assert!(!is_hashed_asset("/c/gke-eu/mesh"));
        assert!(!is_hashed_asset("/logo-small.svg"));
    }
}
