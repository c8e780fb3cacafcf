//! Groups to a role: the one mapping both the trusted proxy's group header
//! and an OpenID provider's groups claim go through.

use shared::Role;
use shared::auth::UnknownRole;

/// A `group=role` pair that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupRoleError {
    #[error("{0:?} is not GROUP=ROLE")]
    NotAPair(String),
    #[error(transparent)]
    Role(#[from] UnknownRole),
}

/// Parses `group=role` pairs, e.g. `mesh-ops=operator`.
pub fn parse_group_role(text: &str) -> Result<(String, Role), GroupRoleError> {
    let (group, role) = text
        .split_once('=')
        .ok_or_else(|| GroupRoleError::NotAPair(text.to_owned()))?;
    let role = role.trim().parse::<Role>()?;
    Ok((group.trim().to_owned(), role))
}

/// The role of someone in `groups`: the first pair of `group_roles` (in
/// precedence order) whose group they are in decides; `None` when none
/// is. With it, whether they are in one of `admin_groups`.
pub fn role_for(
    group_roles: &[(String, Role)],
    admin_groups: &[String],
    groups: &[&str],
) -> Option<(Role, bool)> {
    let role = group_roles
        .iter()
        .find(|(group, _)| groups.contains(&group.as_str()))
        .map(|(_, role)| *role)?;
    let admin = admin_groups.iter().any(|g| groups.contains(&g.as_str()));
    Some((role, admin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_mapped_group_decides_and_admin_is_separate() {
        let roles = vec![
            parse_group_role("sec=security_officer").unwrap(),
            parse_group_role(" ops = operator").unwrap(),
        ];
        let admins = vec!["admins".to_owned()];
        assert_eq!(
            role_for(&roles, &admins, &["ops", "sec", "admins"]),
            Some((Role::SecurityOfficer, true))
        );
        assert_eq!(
            role_for(&roles, &admins, &["ops"]),
            Some((Role::Operator, false))
        );
        assert_eq!(role_for(&roles, &admins, &["admins"]), None);
        assert!(parse_group_role("nogroup").is_err());
        assert!(parse_group_role("g=root").is_err());
    }
}
