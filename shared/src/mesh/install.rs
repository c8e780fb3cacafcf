//! What the console and the backend exchange about an install: the plan
//! the operator reviews (preflight, per-object diff) and the progress of a
//! running install, step by step.

use serde::{Deserialize, Serialize};

use super::preflight::{CheckOverride, InstallBlocked, PreflightReport};
use super::settings::InstallSettings;
use crate::ClusterName;
use crate::diff::ObjectDiff;

/// Asks for a reviewed plan: `settings` on `cluster`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PlanRequest {
    pub cluster: ClusterName,
    pub settings: InstallSettings,
}

/// A plan ready for review: what preflight found and what applying each
/// object would change on the live cluster (a server-side dry run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PlanReview {
    /// Names the plan when the operator applies it.
    pub id: String,
    pub cluster: ClusterName,
    pub settings: InstallSettings,
    pub preflight: PreflightReport,
    /// Set when failed checks block the install (an override may lift it).
    pub blocked: Option<InstallBlocked>,
    /// In apply order.
    pub objects: Vec<ObjectDiff>,
}

/// Applies a reviewed plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct InstallRequest {
    pub plan: String,
    /// One override per failed check, each saying why that check does
    /// not matter here (see [`super::Override`]); audited.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<CheckOverride>,
}

/// Where one step of an install is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StepState {
    Pending,
    Running,
    Done {
        /// What happened, e.g. `created`, `configured`, `unchanged`.
        outcome: String,
    },
    Failed {
        message: String,
    },
}

/// One step: applying an object, waiting for istiod, verifying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct InstallStep {
    pub title: String,
    #[serde(flatten)]
    pub state: StepState,
}

/// The title of the failed step among `steps` and why it failed, if one
/// did.
pub fn failed_step(steps: &[InstallStep]) -> Option<(&str, &str)> {
    steps.iter().find_map(|s| match &s.state {
        StepState::Failed { message } => Some((s.title.as_str(), message.as_str())),
        _ => None,
    })
}

/// How many of `steps` are done, and how many there are.
pub fn steps_done(steps: &[InstallStep]) -> (usize, usize) {
    let done = steps
        .iter()
        .filter(|s| matches!(s.state, StepState::Done { .. }))
        .count();
    (done, steps.len())
}

/// Where an install as a whole is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InstallPhase {
    Running,
    /// Every object applied, istiod Ready and its pods on the revision.
    Succeeded,
    /// A step failed; re-running the plan continues from the live state.
    Failed,
}

/// A running or finished install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct InstallProgress {
    pub id: String,
    pub plan: String,
    pub cluster: ClusterName,
    pub revision: String,
    pub phase: InstallPhase,
    pub steps: Vec<InstallStep>,
    /// The operator who started it.
    pub by: String,
    /// Unix seconds.
    pub started: i64,
    /// When it succeeded or failed, Unix seconds; absent while it runs
    /// (and for runs stored before the console recorded it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<i64>,
}

impl InstallProgress {
    /// The failed step, if any.
    pub fn failure(&self) -> Option<(&str, &str)> {
        failed_step(&self.steps)
    }

    /// Steps finished, of all.
    pub fn done(&self) -> (usize, usize) {
        steps_done(&self.steps)
    }
}

/// What preflight reads from a cluster beyond the fleet snapshot, so the
/// console can run the same checks in the browser as the settings change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct InstallContext {
    pub cluster: ClusterName,
    pub services: Vec<super::ServicePorts>,
    pub membership: Option<String>,
    pub admin: bool,
    /// The Vault server the console reads HSM credentials from, if it has
    /// one (the HSM settings' default).
    #[serde(default)]
    pub vault_addr: Option<String>,
    /// The last check of HSM settings against Vault and the HSM (the
    /// browser asks for one as the settings change).
    #[serde(default)]
    pub hsm: Option<super::HsmReadiness>,
    /// The meshes with a root a security officer created (preflight's CA
    /// check for Istio CA and HSM mode).
    #[serde(default)]
    pub mesh_roots: Vec<super::MeshId>,
    /// What the active issuance grants allow on this cluster.
    #[serde(default)]
    pub issuance: Vec<crate::csr::GrantedIssuance>,
}
