//! Installing a mesh control plane revision (SPEC §2.1–2.3): the typed
//! install [`settings`] and their [`revision`] names, the [`preflight`]
//! rules run before an install (in the browser for instant feedback, in the
//! backend as the authority), and the [`plan`]: the ordered Kubernetes
//! objects a revisioned install applies. All pure: the backend gathers the
//! inputs (fleet snapshot, Services, membership) and applies the plan.

pub mod catalogue;
pub mod fleet_plan;
pub mod form;
pub mod hsm;
pub mod hsm_owner;
pub mod install;
pub mod migration;
pub mod plan;
pub mod preflight;
pub mod revision;
pub mod settings;

pub use catalogue::{Catalogue, CatalogueError, KubeMinor, KubeRange, Release};
pub use hsm::{HsmReadiness, HsmSettings, HsmSlotProvisioned, HsmSlotRequest};
pub use install::{
    InstallContext, InstallPhase, InstallProgress, InstallRequest, InstallStep, PlanRequest,
    PlanReview, StepState,
};
pub use plan::{Content, Plan, PlannedObject};
pub use preflight::{
    Check, CheckOverride, CheckResult, InstallBlocked, Override, OverrideError, PreflightInput,
    PreflightReport, ServicePort, ServicePorts, Verdict,
};
pub use revision::{Revision, VersionTag};
pub use settings::{
    CaMode, InstallSettings, MeshId, NetworkId, Profile, SettingsField, SettingsProblem,
    TrustDomain,
};

/// The namespace every control plane revision is installed into.
pub const ISTIO_SYSTEM: &str = "istio-system";
/// The label naming a control plane revision.
pub const REV_LABEL: &str = "istio.io/rev";
/// The namespace label naming the default network of a cluster.
pub const NETWORK_LABEL: &str = "topology.istio.io/network";
/// Where ASM images come from (the seeds' `anthos.servicemesh.hub`).
pub const ASM_HUB: &str = "gcr.io/gke-release/asm";
