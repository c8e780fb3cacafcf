//! The security officer's certificate signing approvals (SPEC §3): which
//! signers the console manages and their two-person rules, the inbox of
//! pending requests across the fleet, and the decisions (approve, deny,
//! upload a chain signed offline) that end in the cluster.

mod decide;
mod inbox;
mod mesh;
pub mod trust;

pub use decide::{Decided, Denied, approve, deny, upload_chain};
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

impl Default for CsrSettings {
    fn default() -> Self {
        Self {
            signers: DEFAULT_SIGNERS
                .iter()
                .map(|name| SignerRule {
                    name: (*name).to_owned(),
                    required_approvals: 1,
                    allow_wildcards: false,
                })
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
}

impl SignerRule {
    pub fn approval_rule(&self) -> ApprovalRule {
        ApprovalRule {
            required: self.required_approvals.max(1),
        }
    }
}
