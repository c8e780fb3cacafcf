//! Accounts: name, argon2id hash, role, admin flag. The hash never leaves
//! this module except to the password check.

use shared::{Account, Role};
use sqlx::Row;

use super::{Store, StoreError};

/// An account with the hash its password is checked against.
pub struct StoredAccount {
    pub account: Account,
    pub password_hash: String,
    pub created_at: i64,
}

fn role_of(text: &str) -> Result<Role, StoreError> {
    text.parse()
        .map_err(|err: shared::auth::UnknownRole| StoreError::Corrupt(err.to_string()))
}

impl Store {
    /// Adds an account; a taken name is a [`StoreError::Conflict`].
    pub async fn create_account(
        &self,
        account: &Account,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        if self.find_account(&account.name).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "an account named {:?} already exists",
                account.name
            )));
        }
        sqlx::query(
            "INSERT INTO accounts (name, password_hash, role, admin, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(account.name.clone())
        .bind(password_hash.to_owned())
        .bind(account.role.slug())
        .bind(i64::from(account.admin))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Those of `names` who are security officers now, in order: an
    /// approval counts only while its officer still is one.
    pub async fn officers_among(&self, names: &[String]) -> Result<Vec<String>, StoreError> {
        let mut officers = Vec::with_capacity(names.len());
        for name in names {
            let account = self.find_account(name).await?;
            if account.is_some_and(|a| a.account.role == Role::SecurityOfficer) {
                officers.push(name.clone());
            }
        }
        Ok(officers)
    }

    pub async fn find_account(&self, name: &str) -> Result<Option<StoredAccount>, StoreError> {
        let row = sqlx::query(
            "SELECT name, password_hash, role, admin, created_at FROM accounts WHERE name = $1",
        )
        .bind(name.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(StoredAccount {
                account: Account {
                    name: row.try_get("name")?,
                    role: role_of(&row.try_get::<String, _>("role")?)?,
                    admin: row.try_get::<i64, _>("admin")? != 0,
                },
                password_hash: row.try_get("password_hash")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .transpose()
    }

    /// Every account, by name.
    pub async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        let rows = sqlx::query("SELECT name, role, admin FROM accounts ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|row| {
                Ok(Account {
                    name: row.try_get("name")?,
                    role: role_of(&row.try_get::<String, _>("role")?)?,
                    admin: row.try_get::<i64, _>("admin")? != 0,
                })
            })
            .collect()
    }

    pub async fn count_accounts(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM accounts")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// Replaces an account's password hash and ends its sessions; false when
    /// there is no such account.
    pub async fn set_password(&self, name: &str, password_hash: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE accounts SET password_hash = $1 WHERE name = $2")
            .bind(password_hash.to_owned())
            .bind(name.to_owned())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE account = $1")
            .bind(name.to_owned())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Sets an account's role and admin flag; false when there is none.
    pub async fn update_account(
        &self,
        name: &str,
        role: Role,
        admin: bool,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE accounts SET role = $1, admin = $2 WHERE name = $3")
            .bind(role.slug())
            .bind(i64::from(admin))
            .bind(name.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes an account; its sessions go with it. False when there is none.
    pub async fn delete_account(&self, name: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE account = $1")
            .bind(name.to_owned())
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM accounts WHERE name = $1")
            .bind(name.to_owned())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// How many accounts have the admin capability.
    /// How many accounts hold `role`.
    pub async fn count_role(&self, role: Role) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT COUNT(*) AS n FROM accounts WHERE role = $1")
                .bind(role.slug().to_owned())
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?,
        )
    }

    pub async fn count_admins(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT COUNT(*) AS n FROM accounts WHERE admin = 1")
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?,
        )
    }
}
