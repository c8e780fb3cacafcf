//! Server-side sessions. Only the SHA-256 of a session token is stored, so
//! a copy of the database does not let anyone sign in. Sessions of local
//! accounts live in `sessions`; those of people an OpenID provider vouched
//! for in `oidc_sessions` ([`super::oidc`]): the calls here cover both.

use shared::Account;
use sqlx::Row;

use super::{Store, StoreError};

/// A session row joined with its account.
pub struct StoredSession {
    pub account: Account,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen: i64,
    pub expires_at: i64,
    /// Opened after an OpenID provider's sign-in (not a local account's).
    pub federated: bool,
}

/// A session about to be stored.
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub account: &'a Account,
    pub csrf_token: &'a str,
    pub now: i64,
    pub expires_at: i64,
    /// Set when an OpenID provider vouched for the person (no local account).
    pub vouched: Option<VouchedBy<'a>>,
}

/// What the provider said about the person a session is opened for.
pub struct VouchedBy<'a> {
    pub subject: &'a str,
    /// Kept for the provider's sign-out (`id_token_hint`).
    pub id_token: &'a str,
}

impl Store {
    /// Stores a local account's session in `sessions`, a provider-vouched
    /// one in `oidc_sessions` (it names its role: there is no account row).
    pub async fn create_session(&self, session: NewSession<'_>) -> Result<(), StoreError> {
        if let Some(vouched) = &session.vouched {
            return self.create_oidc_session(&session, vouched).await;
        }
        sqlx::query(
            "INSERT INTO sessions (token_hash, account, csrf_token, created_at, last_seen, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(session.token_hash.to_owned())
        .bind(session.account.name.clone())
        .bind(session.csrf_token.to_owned())
        .bind(session.now)
        .bind(session.now)
        .bind(session.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn find_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<StoredSession>, StoreError> {
        let row = sqlx::query(
            "SELECT account, csrf_token, created_at, last_seen, expires_at FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return self.find_oidc_session(token_hash).await;
        };
        let name: String = row.try_get("account")?;
        let Some(stored) = self.find_account(&name).await? else {
            return Ok(None);
        };
        let account = stored.acting();
        Ok(Some(StoredSession {
            account,
            csrf_token: row.try_get("csrf_token")?,
            created_at: row.try_get("created_at")?,
            last_seen: row.try_get("last_seen")?,
            expires_at: row.try_get("expires_at")?,
            federated: false,
        }))
    }

    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<(), StoreError> {
        for update in [
            "UPDATE sessions SET last_seen = $1 WHERE token_hash = $2",
            "UPDATE oidc_sessions SET last_seen = $1 WHERE token_hash = $2",
        ] {
            sqlx::query(update)
                .bind(now)
                .bind(token_hash.to_owned())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Ends a session; true when there was one.
    pub async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        let local = self
            .delete_keyed("DELETE FROM sessions WHERE token_hash = $1", token_hash)
            .await?;
        let federated = self
            .delete_keyed(
                "DELETE FROM oidc_sessions WHERE token_hash = $1",
                token_hash,
            )
            .await?;
        Ok(local || federated)
    }

    /// How many sessions exist (tests prove sign-out removes the row).
    pub async fn count_sessions(&self) -> Result<i64, StoreError> {
        let mut total = 0;
        for count in [
            "SELECT COUNT(*) AS n FROM sessions",
            "SELECT COUNT(*) AS n FROM oidc_sessions",
        ] {
            total += sqlx::query(count)
                .fetch_one(&self.pool)
                .await?
                .try_get::<i64, _>("n")?;
        }
        Ok(total)
    }

    /// Drops sessions past their absolute expiry or idle for `idle` seconds.
    pub async fn delete_stale_sessions(&self, now: i64, idle: i64) -> Result<u64, StoreError> {
        let mut dropped = 0;
        for delete in [
            "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen <= $2",
            "DELETE FROM oidc_sessions WHERE expires_at <= $1 OR last_seen <= $2",
        ] {
            dropped += sqlx::query(delete)
                .bind(now)
                .bind(now - idle)
                .execute(&self.pool)
                .await?
                .rows_affected();
        }
        Ok(dropped)
    }
}
