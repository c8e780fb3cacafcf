//! Who may hand out duties, as both sides judge it: no account changes its
//! own role or admin flag (an admin could otherwise make itself a security
//! officer and approve its own requests), and the security-officer role is
//! given and taken away only by another security officer (with the admin
//! capability every account change needs) or by `meshdeck account` on the
//! server. The backend adds what only it can count: the last security
//! officer stays one.

use serde::{Deserialize, Serialize};

use crate::{Account, Role};

/// A security officer appointed through the console: it holds the role
/// only once a second officer (not the one who appointed it) confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OfficerAppointment {
    pub name: String,
    pub appointed_by: String,
    /// `None`: awaiting confirmation; the account acts as a manager.
    pub confirmed_by: Option<String>,
}

/// Every appointment, by account name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OfficerAppointments {
    pub appointments: Vec<OfficerAppointment>,
}

/// Why `actor` may not make a change to an account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DutyRefusal {
    #[error("no account changes its own role or admin flag: another admin must")]
    OwnDuties,
    #[error(
        "giving or taking the security-officer role ({0:?}) needs a security officer with the admin capability, or `meshdeck account` on the server"
    )]
    OfficerOnly(String),
}

fn officer_decides(actor: &Account, subject: &str) -> Result<(), DutyRefusal> {
    if actor.role == Role::SecurityOfficer {
        Ok(())
    } else {
        Err(DutyRefusal::OfficerOnly(subject.to_owned()))
    }
}

/// Whether `actor` may set `subject`'s role and admin flag (`None`: kept).
pub fn may_change(
    actor: &Account,
    subject: &Account,
    role: Option<Role>,
    admin: Option<bool>,
) -> Result<(), DutyRefusal> {
    let new_role = role.unwrap_or(subject.role);
    let new_admin = admin.unwrap_or(subject.admin);
    if actor.name == subject.name && (new_role != subject.role || new_admin != subject.admin) {
        return Err(DutyRefusal::OwnDuties);
    }
    let officer = |r: Role| r == Role::SecurityOfficer;
    if officer(subject.role) != officer(new_role) {
        officer_decides(actor, &subject.name)?;
    }
    Ok(())
}

/// Whether `actor` may create the account `name` with `role`.
pub fn may_create(actor: &Account, name: &str, role: Role) -> Result<(), DutyRefusal> {
    if role == Role::SecurityOfficer {
        officer_decides(actor, name)?;
    }
    Ok(())
}

/// Whether `actor` may remove `subject`.
pub fn may_remove(actor: &Account, subject: &Account) -> Result<(), DutyRefusal> {
    if subject.role == Role::SecurityOfficer {
        officer_decides(actor, &subject.name)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str, role: Role, admin: bool) -> Account {
        Account {
            name: name.into(),
            role,
            admin,
        }
    }

    #[test]
    fn nobody_changes_their_own_duties() {
        let ada = account("ada", Role::Operator, true);
        let officer = Some(Role::SecurityOfficer);
        assert_eq!(
            may_change(&ada, &ada, officer, None),
            Err(DutyRefusal::OwnDuties)
        );
        assert_eq!(
            may_change(&ada, &ada, None, Some(false)),
            Err(DutyRefusal::OwnDuties)
        );
        assert_eq!(
            may_change(&ada, &ada, Some(Role::Operator), Some(true)),
            Ok(())
        );
    }

    #[test]
    fn only_an_officer_gives_or_takes_the_officer_role() {
        let ada = account("ada", Role::Manager, true);
        let sol = account("sol", Role::SecurityOfficer, true);
        let eve = account("eve", Role::Operator, false);
        let officer = Some(Role::SecurityOfficer);
        assert!(may_change(&ada, &eve, officer, None).is_err());
        assert!(may_change(&ada, &sol, Some(Role::Manager), None).is_err());
        assert!(may_remove(&ada, &sol).is_err());
        assert!(may_create(&ada, "trent", Role::SecurityOfficer).is_err());
        assert_eq!(
            may_change(&ada, &eve, Some(Role::Manager), Some(true)),
            Ok(())
        );
        assert_eq!(may_change(&sol, &eve, officer, None), Ok(()));
        assert_eq!(may_remove(&sol, &eve), Ok(()));
        assert_eq!(may_create(&sol, "trent", Role::SecurityOfficer), Ok(()));
    }
}
