//! Newtypes for names that enter from the outside (URLs, forms, kubeconfig),
//! parsed once at the edge so the inside never re-checks them.

use crate::newtype::checked_string;

/// Why a name was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {value:?} is not valid: {reason}")]
pub struct InvalidName {
    pub kind: &'static str,
    pub value: String,
    pub reason: &'static str,
}

/// Refuses `value` as a `kind` for `reason`.
pub fn invalid(kind: &'static str, value: &str, reason: &'static str) -> Result<(), InvalidName> {
    Err(InvalidName {
        kind,
        value: value.to_owned(),
        reason,
    })
}

/// Checks the Kubernetes DNS-1123 label rules (RFC 1123): at most 63
/// characters, lowercase alphanumerics or '-', starting and ending with an
/// alphanumeric.
pub fn check_dns1123_label(kind: &'static str, value: &str) -> Result<(), InvalidName> {
    let fail = |reason| invalid(kind, value, reason);
    if value.is_empty() {
        return fail("it must not be empty");
    }
    if value.len() > 63 {
        return fail("it must be at most 63 characters");
    }
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !value.chars().all(|c| ok_char(c) || c == '-') {
        return fail("it may contain only lowercase letters, digits and '-'");
    }
    let starts_ok = value.chars().next().is_some_and(ok_char);
    let ends_ok = value.chars().last().is_some_and(ok_char);
    if !starts_ok || !ends_ok {
        return fail("it must start and end with a lowercase letter or digit");
    }
    Ok(())
}

checked_string! {
    /// The name of a member cluster, e.g. `gke-eu`.
    pub struct ClusterName(String), check_cluster_name;
}

fn check_cluster_name(s: &str) -> Result<(), InvalidName> {
    check_dns1123_label("cluster name", s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_seed_cluster_names() {
        for name in ["gke-eu", "gke-asia-1", "onprem-vmware-1", "baremetal-1"] {
            assert_eq!(name.parse::<ClusterName>().unwrap().as_str(), name);
        }
    }

    #[test]
    fn rejects_bad_names_with_reason() {
        let err = "GKE_eu".parse::<ClusterName>().unwrap_err();
        assert_eq!(
            err.reason,
            "it may contain only lowercase letters, digits and '-'"
        );
        assert!("-eu".parse::<ClusterName>().is_err());
        assert!("eu-".parse::<ClusterName>().is_err());
        assert!("".parse::<ClusterName>().is_err());
        assert!("a".repeat(64).parse::<ClusterName>().is_err());
    }

    #[test]
    fn deserializing_validates() {
        let err = serde_json::from_str::<ClusterName>("\"Bad Name\"").unwrap_err();
        assert!(err.to_string().contains("cluster name"));
    }
}
