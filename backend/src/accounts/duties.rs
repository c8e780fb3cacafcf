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
    if store.count_role(Role::SecurityOfficer).await? <= 1 {
        return Err(AppError::Conflict(format!(
            "{:?} is the last security officer: make another account a security officer first",
            subject.name
        )));
    }
    Ok(())
}

/// Refuses `officer`'s approval when it would not count beside the
/// `earlier` ones (already counted by [`Store::officers_among`]): an
/// officer who appointed `officer`, or whom `officer` appointed, approved
/// already, and two accounts of one person are one approval.
pub async fn check_independent(
    store: &Store,
    earlier: &[String],
    officer: &str,
) -> Result<(), AppError> {
    let appointers = store.appointers(officer).await?;
    for other in earlier {
        let tied = appointers.contains(other)
            || store.appointers(other).await?.iter().any(|a| a == officer);
        if tied {
            return Err(AppError::Forbidden(format!(
                "{officer} and {other} count as one security officer (one appointed the other): another security officer must approve"
            )));
        }
    }
    Ok(())
}
