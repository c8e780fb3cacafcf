//! The time source: the system clock in production, a hand-moved one in
//! tests, so session expiry and sign-in lockouts are testable without
//! sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Answers "what time is it" in Unix seconds.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    /// The machine's clock.
    pub fn system() -> Self {
        Self(Arc::new(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                .unwrap_or_default()
        }))
    }

    /// A clock that stands still at `start` until the returned handle moves it.
    pub fn manual(start: i64) -> (Self, ManualTime) {
        let now = Arc::new(AtomicI64::new(start));
        let read = Arc::clone(&now);
        (
            Self(Arc::new(move || read.load(Ordering::SeqCst))),
            ManualTime(now),
        )
    }

    /// Unix seconds.
    pub fn now(&self) -> i64 {
        (self.0)()
    }
}

/// Moves a [`Clock::manual`] clock.
#[derive(Clone)]
pub struct ManualTime(Arc<AtomicI64>);

impl ManualTime {
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }

    pub fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
