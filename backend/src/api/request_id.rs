//! Request ids: every response carries `x-request-id`, and logs and error
//! bodies name the same id.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderValue, Request};
use tower_http::request_id::{MakeRequestId, RequestId};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Ids of the form `<process-start-seconds-hex>-<counter>`: unique per
/// process run and cheap, without a random-number dependency.
#[derive(Clone)]
pub struct SequentialRequestId {
    prefix: String,
    next: std::sync::Arc<AtomicU64>,
}

impl Default for SequentialRequestId {
    fn default() -> Self {
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        Self {
            prefix: format!("{started:x}"),
            next: Default::default(),
        }
    }
}

impl MakeRequestId for SequentialRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}
