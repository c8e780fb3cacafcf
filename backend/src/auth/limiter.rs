//! Failed sign-ins, limited at three scopes and counted in the database
//! (see [`crate::store::sign_in`]), so the limits hold across restarts and
//! between replicas:
//!
//! - per client address: past 20 failures in 15 minutes the address is
//!   refused (one address guessing across accounts);
//! - per address and account: past 5 failures in 15 minutes that address
//!   is refused for that account (one address guessing one password);
//! - per account, from any address: past 5 failures each further attempt
//!   waits before its password is checked, twice as long each time (1 s,
//!   2 s, 4 s, … at most 10 s). Never a refusal: an anonymous caller
//!   cannot lock someone out of their account by failing on purpose.
//!
//! An attempt takes its place in all three counts before the password is
//! checked and gives it back when the password was right, so a burst of
//! parallel guesses gets exactly as many checks as the limits allow.

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::store::sign_in::Attempt;
use crate::store::{Store, StoreError};

/// How many failures are allowed within how many seconds, and how the
/// per-account delay grows.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_account: i64,
    pub per_address: i64,
    pub window_secs: i64,
    /// The first per-account delay; each further failure doubles it.
    pub delay_step: Duration,
    pub delay_max: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_address: 20,
            window_secs: 15 * 60,
            delay_step: Duration::from_secs(1),
            delay_max: Duration::from_secs(10),
        }
    }
}

impl Limits {
    /// How long an attempt waits when the account has `failures` in the
    /// window, this attempt included.
    pub fn delay(&self, failures: i64) -> Duration {
        let over = failures - self.per_account;
        if over <= 0 {
            return Duration::ZERO;
        }
        let doublings = u32::try_from(over - 1).unwrap_or(u32::MAX).min(30);
        self.delay_step
            .saturating_mul(1 << doublings)
            .min(self.delay_max)
    }
}

/// Which limit a refused attempt hit, and for how much longer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub retry_after_secs: i64,
    /// The address and account pair (else the address alone).
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
            format!(
                "too many failed sign-ins for account {account:?} from your address; try again in {wait}"
            )
        } else {
            format!("too many failed sign-ins from your address; try again in {wait}")
        }
    }
}

/// An attempt let through: its places in the counts, and how long it must
/// wait before its password is checked.
#[derive(Debug)]
pub struct Admitted {
    address: String,
    pair: String,
    account: String,
    pub delay: Duration,
}

/// The sign-in limits over the console's database.
pub struct SignInLimiter {
    limits: Limits,
}

/// The subject under which an account's failures are counted: a hash, so
/// made-up names of any shape stay out of the table.
fn account_subject(account: &str) -> String {
    format!(
        "account:{}",
        hex::encode(Sha256::digest(account.as_bytes()))
    )
}

impl SignInLimiter {
    pub fn new(limits: Limits) -> Self {
        Self { limits }
    }

    /// Takes the attempt's place in the address, pair and account counts,
    /// or says which limit refuses it (then nothing stays counted).
    pub async fn admit(
        &self,
        store: &Store,
        account: &str,
        address: &str,
        now: i64,
    ) -> Result<Result<Admitted, Locked>, StoreError> {
        let Limits {
            per_account,
            per_address,
            window_secs,
            ..
        } = self.limits;
        store.forget_old_sign_in_failures(now, window_secs).await?;
        let account_subject = account_subject(account);
        let admitted = Admitted {
            address: format!("address:{address}"),
            pair: format!("pair:{address}:{account_subject}"),
            account: account_subject,
            delay: Duration::ZERO,
        };
        if let Attempt::Refused { retry_after_secs } = store
            .take_sign_in_attempt(&admitted.address, now, per_address, window_secs)
            .await?
        {
            return Ok(Err(Locked {
                retry_after_secs,
                by_account: false,
            }));
        }
        if let Attempt::Refused { retry_after_secs } = store
            .take_sign_in_attempt(&admitted.pair, now, per_account, window_secs)
            .await?
        {
            store.give_back_sign_in_attempt(&admitted.address).await?;
            return Ok(Err(Locked {
                retry_after_secs,
                by_account: true,
            }));
        }
        let failures = match store
            .take_sign_in_attempt(&admitted.account, now, i64::MAX, window_secs)
            .await?
        {
            Attempt::Taken { failures } => failures,
            Attempt::Refused { .. } => 0,
        };
        Ok(Ok(Admitted {
            delay: self.limits.delay(failures),
            ..admitted
        }))
    }

    /// The password was right: the attempt was no failure, and the
    /// account's failures are forgotten (the address's stay: one right
    /// password must not reset a guessing run).
    pub async fn succeeded(&self, store: &Store, admitted: &Admitted) -> Result<(), StoreError> {
        store.give_back_sign_in_attempt(&admitted.address).await?;
        store.clear_sign_in_failures(&admitted.pair).await?;
        store.clear_sign_in_failures(&admitted.account).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_delay_doubles_past_the_limit_up_to_the_cap() {
        let limits = Limits::default();
        let secs = |n| limits.delay(n).as_secs();
        assert_eq!([secs(0), secs(5)], [0, 0]);
        assert_eq!([secs(6), secs(7), secs(8), secs(9)], [1, 2, 4, 8]);
        assert_eq!([secs(10), secs(1_000), secs(i64::MAX)], [10, 10, 10]);
    }

    #[test]
    fn refusals_say_which_limit_and_how_long() {
        let pair = Locked {
            retry_after_secs: 900,
            by_account: true,
        };
        assert_eq!(
            pair.message("olga"),
            "too many failed sign-ins for account \"olga\" from your address; try again in 15 minutes"
        );
        let address = Locked {
            retry_after_secs: 30,
            by_account: false,
        };
        assert_eq!(
            address.message("olga"),
            "too many failed sign-ins from your address; try again in a minute"
        );
    }
}
