//! The security officer's certificate signing approvals (SPEC §3): which
//! signers the console manages and their two-person rules, the inbox of
//! pending requests across the fleet, and the decisions (approve, deny,
//! upload a chain signed offline) that end in the cluster.

mod decide;
mod history;
pub mod http;
mod inbox;
mod mesh;
mod request;
mod turns;

pub use decide::{Decided, Denied, approve, deny, upload_chain};
pub use history::history;
pub use inbox::{inbox, request_pem};

use shared::csr::{ApprovalRule, DEFAULT_SIGNERS};

/// One signer the console signs for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerRule {
    /// `spec.signerName`, e.g. `istio.io/mesh-root`.
    pub name: String,
    /// The two-person rule: distinct officers needed (at least 1).
    pub required_approvals: u32,
    /// Whether `*` may appear in requested names.
    pub allow_wildcards: bool,
}

/// The signers the console manages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrSettings {
    pub signers: Vec<SignerRule>,
}

/// Signers whose certificates can sign others (the mesh root signs
/// istiod's intermediates): two distinct officers by default (issue 21),
/// lowered only by an explicit `NAME=1`, which the console warns about at
/// start.
pub const TWO_PERSON_SIGNERS: [&str; 1] = ["istio.io/mesh-root"];

/// The distinct officers `signer` needs when nobody configured it.
pub fn default_approvals(signer: &str) -> u32 {
    if TWO_PERSON_SIGNERS.contains(&signer) {
        2
    } else {
        1
    }
}

impl Default for CsrSettings {
    fn default() -> Self {
        Self {
            signers: DEFAULT_SIGNERS
                .iter()
                .map(|name| SignerRule::by_default(name))
                .collect(),
        }
    }
}

impl CsrSettings {
    /// The rule of `signer`, if the console manages it.
    pub fn rule(&self, signer: &str) -> Option<&SignerRule> {
        self.signers.iter().find(|s| s.name == signer)
    }

    /// Every managed signer name.
    pub fn names(&self) -> Vec<String> {
        self.signers.iter().map(|s| s.name.clone()).collect()
    }

    /// The signers configured below their default two-person rule, for
    /// the warning printed at start.
    pub fn lowered(&self) -> Vec<&SignerRule> {
        self.signers
            .iter()
            .filter(|s| s.required_approvals < default_approvals(&s.name))
            .collect()
    }
}

/// Why a `--csr-signers` entry does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSignerRule {
    #[error("{0:?}: the number of approvals must be a whole number of at least 1")]
    Approvals(String),
    #[error("{0:?}: a signer name is a domain and a path, e.g. istio.io/mesh-root")]
    Name(String),
}

impl std::str::FromStr for SignerRule {
    type Err = InvalidSignerRule;

    /// `NAME[=APPROVALS][+wildcards]`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (rest, allow_wildcards) = match s.strip_suffix("+wildcards") {
            Some(rest) => (rest, true),
            None => (s, false),
        };
        let (name, required_approvals) = match rest.split_once('=') {
            Some((name, n)) => match n.parse::<u32>() {
                Ok(n) if n >= 1 => (name, n),
                _ => return Err(InvalidSignerRule::Approvals(s.to_owned())),
            },
            None => (rest, default_approvals(rest)),
        };
        let valid = name.split_once('/').is_some_and(|(domain, path)| {
            !domain.is_empty() && domain.contains('.') && !path.is_empty()
        });
        if !valid {
            return Err(InvalidSignerRule::Name(s.to_owned()));
        }
        Ok(Self {
            name: name.to_owned(),
            required_approvals,
            allow_wildcards,
        })
    }
}

impl SignerRule {
    /// The signer's default approvals ([`default_approvals`]), no
    /// wildcards: the rule of a signer nobody configured.
    pub fn by_default(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            required_approvals: default_approvals(name),
            allow_wildcards: false,
        }
    }

    /// The rule for a request to this signer: one asking for a CA
    /// certificate (signed by the mesh root whatever the signer's name)
    /// keeps the mesh root's two-person default at least.
    pub fn for_request(&self, is_ca: bool) -> Self {
        let [root] = TWO_PERSON_SIGNERS;
        let floor = if is_ca { default_approvals(root) } else { 1 };
        Self {
            required_approvals: self.required_approvals.max(floor),
            ..self.clone()
        }
    }

    /// The two-person rule as the shared approval logic takes it.
    pub fn approval_rule(&self) -> ApprovalRule {
        ApprovalRule {
            required: self.required_approvals.max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signer_rules_parse_with_approvals_and_wildcards() {
        let rule: SignerRule = "istio.io/mesh-root=2+wildcards".parse().unwrap();
        assert_eq!(
            rule,
            SignerRule {
                name: "istio.io/mesh-root".into(),
                required_approvals: 2,
                allow_wildcards: true
            }
        );
        let plain: SignerRule = "example.com/workloads".parse().unwrap();
        assert_eq!(
            (plain.required_approvals, plain.allow_wildcards),
            (1, false)
        );
        let root: SignerRule = "istio.io/mesh-root".parse().unwrap();
        assert_eq!(root.required_approvals, 2, "the mesh root keeps two people");
        let lowered: SignerRule = "istio.io/mesh-root=1".parse().unwrap();
        let settings = CsrSettings {
            signers: vec![lowered, plain],
        };
        assert_eq!(settings.lowered().len(), 1);
        for bad in ["nope", "istio.io/x=0", "istio.io/x=two", "/x", "istio/x"] {
            assert!(bad.parse::<SignerRule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_ca_request_keeps_two_officers_whatever_its_signer() {
        let workload = SignerRule::by_default("istio.io/workload");
        assert_eq!(workload.for_request(false).required_approvals, 1);
        assert_eq!(workload.for_request(true).required_approvals, 2);
        let three: SignerRule = "istio.io/mesh-root=3".parse().unwrap();
        assert_eq!(three.for_request(true).required_approvals, 3);
    }

    #[test]
    fn the_mesh_root_needs_two_officers_unless_lowered() {
        let settings = CsrSettings::default();
        let required = |name: &str| settings.rule(name).map(|r| r.approval_rule().required);
        assert_eq!(required("istio.io/mesh-root"), Some(2));
        assert_eq!(required("istio.io/workload"), Some(1));
        assert!(settings.lowered().is_empty());
    }
}
