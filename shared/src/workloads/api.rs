//! What the console and the backend exchange about workload deployments:
//! the deploy request (spec text, target, registry access, AWS identity),
//! its preview, recorded migrations with their live status, and the
//! doctor's report. Credentials travel only browser → backend.

use serde::{Deserialize, Serialize};

use super::access::RegistryAccess;
use super::doctor::Diagnosis;
use super::identity::AwsIdentity;
use super::images::ImageRef;
use super::pull_secret::SecretMode;
use super::rollout::RolloutState;
use crate::diff::ObjectDiff;

/// A spec to deploy on `cluster`/`namespace`, with the registry access and
/// workload identity options the operator chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DeployRequest {
    /// The migration's name; the first workload's name when absent.
    #[serde(default)]
    pub name: Option<String>,
    pub cluster: String,
    pub namespace: String,
    /// The `deployment_spec.yaml` text.
    pub spec: String,
    #[serde(default)]
    pub pull_secret: Option<PullSecretInput>,
    #[serde(default)]
    pub aws_identity: Option<AwsIdentity>,
}

/// A pull secret to create and how to wire it. Exactly one of `json_key`
/// and `basic` is given.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PullSecretInput {
    pub mode: SecretMode,
    /// A Google service account JSON key (the file's text).
    #[serde(default)]
    pub json_key: Option<String>,
    #[serde(default)]
    pub basic: Option<BasicAuth>,
    /// The secret's name: `gcr-json-key` for a JSON key, else
    /// `<host>-pull`, when absent.
    #[serde(default)]
    pub name: Option<String>,
}

impl std::fmt::Debug for PullSecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PullSecretInput")
            .field("mode", &self.mode)
            .field("json_key", &self.json_key.as_ref().map(|_| "(hidden)"))
            .field("basic", &self.basic.as_ref().map(|b| &b.server))
            .field("name", &self.name)
            .finish()
    }
}

/// A registry user and password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct BasicAuth {
    pub server: String,
    pub username: String,
    pub password: String,
}

/// What deploying a request would do, before anything changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Preview {
    pub name: String,
    pub cluster: String,
    pub namespace: String,
    pub images: Vec<ImageRef>,
    pub registries: Vec<RegistryAccess>,
    /// The dry-run diff of every object; a secret shows its name and type
    /// only.
    pub changes: Vec<ObjectDiff>,
}

/// An object a migration applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AppliedObject {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// Whether the migration created the object; only those it created are
    /// deleted with it. Records from before this was kept say created.
    #[serde(default)]
    pub origin: Origin,
}

/// How an object came to be part of a migration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The migration's apply created it.
    #[default]
    Created,
    /// It existed, applied by another migration in the same namespace.
    Shared,
    /// It existed under another owner and the operator took it over.
    TakenOver,
}

impl AppliedObject {
    /// `Kind/name`.
    pub fn title(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }

    /// Whether `other` names the same object, whatever its origin.
    pub fn same_object(&self, other: &AppliedObject) -> bool {
        self.api_version == other.api_version && self.kind == other.kind && self.name == other.name
    }
}

/// A deploy that takes over objects other owners manage: the request, and
/// the objects the operator confirms taking over, each as `Kind
/// namespace/name` (`Deployment blue/foo`), exactly those the refused
/// deploy named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TakeoverRequest {
    #[serde(flatten)]
    pub deploy: DeployRequest,
    pub take_over: Vec<String>,
}

/// A deployed spec, as the console recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Migration {
    pub id: String,
    pub name: String,
    pub cluster: String,
    pub namespace: String,
    /// In apply order; deleted in reverse.
    pub objects: Vec<AppliedObject>,
    /// The pull secret the console added to the namespace's default service
    /// account for it, if any.
    pub service_account_secret: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One workload's rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct WorkloadStatus {
    pub kind: String,
    pub name: String,
    pub desired: u32,
    pub available: u32,
    pub state: RolloutState,
}

/// One pod of a migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PodStatus {
    pub name: String,
    pub phase: String,
    pub ready: bool,
    /// The first waiting reason of its containers.
    pub waiting: Option<String>,
}

/// A recent event of the migration's objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct EventView {
    pub kind: String,
    pub object: String,
    pub reason: String,
    pub message: String,
    pub count: u32,
    /// RFC 3339, as the cluster reported it.
    pub at: Option<String>,
}

/// A migration with its live rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MigrationStatus {
    pub migration: Migration,
    pub state: RolloutState,
    pub workloads: Vec<WorkloadStatus>,
    pub pods: Vec<PodStatus>,
    pub events: Vec<EventView>,
    /// Set when the cluster could not be read.
    #[serde(default)]
    pub error: Option<String>,
}

/// The doctor's answer for a migration's stuck pods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DoctorReport {
    pub migration: String,
    pub cluster: String,
    pub diagnoses: Vec<Diagnosis>,
}

/// The doctor's offered fix, with the operator's credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RegistryAccessRequest {
    pub pull_secret: PullSecretInput,
}
