//! Identity asserted by an authenticating proxy: the user and group headers
//! count only on connections from a configured proxy address, and groups
//! become a role through the configured mapping.

use std::net::IpAddr;

use axum::http::{HeaderMap, HeaderName};
use shared::{Account, AccountName, InvalidName, Role};

use super::groups::role_for;
pub use super::groups::{GroupRoleError, parse_group_role};

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
    #[error("no identity: the proxy sent the {0} header more than once")]
    Repeated(String),
    #[error("no identity: the proxy's {0} header is not text")]
    Unreadable(String),
    #[error("no identity: the proxy's {header} header is not a user name: {reason}")]
    BadUser {
        header: String,
        reason: &'static str,
    },
    #[error("none of the groups of {user:?} ({groups}) maps to a meshdeck role")]
    NoRole { user: String, groups: String },
}

/// The one value of `name`, if the request has it: a header sent twice
/// is refused rather than read one way here and another way by the proxy
/// or a second hop.
fn single<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Result<Option<&'h str>, ProxyRefusal> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ProxyRefusal::Repeated(name.to_string()));
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| ProxyRefusal::Unreadable(name.to_string()))
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
        let user = single(headers, &self.user_header)?
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| ProxyRefusal::NoUser(self.user_header.to_string()))?;
        // The account name rules: what the audit log and sessions key on.
        // The refusal gives the reason only, never the (unbounded) value.
        let user: AccountName = user
            .parse()
            .map_err(|e: InvalidName| ProxyRefusal::BadUser {
                header: self.user_header.to_string(),
                reason: e.reason,
            })?;
        let groups: Vec<&str> = single(headers, &self.groups_header)?
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .collect();
        let (role, admin) =
            role_for(&self.group_roles, &self.admin_groups, &groups).ok_or_else(|| {
                ProxyRefusal::NoRole {
                    user: user.to_string(),
                    groups: groups.join(", "),
                }
            })?;
        Ok(Account {
            name: user.to_string(),
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
    fn each_header_counts_once_and_the_user_must_be_a_user_name() {
        let peer = Some("10.0.0.1".parse().unwrap());
        let mut twice = headers("alice", "ops");
        twice.append("x-forwarded-user", HeaderValue::from_static("mallory"));
        assert_eq!(
            proxy().identify(&twice, peer),
            Err(ProxyRefusal::Repeated("x-forwarded-user".into()))
        );
        let mut groups_twice = headers("alice", "staff");
        groups_twice.append("x-forwarded-groups", HeaderValue::from_static("sec"));
        assert_eq!(
            proxy().identify(&groups_twice, peer),
            Err(ProxyRefusal::Repeated("x-forwarded-groups".into()))
        );
        for bad in ["Alice", "al ice", "-alice", &"a".repeat(2000)] {
            let refused = proxy().identify(&headers(bad, "ops"), peer).unwrap_err();
            assert!(
                matches!(&refused, ProxyRefusal::BadUser { header, .. } if header == "x-forwarded-user"),
                "{bad}: {refused:?}"
            );
            assert!(!refused.to_string().contains(bad), "{refused}");
        }
        let account = proxy().identify(&headers("pat@corp", "ops"), peer).unwrap();
        assert_eq!(account.name, "pat@corp");
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
