//! Migrate, rollback and finish as runs: the steps are fixed when the run
//! starts (so the operator sees what will happen), performed in order,
//! each published as it changes; a run stops at its first failed step and
//! its end is audited. Every step is idempotent: a relabel already made, a
//! Deployment whose pods already run the revision, an object already gone
//! are reported as such and not done twice.

use serde_json::Value;
use shared::mesh::migration::run::{FinishRequest, MigrationOp, MigrationRun, NamespaceRequest};
use shared::mesh::migration::{self, Doomed, ensure_unused, istiod_name};
use shared::mesh::{InstallPhase, InstallStep, Revision, StepState};
use shared::{Outcome, fleet::DEFAULT_REVISION};
use tokio::sync::watch;

use super::MigrationTiming;
use super::workload::{self, Stamp};
use crate::audit::{self, Actor, Event};
use crate::cluster::mesh::control_plane;
use crate::error::AppError;
use crate::state::AppState;

/// What one step does.
#[derive(Debug, Clone)]
enum Work {
    Relabel(Value),
    Restart(String),
    Wait(String),
    UndoGateway,
    /// Rollback's cleanup: the revision's control plane and webhooks,
    /// once nothing on the cluster uses it.
    RemoveIfUnused,
    Delete(Doomed),
    /// Finish's `istiod` Service: kept while it is the validation
    /// webhooks' Service of another revision.
    DeleteUnlessValidating(Doomed),
}

fn pending(title: String) -> InstallStep {
    InstallStep {
        title,
        state: StepState::Pending,
    }
}

fn revision_of(text: &str) -> Result<Revision, AppError> {
    text.parse()
        .map_err(|e: shared::InvalidName| AppError::BadRequest(e.to_string()))
}

/// The known cluster `name` and its client; the namespace must exist.
fn member(
    state: &AppState,
    name: &str,
    namespace: Option<&str>,
) -> Result<(shared::fleet::Cluster, kube::Client), AppError> {
    let cluster = state
        .fleet()
        .cluster(name)
        .ok_or_else(|| AppError::UnknownCluster(name.to_owned()))?;
    let client = state.fleet().client(name)?;
    if let Some(ns) = namespace
        && cluster.reachability.is_reachable()
        && cluster.namespace(ns).is_none()
    {
        return Err(AppError::NotFoundOn {
            cluster: name.to_owned(),
            message: format!("no namespace {ns:?}"),
        });
    }
    Ok((cluster, client))
}

/// The steps relabelling `namespace` with `patch`, restarting its
/// Deployments and waiting for `target`.
async fn namespace_steps(
    client: &kube::Client,
    namespace: &str,
    patch: Value,
    label_title: String,
    target: &str,
) -> Result<(Vec<Work>, Vec<InstallStep>), AppError> {
    let deployments = workload::deployments(client, namespace)
        .await
        .map_err(AppError::Internal)?;
    let mut work = vec![Work::Relabel(patch)];
    let mut steps = vec![pending(label_title)];
    for d in &deployments {
        let name = workload::name_of(d);
        steps.push(pending(format!(
            "Rolling restart of Deployment {namespace}/{name}"
        )));
        work.push(Work::Restart(name));
    }
    work.push(Work::Wait(target.to_owned()));
    steps.push(pending(format!(
        "Wait until every pod of {namespace} runs {target} and is Ready"
    )));
    Ok((work, steps))
}

/// Starts migrating a namespace to a revision installed on its cluster.
pub async fn migrate(
    state: &AppState,
    request: NamespaceRequest,
    actor: Actor,
) -> Result<MigrationRun, AppError> {
    let revision = revision_of(&request.revision)?;
    let (cluster, client) = member(state, request.cluster.as_str(), Some(&request.namespace))?;
    if !cluster
        .control_planes
        .iter()
        .any(|cp| cp.revision == revision.as_str() && cp.webhook)
    {
        return Err(AppError::Conflict(format!(
            "revision {revision} is not installed on {}: no injection webhook serves it; install it first",
            request.cluster
        )));
    }
    let ns = &request.namespace;
    let (work, steps) = namespace_steps(
        &client,
        ns,
        migration::migrate_patch(revision.as_str()),
        format!("Label namespace {ns} istio.io/rev={revision}, remove istio-injection"),
        revision.as_str(),
    )
    .await?;
    launch(
        state,
        client,
        MigrationOp::Migrate,
        request.cluster,
        Some(ns.clone()),
        revision.to_string(),
        work,
        steps,
        actor,
    )
}

