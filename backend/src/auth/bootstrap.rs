//! Accounts made outside the API: the four default accounts of the
//! embedded sandbox on first start, and accounts an administrator creates
//! with `meshdeck account create`.

use shared::auth::check_new_password;
use shared::{Account, AccountName, Outcome, Role};

use super::secrets::{self, HashCost};
use crate::audit::{self, Actor, Event};
use crate::store::{Store, StoreError};

/// An account just created, with the password to show once.
pub struct Created {
    pub account: Account,
    pub password: String,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates `account` with `password` (a generated one when `None`) and
/// records it in the audit log as done by `actor`.
pub async fn create_account(
    store: &Store,
    cost: HashCost,
    now: i64,
    actor: &str,
    account: Account,
    password: Option<String>,
) -> Result<Created, CreateError> {
    account
        .name
        .parse::<AccountName>()
        .map_err(|err| CreateError::Invalid(err.to_string()))?;
    let password = password.unwrap_or_else(secrets::random_password);
    check_new_password(&password).map_err(CreateError::Invalid)?;
    let hash = secrets::hash_password(&password, cost)
        .map_err(|err| CreateError::Invalid(err.to_string()))?;
    store.create_account(&account, &hash, now, None).await?;
    let event = Event::new("account.create", Outcome::Success)
        .target(format!("account/{}", account.name))
        .param("role", account.role)
        .param("admin", account.admin);
    audit::append(store, now, Actor::system(actor), None, event).await?;
    Ok(Created { account, password })
}

/// Gives `name` a new password (a generated one when `None`), ends its
/// sessions, and records it as done by `actor`. Returns the password.
pub async fn reset_password(
    store: &Store,
    cost: HashCost,
    now: i64,
    actor: &str,
    name: &str,
    password: Option<String>,
) -> Result<String, CreateError> {
    let password = password.unwrap_or_else(secrets::random_password);
    check_new_password(&password).map_err(CreateError::Invalid)?;
    let hash = secrets::hash_password(&password, cost)
        .map_err(|err| CreateError::Invalid(err.to_string()))?;
    if !store.set_password(name, &hash).await? {
        return Err(CreateError::Invalid(format!(
            "there is no account named {name:?}"
        )));
    }
    let event =
        Event::new("account.reset_password", Outcome::Success).target(format!("account/{name}"));
    audit::append(store, now, Actor::system(actor), None, event).await?;
    Ok(password)
}

/// The sandbox's default accounts, one per role, named after the role
/// (two security officers).
pub const SANDBOX_ACCOUNTS: [(&str, Role); 4] = [
    ("operator", Role::Operator),
    ("officer", Role::SecurityOfficer),
    // The mesh root's two-person rule needs a second officer.
    ("officer2", Role::SecurityOfficer),
    ("manager", Role::Manager),
];

/// On a sandbox console with no accounts yet, creates the four default
/// accounts with random passwords and returns them (to print once).
/// Returns nothing when any account exists.
pub async fn sandbox_accounts(
    store: &Store,
    cost: HashCost,
    now: i64,
) -> Result<Vec<Created>, CreateError> {
    if store.count_accounts().await? > 0 {
        return Ok(Vec::new());
    }
    let mut created = Vec::new();
    for (name, role) in SANDBOX_ACCOUNTS {
        let account = Account {
            name: name.to_owned(),
            role,
            admin: false,
        };
        created.push(create_account(store, cost, now, "system", account, None).await?);
    }
    Ok(created)
}

/// The lines printed once on the terminal after [`sandbox_accounts`].
pub fn announce(created: &[Created]) -> String {
    let mut text = String::from(
        "meshdeck: created the sandbox accounts; their passwords are shown only now and stored only as argon2id hashes:\n",
    );
    for c in created {
        text.push_str(&format!(
            "  {:<10} {:<18} password: {}\n",
            c.account.name,
            c.account.role.title(),
            c.password
        ));
    }
    text
}
