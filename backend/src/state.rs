//! What every request handler can reach.

use std::path::PathBuf;
use std::sync::Arc;

/// Shared, cheaply cloned application state.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    dist: PathBuf,
    sandbox: bool,
}

impl AppState {
    /// `dist` is the built SPA; `sandbox` says whether the fleet is the
    /// embedded sandbox (shown to users, never branched on for cluster work).
    pub fn new(dist: PathBuf, sandbox: bool) -> Self {
        Self {
            inner: Arc::new(Inner { dist, sandbox }),
        }
    }

    pub fn dist(&self) -> &std::path::Path {
        &self.inner.dist
    }

    pub fn sandbox(&self) -> bool {
        self.inner.sandbox
    }
}
