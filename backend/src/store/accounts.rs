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

/// What `appointed_by` records for an account holding `role`.
fn appointment(role: Role, appointed_by: Option<&str>) -> Option<String> {
    (role == Role::SecurityOfficer)
        .then(|| appointed_by.map(str::to_owned))
        .flatten()
}

impl Store {
    /// Adds an account, made a security officer by `appointed_by` when its
    /// role is one and an account (not the server) gave it; a taken name
    /// is a [`StoreError::Conflict`].
    pub async fn create_account(
        &self,
        account: &Account,
        password_hash: &str,
        now: i64,
        appointed_by: Option<&str>,
    ) -> Result<(), StoreError> {
        if self.find_account(&account.name).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "an account named {:?} already exists",
                account.name
            )));
        }
        sqlx::query(
            "INSERT INTO accounts (name, password_hash, role, admin, created_at, appointed_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(account.name.clone())
        .bind(password_hash.to_owned())
        .bind(account.role.slug())
        .bind(i64::from(account.admin))
        .bind(now)
        .bind(appointment(account.role, appointed_by))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The approvals among `names` that count, in order: by accounts that
    /// are security officers now, and independent of each other. An
    /// officer who appointed another (directly or down a chain of
    /// appointments) and that officer count once: one person could
    /// otherwise create a second officer account and approve with both.
    pub async fn officers_among(&self, names: &[String]) -> Result<Vec<String>, StoreError> {
        let mut counted: Vec<(String, Vec<String>)> = Vec::with_capacity(names.len());
        for name in names {
            let Some(stored) = self.find_account(name).await? else {
                continue;
            };
            if stored.account.role != Role::SecurityOfficer {
                continue;
            }
            let appointers = self.appointers(name).await?;
            let tied = counted.iter().any(|(other, others_appointers)| {
                other == name || appointers.contains(other) || others_appointers.contains(name)
            });
            if !tied {
                counted.push((name.clone(), appointers));
            }
        }
        Ok(counted.into_iter().map(|(name, _)| name).collect())
    }

    /// Who made `name` a security officer, who made that account one, and
    /// so on up to an officer the server appointed.
    pub async fn appointers(&self, name: &str) -> Result<Vec<String>, StoreError> {
        let mut chain: Vec<String> = Vec::new();
        let mut next = self.appointed_by(name).await?;
        while let Some(appointer) = next {
            // An account demoted and appointed again can close a loop.
            if appointer == name || chain.contains(&appointer) {
                break;
            }
            next = self.appointed_by(&appointer).await?;
            chain.push(appointer);
        }
        Ok(chain)
    }

    async fn appointed_by(&self, name: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT appointed_by FROM accounts WHERE name = $1")
            .bind(name.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => row.try_get("appointed_by")?,
            None => None,
        })
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
    /// `appointed_by` is recorded when the change makes it a security
    /// officer (`None`: the server did); an account that is no officer
    /// keeps no appointment.
    pub async fn update_account(
        &self,
        name: &str,
        role: Role,
        admin: bool,
        appointed_by: Option<&str>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE accounts SET appointed_by = CASE WHEN role = $1 THEN appointed_by ELSE $4 END, role = $1, admin = $2 WHERE name = $3",
        )
            .bind(role.slug())
            .bind(i64::from(admin))
            .bind(name.to_owned())
            .bind(appointment(role, appointed_by))
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
