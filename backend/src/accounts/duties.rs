//! Who may hand out duties: the shared rules of [`shared::duties`] (also
//! run by the Accounts page, which offers nothing they refuse), plus what
//! only the backend can count: the last security officer stays one.

use shared::duties::{self, DutyRefusal};
use shared::{Account, Role};

use crate::error::AppError;
use crate::store::Store;

fn refused(why: DutyRefusal) -> AppError {
    AppError::Forbidden(why.to_string())
}

/// Refuses `actor` changing `subject` to `role` and `admin` (`None`: kept).
pub async fn check_change(
    store: &Store,
    actor: &Account,
    subject: &Account,
    role: Option<Role>,
    admin: Option<bool>,
) -> Result<(), AppError> {
    duties::may_change(actor, subject, role, admin).map_err(refused)?;
    if subject.role == Role::SecurityOfficer && role.is_some_and(|r| r != Role::SecurityOfficer) {
        keep_an_officer(store, subject).await?;
    }
    Ok(())
}

/// Refuses `actor` creating `subject`.
pub fn check_create(actor: &Account, subject: &Account) -> Result<(), AppError> {
    duties::may_create(actor, &subject.name, subject.role).map_err(refused)
}

/// Refuses `actor` removing `subject`.
pub async fn check_delete(
    store: &Store,
    actor: &Account,
    subject: &Account,
) -> Result<(), AppError> {
    duties::may_remove(actor, subject).map_err(refused)?;
    if subject.role == Role::SecurityOfficer {
        keep_an_officer(store, subject).await?;
    }
    Ok(())
}

async fn keep_an_officer(store: &Store, subject: &Account) -> Result<(), AppError> {
    // Only officers in effect can confirm the next one.
    let acting = store.count_acting_officers().await?;
    let subject_acts = store
        .find_account(&subject.name)
        .await?
        .is_some_and(|s| !s.awaits_confirmation());
    if subject_acts && acting <= 1 {
        return Err(AppError::Conflict(format!(
            "{:?} is the last security officer: make another account a security officer first",
            subject.name
        )));
    }
    Ok(())
}
