//! A migration run's job: what each step does on the cluster (relabel,
//! restart, wait, undo the gateway, delete the control plane) and the
//! audit entry of its end. Every step is idempotent: a relabel already
//! made, a Deployment whose pods already run the revision, an object
//! already gone are reported as such and not done twice.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::mesh::migration::run::{MigrationOp, MigrationRun};
use shared::mesh::migration::{Doomed, ensure_unused, istiod_name};
use shared::{Outcome, fleet::DEFAULT_REVISION};

use super::book::MigrationExtra;
use crate::audit::{self, Actor, Event};
use crate::cluster::MemberApi;
use crate::cluster::mesh::control_plane;
use crate::cluster::mesh::error::MigrationError;
use crate::cluster::mesh::workload::{self, MigrationTiming, Stamp};
use crate::runs::{RunPlan, StepJob, stepped_run};
use crate::state::AppState;

/// What one step does.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Work {
    Relabel(Value),
    Restart(String),
    Wait(String),
    UndoGateway,
    /// A rollback stored before removing a revision became its own,
    /// confirmed action: the revision's control plane and webhooks, once
    /// nothing on the cluster uses it. New runs never plan it.
    RemoveIfUnused,
    /// A run stored before deletes carried the uid the plan saw.
    Delete(Doomed),
    /// Finish's `istiod` Service: kept while it is the validation
    /// webhooks' Service of another revision.
    DeleteUnlessValidating(Doomed),
    /// Deletes the object the plan saw (`uid`; `None`: absent then), not
    /// one made since under its name.
    DeleteSeen {
        doomed: Doomed,
        uid: Option<String>,
    },
    /// [`Work::DeleteUnlessValidating`] of the object the plan saw.
    DeleteSeenUnlessValidating {
        doomed: Doomed,
        uid: Option<String>,
    },
    /// Finish of a revision the validation Service selects: point it
    /// back at the unrevisioned control plane.
    RestoreValidation,
}

/// A failed migration step, naming its cluster.
#[derive(Debug, thiserror::Error)]
#[error("{cluster}: {source}")]
pub struct MigrationStepError {
    cluster: String,
    #[source]
    source: MigrationError,
}

/// What a migration run does, stored with it: each step's work, and
/// the role of the operator who started it (for the audit of its end).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrationPlan {
    pub work: Vec<Work>,
    pub role: Option<String>,
}

impl RunPlan for MigrationPlan {
    fn role(&self) -> Option<String> {
        self.role.clone()
    }
}

stepped_run!(
    MigrationRun,
    kind = "migration",
    extra = MigrationExtra,
    plan = MigrationPlan
);

/// One migration run's job: its cluster's client and operator.
pub(super) struct Migration {
    state: AppState,
    client: MemberApi,
    stamp: Stamp,
    timing: MigrationTiming,
    actor: Actor,
}

impl Migration {
    /// The job of `run` as started by `actor` (or resumed), its restarts
    /// stamped with the run's id and start so that a resumed run sees
    /// which it already made.
    pub fn of(state: &AppState, client: MemberApi, run: &MigrationRun, actor: Actor) -> Self {
        Self {
            state: state.clone(),
            client,
            stamp: Stamp::new(run.started, &run.id),
            timing: state.migrations().timing(),
            actor,
        }
    }
}

impl StepJob<MigrationRun> for Migration {
    type Work = Work;
    type Error = MigrationStepError;

    async fn perform(&self, work: Work, run: &MigrationRun) -> Result<String, MigrationStepError> {
        self.step(work, run)
            .await
            .map_err(|source| MigrationStepError {
                cluster: run.cluster.to_string(),
                source,
            })
    }

