//! Password checks run on tokio's blocking pool, a bounded number at once:
//! one argon2id check takes tens of milliseconds of CPU and 19 MiB, and a
//! burst of sign-ins must neither stall the runtime threads that serve the
//! API and the event streams nor take all the memory.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

use super::secrets;

/// The bounded pool of password checks.
pub struct PasswordChecks {
    permits: Semaphore,
    running: AtomicUsize,
    peak: AtomicUsize,
}

/// Counts a check as running until it is dropped (also when the request
/// that waits for it goes away).
struct Running<'a>(&'a AtomicUsize);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl PasswordChecks {
    /// At most `at_once` checks run together; the rest wait their turn.
    pub fn new(at_once: usize) -> Self {
        Self {
            permits: Semaphore::new(at_once.max(1)),
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// One per core: more would only queue on the CPU.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    /// Whether `password` matches the PHC string `phc`.
    pub async fn verify(&self, password: &str, phc: &str) -> bool {
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        let now = self.running.fetch_add(1, Ordering::Relaxed) + 1;
        let _running = Running(&self.running);
        self.peak.fetch_max(now, Ordering::Relaxed);
        let (password, phc) = (password.to_owned(), phc.to_owned());
        tokio::task::spawn_blocking(move || secrets::verify_password(&password, &phc))
            .await
            .unwrap_or(false)
    }

    /// The most checks that ever ran at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }
}
