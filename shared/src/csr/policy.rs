//! The checks a request must pass before the mesh root signs it, each a
//! pass or fail with the reason the officer reads: identities in the
//! mesh's trust domains, CA requests only from istiod, a strong enough
//! key, and no wildcard names unless the signer allows them.

use serde::{Deserialize, Serialize};

use super::ISTIOD_SERVICE_ACCOUNT_PREFIX;
use super::view::{CsrView, KeyInfo, SubjectAltName};

/// What the checks are measured against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CsrPolicy {
    /// The mesh's trust domain first, then its aliases.
    pub trust_domains: Vec<String>,
    /// Whether `*` may appear in a DNS or URI name.
    pub allow_wildcards: bool,
}

/// Which rule a check applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    TrustDomain,
    CaRequester,
    KeyStrength,
    Wildcards,
}

impl CheckKind {
    pub fn title(self) -> &'static str {
        match self {
            CheckKind::TrustDomain => "Identities in the mesh's trust domain",
            CheckKind::CaRequester => "CA requests only from istiod",
            CheckKind::KeyStrength => "Key at least P-256 or RSA-2048",
            CheckKind::Wildcards => "No wildcard names",
        }
    }
}

/// One check's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PolicyCheck {
    pub check: CheckKind,
    pub passed: bool,
    pub reason: String,
}

/// Every check of one request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PolicyReport {
    pub checks: Vec<PolicyCheck>,
}

impl PolicyReport {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    /// The failed checks' reasons, joined for an error message.
    pub fn failures(&self) -> Vec<&str> {
        self.checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.reason.as_str())
            .collect()
    }
}

fn verdict(check: CheckKind, passed: bool, reason: String) -> PolicyCheck {
    PolicyCheck {
        check,
        passed,
        reason,
    }
}

impl CsrPolicy {
    /// Runs every check on `view`.
    pub fn check(&self, view: &CsrView) -> PolicyReport {
        PolicyReport {
            checks: vec![
                self.trust_domain(view),
                ca_requester(view),
                key_strength(&view.key),
                self.wildcards(view),
            ],
        }
    }

    fn trust_domain(&self, view: &CsrView) -> PolicyCheck {
        let ids = view.spiffe_ids();
        if ids.is_empty() {
            return verdict(
                CheckKind::TrustDomain,
                !view.is_ca,
                if view.is_ca {
                    "a CA request must name istiod's SPIFFE id; this one names none".into()
                } else {
                    "no SPIFFE id to check".into()
                },
            );
        }
        let foreign: Vec<&str> = view
            .sans
            .iter()
            .filter(|s| {
                s.spiffe_trust_domain()
                    .is_some_and(|td| !self.trust_domains.iter().any(|t| t == td))
            })
            .filter_map(|s| match s {
                SubjectAltName::Uri(u) => Some(u.as_str()),
                _ => None,
            })
            .collect();
        if foreign.is_empty() {
            verdict(
                CheckKind::TrustDomain,
                true,
                format!("every SPIFFE id is in {}", self.trust_domains.join(", ")),
            )
        } else {
            verdict(
                CheckKind::TrustDomain,
                false,
                format!(
                    "{} outside the mesh's trust domains ({})",
                    foreign.join(", "),
                    self.trust_domains.join(", ")
                ),
            )
        }
    }

    fn wildcards(&self, view: &CsrView) -> PolicyCheck {
        let wild: Vec<String> = view
            .sans
            .iter()
            .filter(|s| s.is_wildcard())
            .map(|s| match s {
                SubjectAltName::Dns(n) | SubjectAltName::Uri(n) => n.clone(),
                other => format!("{other:?}"),
            })
            .collect();
        match (wild.is_empty(), self.allow_wildcards) {
            (true, _) => verdict(CheckKind::Wildcards, true, "no wildcard names".into()),
            (false, true) => verdict(
                CheckKind::Wildcards,
                true,
                format!("wildcards allowed for this signer: {}", wild.join(", ")),
            ),
            (false, false) => verdict(
                CheckKind::Wildcards,
                false,
                format!("wildcard names are not allowed: {}", wild.join(", ")),
            ),
        }
    }
}

