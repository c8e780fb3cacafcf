//! What the console and the backend exchange about per-namespace migration
//! operations: the requests, the progress of a running migrate, rollback
//! or finish (step by step, like an install), and a namespace's
//! verification (pods per revision, stragglers by name).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::MigrationState;
use crate::ClusterName;
use crate::fleet::PodPhase;
use crate::mesh::{InstallPhase, InstallStep};

/// Which operation a run performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MigrationOp {
    /// Relabel for the target revision, rolling restart, watch.
    Migrate,
    /// Relabel back, rolling restart, gateway undo; the revision stays
    /// installed.
    Rollback,
    /// A revision's control plane deleted once nothing uses it: the old
    /// one at the end of a migration, or a rolled-back new one.
    Finish,
}

impl MigrationOp {
    pub fn title(self) -> &'static str {
        match self {
            MigrationOp::Migrate => "Migrate",
            MigrationOp::Rollback => "Roll back",
            MigrationOp::Finish => "Finish",
        }
    }
}

/// Migrates `namespace` on `cluster` to `revision`, or rolls it back from
/// `revision` to the default one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NamespaceRequest {
    pub cluster: ClusterName,
    pub namespace: String,
    pub revision: String,
}

/// Deletes `revision`'s control plane from `cluster` (the old one: the
/// default revision's plain `istiod` unless named).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FinishRequest {
    pub cluster: ClusterName,
    #[serde(default = "default_revision")]
    pub revision: String,
}

fn default_revision() -> String {
    crate::fleet::DEFAULT_REVISION.to_owned()
}

/// A running or finished migration operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MigrationRun {
    pub id: String,
    pub op: MigrationOp,
    pub cluster: ClusterName,
    /// Absent for finish, which concerns the whole cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The target of a migrate, the revision rolled back from, or the one
    /// a finish deletes.
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

impl MigrationRun {
    /// The failed step and why, if any.
    pub fn failure(&self) -> Option<(&str, &str)> {
        crate::mesh::install::failed_step(&self.steps)
    }
}

/// A pod not (yet) running the expected revision, or not Ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Straggler {
    pub name: String,
    /// Its proxy's revision; absent without a proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    pub phase: PodPhase,
    pub ready: bool,
}

/// `GET …/namespaces/{ns}/verify?revision=`: where a namespace stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Verification {
    pub cluster: ClusterName,
    pub namespace: String,
    pub revision: String,
    pub state: MigrationState,
    /// Pods by proxy revision; the empty key counts pods without one.
    pub pods: BTreeMap<String, u32>,
    /// Pods on the revision (`kubectl get pods -l istio.io/rev=<rev>`).
    pub on_revision: Vec<String>,
    /// Pods that would block a migration from being done, by name.
    pub stragglers: Vec<Straggler>,
}

impl Verification {
    /// Every pod runs the revision and is Ready.
    pub fn complete(&self) -> bool {
        self.stragglers.is_empty() && !self.on_revision.is_empty()
    }
}
