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
    /// Who made it a security officer through the console (`None`: the
    /// server did, or it is none).
    pub appointed_by: Option<String>,
    /// The second officer who confirmed that appointment.
    pub confirmed_by: Option<String>,
}

impl StoredAccount {
    /// A security officer appointed through the console whose appointment
    /// no second officer has confirmed yet.
    pub fn awaits_confirmation(&self) -> bool {
        self.account.role == Role::SecurityOfficer
            && self.appointed_by.is_some()
            && self.confirmed_by.is_none()
    }

    /// The account as it acts: an officer awaiting confirmation holds no
    /// officer duty yet and acts as a manager (reads only).
    pub fn acting(self) -> Account {
        let awaits = self.awaits_confirmation();
        Account {
            role: if awaits {
                Role::Manager
            } else {
                self.account.role
            },
            ..self.account
        }
    }
}

pub(crate) fn role_of(text: &str) -> Result<Role, StoreError> {
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

    /// The approvals among `names` that count, in order, each once: by
    /// accounts that are security officers now, made so by the server or
    /// confirmed by a second officer. An officer awaiting confirmation
    /// counts for nothing: one person could otherwise create officer
    /// accounts and approve with them.
    pub async fn officers_among(&self, names: &[String]) -> Result<Vec<String>, StoreError> {
        let mut officers: Vec<String> = Vec::with_capacity(names.len());
        for name in names {
            let Some(stored) = self.find_account(name).await? else {
                continue;
            };
            if stored.account.role == Role::SecurityOfficer
                && !stored.awaits_confirmation()
                && !officers.contains(name)
            {
                officers.push(name.clone());
            }
        }
        Ok(officers)
    }

    /// Records `officer`'s confirmation of `name`'s appointment; false
    /// when `name` awaits none, or `officer` made the appointment.
    pub async fn confirm_officer(&self, name: &str, officer: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE accounts SET confirmed_by = $1 WHERE name = $2 AND role = $3 \
             AND appointed_by IS NOT NULL AND confirmed_by IS NULL AND appointed_by <> $1",
        )
        .bind(officer.to_owned())
        .bind(name.to_owned())
        .bind(Role::SecurityOfficer.slug())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Security officers appointed through the console: name, who
    /// appointed and who confirmed each.
    pub async fn officer_appointments(
        &self,
    ) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, appointed_by, confirmed_by FROM accounts \
             WHERE role = $1 AND appointed_by IS NOT NULL ORDER BY name",
        )
        .bind(Role::SecurityOfficer.slug())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("name")?,
                    row.try_get("appointed_by")?,
                    row.try_get("confirmed_by")?,
                ))
            })
            .collect()
    }

    /// How many security officers hold the role in effect (made by the
    /// server, or confirmed).
    pub async fn count_acting_officers(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM accounts WHERE role = $1 \
             AND (appointed_by IS NULL OR confirmed_by IS NOT NULL)",
        )
        .bind(Role::SecurityOfficer.slug())
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?)
    }

    pub async fn find_account(&self, name: &str) -> Result<Option<StoredAccount>, StoreError> {
        let row = sqlx::query(
            "SELECT name, password_hash, role, admin, created_at, appointed_by, confirmed_by FROM accounts WHERE name = $1",
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
                appointed_by: row.try_get("appointed_by")?,
                confirmed_by: row.try_get("confirmed_by")?,
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
            "UPDATE accounts SET appointed_by = CASE WHEN role = $1 THEN appointed_by ELSE $4 END, \
             confirmed_by = CASE WHEN role = $1 THEN confirmed_by ELSE NULL END, \
             role = $1, admin = $2 WHERE name = $3",
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