/// Whether `requester` is one of istiod's service accounts
/// (`istiod`, `istiod-<rev>`, `istiod-service-account` in `istio-system`).
pub fn is_istiod(requester: &str) -> bool {
    requester
        .strip_prefix(ISTIOD_SERVICE_ACCOUNT_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
}

fn ca_requester(view: &CsrView) -> PolicyCheck {
    if !view.is_ca {
        return verdict(CheckKind::CaRequester, true, "not a CA request".into());
    }
    match view.requester.as_deref() {
        Some(who) if is_istiod(who) => verdict(
            CheckKind::CaRequester,
            true,
            format!("CA request from istiod ({who})"),
        ),
        Some(who) => verdict(
            CheckKind::CaRequester,
            false,
            format!("a CA request from {who}: only istiod's service account may ask for a CA"),
        ),
        None => verdict(
            CheckKind::CaRequester,
            false,
            "a CA request from an unknown requester: only istiod's service account may ask for a CA"
                .into(),
        ),
    }
}

fn key_strength(key: &KeyInfo) -> PolicyCheck {
    let (passed, reason) = match key {
        KeyInfo::Ec { curve, bits } if *bits >= 256 => (true, format!("EC {curve}")),
        KeyInfo::Ec { curve, .. } => (false, format!("EC {curve} is weaker than P-256")),
        KeyInfo::Rsa { bits } if *bits >= 2048 => (true, format!("RSA {bits}")),
        KeyInfo::Rsa { bits } => (false, format!("RSA {bits} is shorter than 2048 bits")),
        KeyInfo::Ed25519 => (true, "Ed25519".into()),
        KeyInfo::Other { algorithm } => (false, format!("unknown key algorithm {algorithm}")),
    };
    verdict(CheckKind::KeyStrength, passed, reason)
}

#[cfg(test)]
mod tests {
    use super::super::view::fixtures::istiod_ca_request;
    use super::*;

    fn policy() -> CsrPolicy {
        CsrPolicy {
            trust_domains: vec!["cluster.local".into(), "proj-a.svc.id.goog".into()],
            allow_wildcards: false,
        }
    }

    fn failed(view: &CsrView) -> Vec<CheckKind> {
        policy()
            .check(view)
            .checks
            .into_iter()
            .filter(|c| !c.passed)
            .map(|c| c.check)
            .collect()
    }

    #[test]
    fn istiod_ca_request_in_the_mesh_passes() {
        let report = policy().check(&istiod_ca_request());
        assert!(report.passed(), "{report:?}");
        assert_eq!(report.checks.len(), 4);
    }

    #[test]
    fn foreign_trust_domain_fails_naming_the_id() {
        let mut view = istiod_ca_request();
        view.sans.push(SubjectAltName::Uri(
            "spiffe://evil.example/ns/x/sa/y".into(),
        ));
        let report = policy().check(&view);
        assert_eq!(failed(&view), vec![CheckKind::TrustDomain]);
        assert!(report.failures()[0].contains("spiffe://evil.example/ns/x/sa/y"));
    }

    #[test]
    fn aliases_count_as_the_mesh() {
        let mut view = istiod_ca_request();
        view.sans = vec![SubjectAltName::Uri(
            "spiffe://proj-a.svc.id.goog/ns/istio-system/sa/istiod".into(),
        )];
        assert!(failed(&view).is_empty());
    }

    #[test]
    fn ca_requests_only_from_istiod() {
        let mut view = istiod_ca_request();
        view.requester = Some("system:serviceaccount:default:sneaky".into());
        assert_eq!(failed(&view), vec![CheckKind::CaRequester]);
        view.requester = Some("system:serviceaccount:istio-system:istiodx".into());
        assert_eq!(failed(&view), vec![CheckKind::CaRequester]);
        view.requester = None;
        assert_eq!(failed(&view), vec![CheckKind::CaRequester]);
        for ok in ["istiod", "istiod-asm-1106-2", "istiod-service-account"] {
            view.requester = Some(format!("system:serviceaccount:istio-system:{ok}"));
            assert!(failed(&view).is_empty(), "{ok}");
        }
        view.is_ca = false;
        view.requester = Some("alice".into());
        assert!(failed(&view).is_empty());
    }

    #[test]
    fn weak_keys_fail() {
        let mut view = istiod_ca_request();
        view.key = KeyInfo::Rsa { bits: 1024 };
        assert_eq!(failed(&view), vec![CheckKind::KeyStrength]);
        view.key = KeyInfo::Rsa { bits: 2048 };
        assert!(failed(&view).is_empty());
        view.key = KeyInfo::Ec {
            curve: "P-224".into(),
            bits: 224,
        };
        assert_eq!(failed(&view), vec![CheckKind::KeyStrength]);
        view.key = KeyInfo::Other {
            algorithm: "1.2.3".into(),
        };
        assert_eq!(failed(&view), vec![CheckKind::KeyStrength]);
    }

    #[test]
    fn wildcards_fail_unless_allowed() {
        let mut view = istiod_ca_request();
        view.sans.push(SubjectAltName::Dns("*.mesh.example".into()));
        assert_eq!(failed(&view), vec![CheckKind::Wildcards]);
        let mut allowing = policy();
        allowing.allow_wildcards = true;
        assert!(allowing.check(&view).passed());
    }

    #[test]
    fn a_ca_request_without_identity_fails_a_leaf_does_not() {
        let mut view = istiod_ca_request();
        view.sans.clear();
        assert_eq!(failed(&view), vec![CheckKind::TrustDomain]);
        view.is_ca = false;
        assert!(failed(&view).is_empty());
    }
}