/// Starts rolling a namespace back from `revision` to the default one.
pub async fn rollback(
    state: &AppState,
    request: NamespaceRequest,
    actor: Actor,
) -> Result<MigrationRun, AppError> {
    let revision = revision_of(&request.revision)?;
    let (_, client) = member(state, request.cluster.as_str(), Some(&request.namespace))?;
    let ns = &request.namespace;
    let (mut work, mut steps) = namespace_steps(
        &client,
        ns,
        migration::rollback_patch(),
        format!("Label namespace {ns} istio-injection=enabled, remove istio.io/rev"),
        DEFAULT_REVISION,
    )
    .await?;
    work.push(Work::UndoGateway);
    steps.push(pending(format!(
        "Roll istio-ingressgateway back if it was moved to {revision}"
    )));
    work.push(Work::RemoveIfUnused);
    steps.push(pending(format!(
        "Delete {} (Service, Deployment, HPA, PDB) and its webhooks once no namespace uses {revision}; point the validation Service istiod back at the default revision if it selects {revision}",
        revision.istiod()
    )));
    launch(
        state,
        client,
        MigrationOp::Rollback,
        request.cluster,
        Some(ns.clone()),
        revision.to_string(),
        work,
        steps,
        actor,
    )
}

/// Starts deleting the old control plane, refused (409) while any
/// namespace label or pod on the cluster still uses it.
pub async fn finish(
    state: &AppState,
    request: FinishRequest,
    actor: Actor,
) -> Result<MigrationRun, AppError> {
    if request.revision != DEFAULT_REVISION {
        revision_of(&request.revision)?;
    }
    let (cluster, client) = member(state, request.cluster.as_str(), None)?;
    let live = control_plane::live_usage(&client, cluster)
        .await
        .map_err(|reason| AppError::ClusterUnreachable {
            cluster: request.cluster.to_string(),
            reason,
        })?;
    let doomed = ensure_unused(&live, &request.revision)
        .map_err(|still| AppError::Conflict(still.to_string()))?;
    let on_cluster = |reason| AppError::ClusterUnreachable {
        cluster: request.cluster.to_string(),
        reason,
    };
    let webhooks = control_plane::webhooks_of(&client, &request.revision)
        .await
        .map_err(on_cluster)?;
    let validation = control_plane::validation_revision(&client)
        .await
        .map_err(on_cluster)?;
    let mut steps = Vec::new();
    let mut work = Vec::new();
    for d in doomed.into_iter().chain(webhooks) {
        let validating = d.kind == "Service" && d.name == control_plane::VALIDATION_SERVICE;
        match validation.as_deref() {
            Some(selected) if validating && selected != request.revision => {
                steps.push(pending(format!(
                    "Keep {} (the validation webhooks' Service, selecting {selected})",
                    d.title()
                )));
                work.push(Work::DeleteUnlessValidating(d));
            }
            _ => {
                steps.push(pending(format!("Delete {}", d.title())));
                work.push(Work::Delete(d));
            }
        }
    }
    launch(
        state,
        client,
        MigrationOp::Finish,
        request.cluster,
        None,
        request.revision,
        work,
        steps,
        actor,
    )
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call per operation, all fields of the run"
)]
fn launch(
    state: &AppState,
    client: kube::Client,
    op: MigrationOp,
    cluster: shared::ClusterName,
    namespace: Option<String>,
    revision: String,
    work: Vec<Work>,
    steps: Vec<InstallStep>,
    actor: Actor,
) -> Result<MigrationRun, AppError> {
    let now = state.clock().now();
    let migrations = state.migrations();
    let prefix = format!(
        "{}-{cluster}{}",
        match op {
            MigrationOp::Migrate => "migrate",
            MigrationOp::Rollback => "rollback",
            MigrationOp::Finish => "finish",
        },
        namespace
            .as_deref()
            .map(|n| format!("-{n}"))
            .unwrap_or_default()
    );
    let run = MigrationRun {
        id: migrations.next_id(&prefix, now),
        op,
        cluster,
        namespace,
        revision,
        phase: InstallPhase::Running,
        steps,
        by: actor.name.clone(),
        started: now,
    };
    let tx = migrations.register(&run).map_err(AppError::Conflict)?;
    let runner = Runner {
        state: state.clone(),
        client,
        stamp: Stamp::new(now, &run.id),
        timing: migrations.timing(),
        tx,
    };
    tokio::spawn(runner.run(work, actor));
    Ok(run)
}

