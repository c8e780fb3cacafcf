//! Helpers: a throwaway dist directory and one-shot requests against `app()`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::body::Body;
use axum::http::{Request, Response};
use backend::AppState;
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const INDEX_HTML: &str = "<!DOCTYPE html><html><body>meshdeck test shell</body></html>";
pub const HASHED_JS: &str = "meshdeck-frontend-0123456789abcdef.js";
pub const HASHED_CSS: &str = "style-0123456789abcdef.css";
/// Stands in for the `.br` file `cargo xtask` writes at build time.
pub const PRECOMPRESSED_CSS: &[u8] = b"precompressed at build time";

/// A dist directory with an index and one hashed asset, unique per call.
pub fn dist_dir() -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "meshdeck-api-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), INDEX_HTML).unwrap();
    std::fs::write(dir.join(HASHED_JS), "console.log('x');\n".repeat(50)).unwrap();
    std::fs::write(dir.join(HASHED_CSS), "body { margin: 0 }\n".repeat(50)).unwrap();
    std::fs::write(dir.join(format!("{HASHED_CSS}.br")), PRECOMPRESSED_CSS).unwrap();
    dir
}

pub async fn send(request: Request<Body>) -> Response<Body> {
    let app = backend::app(AppState::new(dist_dir(), true));
    app.oneshot(request).await.unwrap()
}

pub async fn get(path: &str) -> Response<Body> {
    send(Request::get(path).body(Body::empty()).unwrap()).await
}

pub async fn body_bytes(response: Response<Body>) -> Vec<u8> {
    response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

pub async fn body_json(response: Response<Body>) -> serde_json::Value {
    serde_json::from_slice(&body_bytes(response).await).unwrap()
}
