//! Certificate signing approvals (SPEC §3): the decoded view of a request
//! the security officer reviews, the policy checks run on it, the
//! two-person rule deciding when enough officers approved, and the DTOs of
//! the inbox, decisions and trust inventory. Pure: the backend decodes the
//! DER and acts on clusters; the console shows the same checks.

pub mod approval;
pub mod grants;
pub mod history;
pub mod inbox;
pub mod policy;
pub mod roots;
pub mod trust;
pub mod unknown;
pub mod view;

pub use approval::{ApprovalRefused, ApprovalRule, ApprovalState};
pub use grants::{
    GrantProblem, GrantState, GrantedIssuance, IssuanceGrant, IssuanceGrants, ProposeGrant,
};
pub use history::{
    CsrHistory, DEFAULT_HISTORY_DAYS, DecidedRequest, MAX_HISTORY_DAYS, Verdict, decided_request,
};
pub use inbox::{
    ApproveOutcome, CsrCount, CsrDecision, CsrInbox, CsrSource, DenyRequest, HSM_REQUEST_NAME,
    InboxItem, UploadChain,
};
pub use policy::{CheckKind, CsrPolicy, PolicyCheck, PolicyReport};
pub use roots::{
    BundlePublished, CreateRoot, ImportRoot, MeshRoot, MeshRoots, PublishFailure, RootRotated,
    RootState, normalise_fingerprint,
};
pub use trust::{ClusterTrust, TrustInventory, TrustWarning};
pub use unknown::TrustPart;
pub use view::{CsrView, KeyInfo, SubjectAltName};

/// Signer names the console manages by default: istiod's requests for an
/// intermediate CA under the mesh root, and workload certificates the mesh
/// root signs directly. Istio names external-CA signers `istio.io/<name>`.
pub const DEFAULT_SIGNERS: [&str; 2] = ["istio.io/mesh-root", "istio.io/workload"];

/// The service accounts of istiod, as Kubernetes names a requester
/// (`system:serviceaccount:<ns>:<name>`): the seeds' HSM install binds
/// `istiod-service-account`; revisioned installs run as `istiod-<rev>` or
/// `istiod`.
pub const ISTIOD_SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:istio-system:istiod";

/// Days before an expiry that the trust inventory warns.
pub const EXPIRY_WARNING_DAYS: i64 = 30;