    /// The run's end is audited too: the request was, but its outcome is
    /// only known now.
    async fn ended(&self, run: &MigrationRun) {
        let (action, outcome) = match (run.op, run.failure()) {
            (MigrationOp::Migrate, f) => ("mesh.migrate.outcome", f),
            (MigrationOp::Rollback, f) => ("mesh.rollback.outcome", f),
            (MigrationOp::Finish, f) => ("mesh.finish.outcome", f),
        };
        let mut event = Event::new(
            action,
            if outcome.is_some() {
                Outcome::Failure
            } else {
                Outcome::Success
            },
        )
        .cluster(run.cluster.to_string())
        .target(match &run.namespace {
            Some(ns) => format!("namespace {ns}"),
            None => format!("control plane {}", istiod_name(&run.revision)),
        })
        .param("revision", &run.revision)
        .param("run", &run.id);
        if let Some((step, message)) = outcome {
            event = event.param("failed_step", step).param("error", message);
        }
        if let Err(err) = audit::record(&self.state, self.actor.clone(), None, event).await {
            tracing::error!(error = %err, "the audit log refused a migration's end");
        }
    }
}

impl Migration {
    async fn step(&self, work: Work, run: &MigrationRun) -> Result<String, MigrationError> {
        let namespace = run.namespace.as_deref().unwrap_or_default();
        let target = match run.op {
            MigrationOp::Migrate => run.revision.as_str(),
            _ => DEFAULT_REVISION,
        };
        match work {
            Work::Relabel(patch) => Ok(
                if workload::relabel(&self.client, namespace, &patch).await? {
                    "relabelled"
                } else {
                    "unchanged: already labelled so"
                }
                .to_owned(),
            ),
            Work::Restart(deployment) => {
                workload::restart(&self.client, namespace, &deployment, target, &self.stamp)
                    .await
                    .map(|r| r.as_str().to_owned())
            }
            Work::Wait(target) => {
                workload::wait_until_on(&self.client, namespace, &target, self.timing).await
            }
            Work::UndoGateway => {
                let version = control_plane::istiod_version(&self.client, &run.revision).await?;
                control_plane::undo_gateway(&self.client, &run.revision, version.as_deref()).await
            }
            Work::RemoveIfUnused => self.remove_if_unused(run).await,
            Work::RestoreValidation => {
                control_plane::restore_validation(&self.client, &run.revision).await
            }
            Work::Delete(doomed) => control_plane::delete(&self.client, &doomed, None)
                .await
                .map(str::to_owned),
            Work::DeleteSeen { doomed, uid } => {
                control_plane::delete(&self.client, &doomed, uid.as_deref())
                    .await
                    .map(str::to_owned)
            }
            Work::DeleteUnlessValidating(doomed) => {
                control_plane::delete_unless_validating(&self.client, &doomed, None, &run.revision)
                    .await
            }
            Work::DeleteSeenUnlessValidating { doomed, uid } => {
                let uid = uid.as_deref();
                control_plane::delete_unless_validating(&self.client, &doomed, uid, &run.revision)
                    .await
            }
        }
    }

    async fn remove_if_unused(&self, run: &MigrationRun) -> Result<String, MigrationError> {
        let cluster = self
            .state
            .fleet()
            .cluster(run.cluster.as_str())
            .ok_or_else(|| MigrationError::LeftFleet {
                cluster: run.cluster.to_string(),
            })?;
        let live = control_plane::live_usage(&self.client, cluster).await?;
        let doomed = match ensure_unused(&live, &run.revision) {
            Ok(doomed) => doomed,
            Err(still) => return Ok(format!("kept {}: {still}", istiod_name(&run.revision))),
        };
        let mut done = Vec::new();
        let webhooks = control_plane::webhooks_of(&self.client, &run.revision).await?;
        for d in doomed.iter().chain(&webhooks) {
            let outcome = control_plane::delete(&self.client, d, None).await?;
            done.push(format!("{} {outcome}", d.title()));
        }
        done.push(control_plane::restore_validation(&self.client, &run.revision).await?);
        Ok(done.join("; "))
    }
}
