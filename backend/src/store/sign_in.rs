//! Failed sign-ins per subject (an address, an address and account pair,
//! or an account), counted in fixed windows that start at the subject's
//! first failure. Taking an attempt is one conditional `UPDATE`, so two
//! requests, or two replicas, never both take the last one allowed.

use sqlx::Row;

use super::{Store, StoreError};

/// The answer to [`Store::take_sign_in_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted as a failure until given back; `failures` in the window
    /// now, this one included.
    Taken { failures: i64 },
    /// `limit` failures already fall in the window, which ends
    /// `retry_after_secs` from now.
    Refused { retry_after_secs: i64 },
}

impl Store {
    /// Counts one more failure under `subject`, unless `limit` failures
    /// already fall in its window (`window_secs` from its first failure).
    /// The attempt counts as failed until [`Store::give_back_sign_in_attempt`].
    pub async fn take_sign_in_attempt(
        &self,
        subject: &str,
        now: i64,
        limit: i64,
        window_secs: i64,
    ) -> Result<Attempt, StoreError> {
        let expired = now - window_secs;
        sqlx::query(
            "INSERT INTO sign_in_failures (subject, window_start, failures) VALUES ($1, $2, 0) \
             ON CONFLICT (subject) DO NOTHING",
        )
        .bind(subject.to_owned())
        .bind(now)
        .execute(&self.pool)
        .await?;
        // Both assignments read the row as it was: a window that has passed
        // starts again at this attempt.
        let taken = sqlx::query(
            "UPDATE sign_in_failures SET \
               failures = CASE WHEN window_start <= $2 THEN 1 ELSE failures + 1 END, \
               window_start = CASE WHEN window_start <= $2 THEN $3 ELSE window_start END \
             WHERE subject = $1 AND (window_start <= $2 OR failures < $4)",
        )
        .bind(subject.to_owned())
        .bind(expired)
        .bind(now)
        .bind(limit)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        let row =
            sqlx::query("SELECT window_start, failures FROM sign_in_failures WHERE subject = $1")
                .bind(subject.to_owned())
                .fetch_optional(&self.pool)
                .await?;
        let (window_start, failures) = match row {
            Some(row) => (
                row.try_get::<i64, _>("window_start")?,
                row.try_get("failures")?,
            ),
            None => (now, 1),
        };
        Ok(if taken {
            Attempt::Taken { failures }
        } else {
            Attempt::Refused {
                retry_after_secs: (window_start + window_secs - now).max(1),
            }
        })
    }

    /// Un-counts a taken attempt that turned out not to be a failure.
    pub async fn give_back_sign_in_attempt(&self, subject: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sign_in_failures SET failures = failures - 1 WHERE subject = $1 AND failures > 0",
        )
        .bind(subject.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets every failure under `subject`.
    pub async fn clear_sign_in_failures(&self, subject: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sign_in_failures WHERE subject = $1")
            .bind(subject.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Drops subjects whose window has passed: the table holds only the
    /// failures of the last window, however many names were made up.
    pub async fn forget_old_sign_in_failures(
        &self,
        now: i64,
        window_secs: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sign_in_failures WHERE window_start <= $1")
            .bind(now - window_secs)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many subjects have failures on record.
    pub async fn sign_in_failure_subjects(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM sign_in_failures")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }
}
