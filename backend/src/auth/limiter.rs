//! Failed sign-ins, counted per account and per client address in a sliding
//! window. Past the limit, further attempts are refused without checking
//! the password until the oldest failure leaves the window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// How many failures are allowed within how many seconds.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_account: usize,
    pub per_address: usize,
    pub window_secs: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_address: 20,
            window_secs: 15 * 60,
        }
    }
}

/// Which limit a refused attempt hit, and for how much longer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub retry_after_secs: i64,
    pub by_account: bool,
}

impl Locked {
    /// What the person at the sign-in form reads.
    pub fn message(&self, account: &str) -> String {
        let minutes = (self.retry_after_secs + 59) / 60;
        let wait = if minutes <= 1 {
            "a minute".to_owned()
        } else {
            format!("{minutes} minutes")
        };
        if self.by_account {
            format!("too many failed sign-ins for account {account:?}; try again in {wait}")
        } else {
            format!("too many failed sign-ins from your address; try again in {wait}")
        }
    }
}

/// How many distinct accounts (and, apart, addresses) the limiter
/// remembers: past it, names and addresses whose failures have all left
/// the window are forgotten, then the least recently failing ones, so a
/// stream of made-up names cannot grow memory without end.
pub const MAX_REMEMBERED: usize = 10_000;

#[derive(Default)]
struct Failures {
    accounts: HashMap<String, VecDeque<i64>>,
    addresses: HashMap<String, VecDeque<i64>>,
}

/// Adds a failure at `now` under `key`, keeping `map` within
/// [`MAX_REMEMBERED`] keys.
fn remember(map: &mut HashMap<String, VecDeque<i64>>, key: &str, now: i64, window: i64) {
    if !map.contains_key(key) && map.len() >= MAX_REMEMBERED {
        map.retain(|_, times| {
            prune(times, now, window);
            !times.is_empty()
        });
        while map.len() >= MAX_REMEMBERED {
            let stalest = map
                .iter()
                .min_by_key(|(_, times)| times.back().copied().unwrap_or(i64::MIN))
                .map(|(k, _)| k.clone());
            match stalest {
                Some(k) => map.remove(&k),
                None => break,
            };
        }
    }
    map.entry(key.to_owned()).or_default().push_back(now);
}

/// In-memory failure counts (a restart forgets them, which only ever helps
/// the legitimate user locked out by someone else).
#[derive(Default)]
pub struct SignInLimiter {
    limits: Limits,
    failures: Mutex<Failures>,
}

fn prune(times: &mut VecDeque<i64>, now: i64, window: i64) {
    while times.front().is_some_and(|t| *t <= now - window) {
        times.pop_front();
    }
}

fn check(times: Option<&mut VecDeque<i64>>, limit: usize, now: i64, window: i64) -> Option<i64> {
    let times = times?;
    prune(times, now, window);
    if times.len() < limit {
        return None;
    }
    let oldest = times.front().copied().unwrap_or(now);
    Some((oldest + window - now).max(1))
}

impl SignInLimiter {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            failures: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Failures> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Some` when this attempt must be refused before looking at the
    /// password.
    pub fn check(&self, account: &str, address: &str, now: i64) -> Option<Locked> {
        let Limits {
            per_account,
            per_address,
            window_secs,
        } = self.limits;
        let mut failures = self.lock();
        if let Some(wait) = check(
            failures.accounts.get_mut(account),
            per_account,
            now,
            window_secs,
        ) {
            return Some(Locked {
                retry_after_secs: wait,
                by_account: true,
            });
        }
        check(
            failures.addresses.get_mut(address),
            per_address,
            now,
            window_secs,
        )
        .map(|wait| Locked {
            retry_after_secs: wait,
            by_account: false,
        })
    }

    pub fn record_failure(&self, account: &str, address: &str, now: i64) {
        let window = self.limits.window_secs;
        let mut failures = self.lock();
        remember(&mut failures.accounts, account, now, window);
        remember(&mut failures.addresses, address, now, window);
    }

    /// How many accounts and addresses the limiter remembers now.
    pub fn remembered(&self) -> (usize, usize) {
        let failures = self.lock();
        (failures.accounts.len(), failures.addresses.len())
    }

    /// A successful sign-in clears the account's failures (not the
    /// address's: one right password must not reset a guessing run).
    pub fn record_success(&self, account: &str) {
        self.lock().accounts.remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_limit_and_unlocks_when_the_window_passes() {
        let limiter = SignInLimiter::new(Limits {
            per_account: 3,
            per_address: 10,
            window_secs: 100,
        });
        for t in 0..3 {
            assert_eq!(limiter.check("alice", "10.0.0.1", t), None);
            limiter.record_failure("alice", "10.0.0.1", t);
        }
        let locked = limiter.check("alice", "10.0.0.2", 50).unwrap();
        assert!(locked.by_account);
        assert_eq!(locked.retry_after_secs, 50);
        assert!(locked.message("alice").contains("try again in a minute"));
        assert_eq!(limiter.check("bob", "10.0.0.1", 50), None);
        assert_eq!(limiter.check("alice", "10.0.0.1", 101), None);
    }

    #[test]
    fn made_up_names_cannot_grow_the_counts_without_end() {
        let limiter = SignInLimiter::new(Limits {
            per_account: 2,
            per_address: usize::MAX,
            window_secs: 100,
        });
        // A real account is being guessed, then a flood of made-up names
        // arrives within the same window.
        limiter.record_failure("alice", "10.0.0.1", 0);
        limiter.record_failure("alice", "10.0.0.1", 1);
        for i in 0..(MAX_REMEMBERED + 500) {
            limiter.record_failure(&format!("nobody-{i}"), "10.0.0.2", 2);
        }
        let (accounts, addresses) = limiter.remembered();
        assert!(accounts <= MAX_REMEMBERED, "{accounts}");
        assert_eq!(addresses, 2);
        // Past the window, stale names go first and room is made without
        // dropping anyone still inside it.
        limiter.record_failure("bob", "10.0.0.3", 150);
        assert_eq!(limiter.remembered().0, 1);
        limiter.record_failure("carol", "10.0.0.3", 151);
        limiter.record_failure("carol", "10.0.0.3", 152);
        assert!(limiter.check("carol", "10.0.0.4", 153).is_some());
    }

    #[test]
    fn an_address_guessing_many_accounts_is_locked() {
        let limiter = SignInLimiter::new(Limits {
            per_account: 3,
            per_address: 4,
            window_secs: 600,
        });
        for (t, name) in ["a", "b", "c", "d"].iter().enumerate() {
            limiter.record_failure(name, "10.0.0.9", t as i64);
        }
        let locked = limiter.check("e", "10.0.0.9", 10).unwrap();
        assert!(!locked.by_account);
        assert!(locked.message("e").contains("10 minutes"));
        limiter.record_success("a");
        assert!(limiter.check("e", "10.0.0.9", 10).is_some());
    }
}
