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

/// Which characters a [`NameRule`] allows (in a place).
pub type CharRule = fn(char) -> bool;

/// The common shape of a name rule: not empty, at most `max` bytes, only
/// characters `char_ok` allows, and (with `ends`) starting and ending with
/// one that rule allows. Each refusal gives its own reason.
pub struct NameRule {
    pub max: usize,
    /// Why a longer value is refused.
    pub too_long: &'static str,
    pub char_ok: CharRule,
    /// Why a value with another character is refused.
    pub bad_char: &'static str,
    /// What the first and last characters must be, and why.
    pub ends: Option<(CharRule, &'static str)>,
}

impl NameRule {
    /// Refuses `value` as a `kind` unless it keeps the rule.
    pub fn check(&self, kind: &'static str, value: &str) -> Result<(), InvalidName> {
        if value.is_empty() {
            return invalid(kind, value, "it must not be empty");
        }
        if value.len() > self.max {
            return invalid(kind, value, self.too_long);
        }
        if !value.chars().all(self.char_ok) {
            return invalid(kind, value, self.bad_char);
        }
        if let Some((end_ok, reason)) = self.ends {
            let starts_ok = value.chars().next().is_some_and(end_ok);
            let ends_ok = value.chars().last().is_some_and(end_ok);
            if !starts_ok || !ends_ok {
                return invalid(kind, value, reason);
            }
        }
        Ok(())
    }
}

/// The Kubernetes DNS-1123 label rules (RFC 1123): at most 63 characters,
/// lowercase alphanumerics or '-', starting and ending with an
/// alphanumeric.
const DNS1123_LABEL: NameRule = NameRule {
    max: 63,
    too_long: "it must be at most 63 characters",
    char_ok: |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
    bad_char: "it may contain only lowercase letters, digits and '-'",
    ends: Some((
        |c| c.is_ascii_lowercase() || c.is_ascii_digit(),
        "it must start and end with a lowercase letter or digit",
    )),
};

/// Checks the Kubernetes DNS-1123 label rules ([`DNS1123_LABEL`]).
pub fn check_dns1123_label(kind: &'static str, value: &str) -> Result<(), InvalidName> {
    DNS1123_LABEL.check(kind, value)
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
