//! Identity asserted by an authenticating proxy: the user and group headers
//! count only on connections from a configured proxy address, and groups
//! become a role through the configured mapping.

use std::net::IpAddr;

use axum::http::{HeaderMap, HeaderName};
use shared::auth::UnknownRole;
use shared::{Account, Role};

/// The proxy mode's configuration.
#[derive(Debug, Clone)]
pub struct ProxyAuth {
    /// Only connections from these addresses may assert an identity.
    pub trusted: Vec<IpAddr>,
    pub user_header: HeaderName,
    /// Comma-separated group names.
    pub groups_header: HeaderName,
    /// Group → role, in precedence order: the first group the user is in
    /// decides the role.
    pub group_roles: Vec<(String, Role)>,
    /// Members of these groups get the admin capability.
    pub admin_groups: Vec<String>,
}

/// Why a request carries no usable proxy identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyRefusal {
    #[error("no identity: the request did not come through the trusted proxy")]
    Untrusted,
    #[error("no identity: the proxy sent no {0} header")]
    NoUser(String),
    #[error("none of the groups of {user:?} ({groups}) maps to a meshdeck role")]
    NoRole { user: String, groups: String },
}

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

impl ProxyAuth {
    /// The account the proxy vouches for, if `peer` is the proxy.
    pub fn identify(
        &self,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
    ) -> Result<Account, ProxyRefusal> {
        if !peer.is_some_and(|ip| self.trusted.contains(&ip)) {
            return Err(ProxyRefusal::Untrusted);
        }
        let user = headers
            .get(&self.user_header)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| ProxyRefusal::NoUser(self.user_header.to_string()))?;
        let groups: Vec<&str> = headers
            .get_all(&self.groups_header)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .collect();
        let role = self
            .group_roles
            .iter()
            .find(|(group, _)| groups.contains(&group.as_str()))
            .map(|(_, role)| *role)
            .ok_or_else(|| ProxyRefusal::NoRole {
                user: user.to_owned(),
                groups: groups.join(", "),
            })?;
        let admin = self
            .admin_groups
            .iter()
            .any(|g| groups.contains(&g.as_str()));
        Ok(Account {
            name: user.to_owned(),
            role,
            admin,
        })
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn proxy() -> ProxyAuth {
        ProxyAuth {
            trusted: vec!["10.0.0.1".parse().unwrap()],
            user_header: HeaderName::from_static("x-forwarded-user"),
            groups_header: HeaderName::from_static("x-forwarded-groups"),
            group_roles: vec![
                parse_group_role("sec=security_officer").unwrap(),
                parse_group_role("ops=operator").unwrap(),
            ],
            admin_groups: vec!["admins".into()],
        }
    }

    fn headers(user: &str, groups: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-user", HeaderValue::from_str(user).unwrap());
        h.insert("x-forwarded-groups", HeaderValue::from_str(groups).unwrap());
        h
    }

    #[test]
    fn identity_only_from_the_trusted_address() {
        let h = headers("alice", "ops");
        let from_proxy = proxy().identify(&h, Some("10.0.0.1".parse().unwrap()));
        assert_eq!(from_proxy.unwrap().role, Role::Operator);
        assert_eq!(
            proxy().identify(&h, Some("10.0.0.2".parse().unwrap())),
            Err(ProxyRefusal::Untrusted)
        );
        assert_eq!(proxy().identify(&h, None), Err(ProxyRefusal::Untrusted));
    }

    #[test]
    fn first_mapped_group_decides_and_admin_is_separate() {
        let peer = Some("10.0.0.1".parse().unwrap());
        let account = proxy()
            .identify(&headers("bob", "ops, sec,admins"), peer)
            .unwrap();
        assert_eq!(account.role, Role::SecurityOfficer);
        assert!(account.admin);
        assert!(matches!(
            proxy().identify(&headers("eve", "interns"), peer),
            Err(ProxyRefusal::NoRole { .. })
        ));
        assert!(parse_group_role("nogroup").is_err());
        assert!(parse_group_role("g=root").is_err());
    }
}
