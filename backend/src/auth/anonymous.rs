//! A budget for mutating requests from callers who are not signed in:
//! sign-ins that fail and writes refused for want of a session. Each of
//! those lands in the audit log, so without a budget anyone who can reach
//! the console could grow the log as fast as they can send.
//!
//! Per client address, [`ANONYMOUS_PER_MINUTE`] such requests a minute;
//! a request takes its place before it is handled and gives it back when it
//! ended well (a sign-in that opened a session). Past the budget the
//! console answers 429 and records only the first refusal of the minute.
//! Kept in memory, per replica: it bounds what one process writes.

use std::collections::HashMap;
use std::sync::Mutex;

/// Anonymous mutating requests one address may make in a minute.
pub const ANONYMOUS_PER_MINUTE: u32 = 60;

/// How many addresses the budget remembers; past it, the addresses whose
/// minute has passed go first, then the oldest.
pub const MAX_ADDRESSES: usize = 10_000;

const MINUTE: i64 = 60;

#[derive(Debug, Clone, Copy)]
struct Window {
    start: i64,
    used: u32,
    /// The first refusal of this window has been recorded.
    reported: bool,
}

/// The budget is spent for this minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted {
    pub retry_after_secs: i64,
    /// This is the window's first refusal: record it (the rest are not).
    pub first: bool,
}

/// Per-address windows of anonymous mutating requests.
#[derive(Default)]
pub struct AnonymousBudget {
    windows: Mutex<HashMap<String, Window>>,
}

impl AnonymousBudget {
    fn windows(&self) -> std::sync::MutexGuard<'_, HashMap<String, Window>> {
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes one request from `address`'s budget at `now`.
    pub fn take(&self, address: &str, now: i64) -> Result<(), Exhausted> {
        let mut windows = self.windows();
        if !windows.contains_key(address) && windows.len() >= MAX_ADDRESSES {
            make_room(&mut windows, now);
        }
        let window = windows.entry(address.to_owned()).or_insert(Window {
            start: now,
            used: 0,
            reported: false,
        });
        if window.start <= now - MINUTE {
            *window = Window {
                start: now,
                used: 0,
                reported: false,
            };
        }
        if window.used < ANONYMOUS_PER_MINUTE {
            window.used += 1;
            return Ok(());
        }
        let first = !window.reported;
        window.reported = true;
        Err(Exhausted {
            retry_after_secs: (window.start + MINUTE - now).max(1),
            first,
        })
    }

    /// Gives back a request that ended well.
    pub fn give_back(&self, address: &str) {
        if let Some(window) = self.windows().get_mut(address) {
            window.used = window.used.saturating_sub(1);
        }
    }

    /// How many addresses are remembered now.
    pub fn remembered(&self) -> usize {
        self.windows().len()
    }
}

fn make_room(windows: &mut HashMap<String, Window>, now: i64) {
    windows.retain(|_, w| w.start > now - MINUTE);
    while windows.len() >= MAX_ADDRESSES {
        let oldest = windows
            .iter()
            .min_by_key(|(_, w)| w.start)
            .map(|(address, _)| address.clone());
        match oldest {
            Some(address) => windows.remove(&address),
            None => break,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_budget_each_minute_and_one_recorded_refusal() {
        let budget = AnonymousBudget::default();
        for _ in 0..ANONYMOUS_PER_MINUTE {
            assert_eq!(budget.take("203.0.113.1", 10), Ok(()));
        }
        let first = budget.take("203.0.113.1", 20).unwrap_err();
        assert_eq!(
            first,
            Exhausted {
                retry_after_secs: 50,
                first: true
            }
        );
        assert!(!budget.take("203.0.113.1", 21).unwrap_err().first);
        assert_eq!(budget.take("203.0.113.2", 21), Ok(()));
        budget.give_back("203.0.113.1");
        assert_eq!(budget.take("203.0.113.1", 22), Ok(()));
        assert_eq!(budget.take("203.0.113.1", 70), Ok(()));
    }

    #[test]
    fn the_addresses_remembered_are_bounded() {
        let budget = AnonymousBudget::default();
        for i in 0..(MAX_ADDRESSES + 100) {
            let _ = budget.take(&format!("address-{i}"), 0);
        }
        assert!(budget.remembered() <= MAX_ADDRESSES);
        let _ = budget.take("late", 61);
        assert_eq!(budget.remembered(), 1);
    }
}