struct Runner {
    state: AppState,
    client: kube::Client,
    stamp: Stamp,
    timing: MigrationTiming,
    tx: watch::Sender<MigrationRun>,
}

impl Runner {
    fn run_of(&self) -> MigrationRun {
        self.tx.borrow().clone()
    }

    async fn run(self, work: Vec<Work>, actor: Actor) {
        let mut failed = None;
        for (index, step) in work.into_iter().enumerate() {
            self.set(index, StepState::Running);
            match self.perform(step).await {
                Ok(outcome) => self.set(index, StepState::Done { outcome }),
                Err(message) => {
                    let message = format!("{}: {message}", self.run_of().cluster);
                    self.set(
                        index,
                        StepState::Failed {
                            message: message.clone(),
                        },
                    );
                    failed = Some(message);
                    break;
                }
            }
        }
        let phase = if failed.is_some() {
            InstallPhase::Failed
        } else {
            InstallPhase::Succeeded
        };
        // Audited before the end is published: whoever sees the run end
        // finds its entry.
        self.audit(actor).await;
        self.tx.send_modify(|r| r.phase = phase);
    }

    fn set(&self, index: usize, state: StepState) {
        self.tx.send_modify(|r| {
            if let Some(step) = r.steps.get_mut(index) {
                step.state = state;
            }
        });
    }

    async fn perform(&self, work: Work) -> Result<String, String> {
        let run = self.run_of();
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
            Work::RemoveIfUnused => self.remove_if_unused(&run).await,
            Work::Delete(doomed) => control_plane::delete(&self.client, &doomed)
                .await
                .map(str::to_owned),
            Work::DeleteUnlessValidating(doomed) => {
                control_plane::delete_unless_validating(&self.client, &doomed, &run.revision).await
            }
        }
    }

    async fn remove_if_unused(&self, run: &MigrationRun) -> Result<String, String> {
        let cluster = self
            .state
            .fleet()
            .cluster(run.cluster.as_str())
            .ok_or_else(|| format!("{} left the fleet", run.cluster))?;
        let live = control_plane::live_usage(&self.client, cluster).await?;
        let doomed = match ensure_unused(&live, &run.revision) {
            Ok(doomed) => doomed,
            Err(still) => return Ok(format!("kept {}: {still}", istiod_name(&run.revision))),
        };
        let mut done = Vec::new();
        let webhooks = control_plane::webhooks_of(&self.client, &run.revision).await?;
        for d in doomed.iter().chain(&webhooks) {
            let outcome = control_plane::delete(&self.client, d).await?;
            done.push(format!("{} {outcome}", d.title()));
        }
        done.push(control_plane::restore_validation(&self.client, &run.revision).await?);
        Ok(done.join("; "))
    }

    /// The run's end is audited too: the request was, but its outcome is
    /// only known now.
    async fn audit(&self, actor: Actor) {
        let run = self.run_of();
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
        if let Err(err) = audit::record(&self.state, actor, None, event).await {
            tracing::error!(error = %err, "the audit log refused a migration's end");
        }
    }
}
