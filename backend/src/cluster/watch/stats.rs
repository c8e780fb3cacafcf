//! What a member's watch task has seen, kept in atomics so a scrape reads
//! it without waiting on the watcher and without calling the member: how
//! often its watch session ended and started again, and when its last
//! watch event arrived.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Counters one member's watch task keeps; shared with whoever reads them.
#[derive(Debug, Default)]
pub struct WatchStats {
    restarts: AtomicU64,
    /// Unix seconds; 0 until the first event.
    last_event: AtomicI64,
}

/// [`WatchStats`] read at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchReading {
    /// Watch sessions that ended (and were started again).
    pub restarts: u64,
    /// When the last watch event arrived (Unix seconds), if one has.
    pub last_event: Option<i64>,
}

impl WatchStats {
    /// A watch session ended; the task starts another.
    pub fn restarted(&self) {
        self.restarts.fetch_add(1, Ordering::Relaxed);
    }

    /// A watch event arrived at `now` (Unix seconds).
    pub fn event_at(&self, now: i64) {
        self.last_event.fetch_max(now, Ordering::Relaxed);
    }

    pub fn read(&self) -> WatchReading {
        let last_event = self.last_event.load(Ordering::Relaxed);
        WatchReading {
            restarts: self.restarts.load(Ordering::Relaxed),
            last_event: (last_event > 0).then_some(last_event),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_restarts_and_keeps_the_latest_event() {
        let stats = WatchStats::default();
        assert_eq!(
            stats.read(),
            WatchReading {
                restarts: 0,
                last_event: None
            }
        );
        stats.event_at(1_000);
        stats.event_at(900);
        stats.restarted();
        stats.restarted();
        assert_eq!(
            stats.read(),
            WatchReading {
                restarts: 2,
                last_event: Some(1_000)
            }
        );
    }
}
