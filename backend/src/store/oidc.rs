//! What OpenID Connect sign-in keeps: sign-ins under way (taken once, by
//! the callback) and the sessions of people the provider vouched for.

use shared::Account;
use sqlx::Row;

use super::accounts::role_of;
use super::sessions::{NewSession, StoredSession, VouchedBy};
use super::{Store, StoreError};

/// A sign-in sent to the provider and not yet come back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogin {
    pub state_hash: String,
    /// The SHA-256 of the cookie of the browser that started it.
    pub browser_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub expires_at: i64,
}

impl Store {
    /// Records a sign-in under way (and drops those that ran out by `now`).
    pub async fn add_oidc_login(&self, login: &PendingLogin, now: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM oidc_logins WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO oidc_logins (state_hash, browser_hash, nonce, pkce_verifier, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(login.state_hash.clone())
        .bind(login.browser_hash.clone())
        .bind(login.nonce.clone())
        .bind(login.pkce_verifier.clone())
        .bind(login.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes the sign-in with this state: whoever deletes the row has it,
    /// so two callbacks racing with one state cannot both go on.
    pub async fn take_oidc_login(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingLogin>, StoreError> {
        let row = sqlx::query(
            "SELECT browser_hash, nonce, pkce_verifier, expires_at FROM oidc_logins WHERE state_hash = $1",
        )
        .bind(state_hash.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if !self
            .delete_keyed("DELETE FROM oidc_logins WHERE state_hash = $1", state_hash)
            .await?
        {
            return Ok(None);
        }
        Ok(Some(PendingLogin {
            state_hash: state_hash.to_owned(),
            browser_hash: row.try_get("browser_hash")?,
            nonce: row.try_get("nonce")?,
            pkce_verifier: row.try_get("pkce_verifier")?,
            expires_at: row.try_get("expires_at")?,
        }))
    }

    pub(super) async fn create_oidc_session(
        &self,
        session: &NewSession<'_>,
        vouched: &VouchedBy<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO oidc_sessions (token_hash, name, subject, role, admin, csrf_token, id_token, \
             created_at, last_seen, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(session.token_hash.to_owned())
        .bind(session.account.name.clone())
        .bind(vouched.subject.to_owned())
        .bind(session.account.role.slug())
        .bind(i64::from(session.account.admin))
        .bind(session.csrf_token.to_owned())
        .bind(vouched.id_token.to_owned())
        .bind(session.now)
        .bind(session.now)
        .bind(session.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The provider-vouched session with this token hash.
    pub(super) async fn find_oidc_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<StoredSession>, StoreError> {
        let row = sqlx::query(
            "SELECT name, role, admin, csrf_token, created_at, last_seen, expires_at \
             FROM oidc_sessions WHERE token_hash = $1",
        )
        .bind(token_hash.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(StoredSession {
            account: Account {
                name: row.try_get("name")?,
                role: role_of(&row.try_get::<String, _>("role")?)?,
                admin: row.try_get::<i64, _>("admin")? != 0,
            },
            csrf_token: row.try_get("csrf_token")?,
            created_at: row.try_get("created_at")?,
            last_seen: row.try_get("last_seen")?,
            expires_at: row.try_get("expires_at")?,
            federated: true,
        }))
    }

    /// The ID token a provider-vouched session began with, for the
    /// provider's sign-out.
    pub async fn oidc_session_id_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT id_token FROM oidc_sessions WHERE token_hash = $1")
            .bind(token_hash.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get("id_token"))
            .transpose()
            .map_err(StoreError::from)
    }
}
