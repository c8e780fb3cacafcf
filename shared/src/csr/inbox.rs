//! The officer's inbox and decisions as the API carries them: pending
//! requests across the fleet with their decoded view and checks, the
//! approve/deny/upload bodies and outcomes, and the badge count.

use serde::{Deserialize, Serialize};

use super::policy::PolicyCheck;
use super::view::CsrView;

/// Where a request comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CsrSource {
    /// A `certificates.k8s.io/v1` CertificateSigningRequest.
    Kubernetes { name: String, uid: String },
    /// istiod in HSM mode: its CSR encrypted with the cluster's KEK in
    /// secret `istio-system/istio-ca-cert-csr` (SPEC §2.2 mode 3), answered
    /// with secret `istio-ca-cert`.
    IstiodHsm {
        /// The uid of the `istio-ca-cert-csr` secret (approvals are kept
        /// per request).
        uid: String,
        /// The revision whose istiod asked (`istio.io/rev`).
        revision: Option<String>,
        /// The HSM slot and KEK that decrypted it.
        slot_label: Option<String>,
        kek_id: Option<String>,
    },
}

/// The inbox name of istiod's HSM request on a cluster (the path segment
/// of its decision endpoints): the secret it lives in.
pub const HSM_REQUEST_NAME: &str = "istio-system.istio-ca-cert-csr";

/// One pending request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct InboxItem {
    /// The member cluster it was made on.
    pub cluster: String,
    /// Its name there (the path segment of its decision endpoints).
    pub name: String,
    pub source: CsrSource,
    /// Creation time, Unix seconds.
    pub created: Option<i64>,
    /// The decoded request; `None` when it does not decode (`problem` says
    /// why).
    pub view: Option<CsrView>,
    pub problem: Option<String>,
    pub checks: Vec<PolicyCheck>,
    /// Officers who approved so far, in order.
    pub approvals: Vec<String>,
    /// How many distinct officers must approve (the signer's rule).
    pub required_approvals: u32,
}

impl InboxItem {
    /// Whether every check passed and the request decoded.
    pub fn signable(&self) -> bool {
        self.view.is_some() && self.problem.is_none() && self.checks.iter().all(|c| c.passed)
    }
}

/// `POST …/deny`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DenyRequest {
    pub reason: String,
}

/// `POST …/chain`: a chain signed elsewhere (offline ceremony), the
/// certificate first, then intermediates, optionally the root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UploadChain {
    pub chain_pem: String,
}

/// What an approval did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ApproveOutcome {
    /// Recorded; more officers must approve.
    Pending {
        approvals: Vec<String>,
        required: u32,
    },
    /// Signed and written back to the cluster.
    Issued(CsrDecision),
}

/// The certificate written back for a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CsrDecision {
    pub cluster: String,
    pub name: String,
    /// Serial number, hex.
    pub serial: String,
    /// SHA-256 of the certificate's DER, `AA:BB:…`.
    pub sha256_fingerprint: String,
    /// The chain written (certificate first), public.
    pub chain_pem: String,
    pub approvers: Vec<String>,
}

/// The badge: how many requests wait.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CsrCount {
    pub pending: usize,
    /// Members not read (not answering within the call timeout, or
    /// failing): their requests are not counted.
    #[serde(default)]
    pub unread: Vec<String>,
}

/// `GET /api/csrs`: the pending requests, and the members that could not
/// be asked (so an empty inbox is not mistaken for a quiet fleet).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CsrInbox {
    pub items: Vec<InboxItem>,
    /// `cluster: why`, one per member not read.
    pub unreadable: Vec<String>,
}
