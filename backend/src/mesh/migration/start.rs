//! Starting migrate, rollback and finish runs: the steps are fixed when
//! the run starts (so the operator sees what will happen), then the
//! run's job performs them in order through the one step runner.

use serde_json::Value;
use shared::fleet::DEFAULT_REVISION;
use shared::mesh::migration::run::{FinishRequest, MigrationOp, MigrationRun, NamespaceRequest};
use shared::mesh::migration::{self, ensure_unused};
use shared::mesh::{InstallPhase, InstallStep, Revision, StepState};

use super::job::{Migration, MigrationPlan, Work};
use crate::audit::Actor;
use crate::cluster::MemberApi;
use crate::cluster::mesh::control_plane;
use crate::cluster::mesh::error::MigrationError;
use crate::cluster::mesh::workload;
use crate::error::AppError;
use crate::runs::{Refused, StepRunner};
use crate::state::AppState;

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
) -> Result<(shared::fleet::Cluster, MemberApi), AppError> {
    let cluster = state
        .fleet()
        .cluster(name)
        .ok_or_else(|| AppError::UnknownCluster(name.to_owned()))?;
    let client = state.fleet().member_api(name)?;
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
    client: &MemberApi,
    namespace: &str,
    patch: Value,
    label_title: String,
    target: &str,
) -> Result<(Vec<Work>, Vec<InstallStep>), AppError> {
    let deployments = workload::deployments(client, namespace)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
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
    .await
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
    .await
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
        .map_err(|e| AppError::ClusterUnreachable {
            cluster: request.cluster.to_string(),
            reason: e.to_string(),
        })?;
    let doomed = ensure_unused(&live, &request.revision)
        .map_err(|still| AppError::Conflict(still.to_string()))?;
    let on_cluster = |e: MigrationError| AppError::ClusterUnreachable {
        cluster: request.cluster.to_string(),
        reason: e.to_string(),
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
    .await
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call per operation, all fields of the run"
)]
async fn launch(
    state: &AppState,
    client: MemberApi,
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
    let plan = MigrationPlan {
        work,
        role: actor.role.clone(),
    };
    let tx = migrations
        .start(&run, &plan, |r| {
            r.phase == InstallPhase::Running
                && r.cluster == run.cluster
                && (r.namespace == run.namespace
                    || r.namespace.is_none()
                    || run.namespace.is_none())
        })
        .await
        .map_err(|refused| match refused {
            Refused::Busy(busy) => AppError::Conflict(format!(
                "{} of {} on {} is still running (run {}); wait for it to end",
                busy.op.title(),
                busy.namespace.as_deref().unwrap_or("the control plane"),
                busy.cluster,
                busy.id
            )),
            Refused::Store(e) => e.into(),
        })?;
    let job = Migration::of(state, client, &run, actor);
    tokio::spawn(StepRunner::new(migrations.clone(), tx).run(job, plan.work));
    Ok(run)
}

/// Carries on every stored migration run a killed console left running,
/// from its last completed step (at console start).
pub async fn resume_all(state: &AppState) -> Result<usize, AppError> {
    let migrations = state.migrations();
    let runs = migrations.unfinished().await?;
    let count = runs.len();
    for (run, plan) in runs {
        tracing::info!(run = %run.id, "resuming migration run");
        let client = match state.fleet().member_api(run.cluster.as_str()) {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(run = %run.id, error = %e, "cannot resume a migration run");
                continue;
            }
        };
        let actor = Actor {
            name: run.by.clone(),
            role: plan.role,
        };
        let job = Migration::of(state, client, &run, actor);
        let tx = migrations.publish(&run);
        tokio::spawn(StepRunner::new(migrations.clone(), tx).run(job, plan.work));
    }
    Ok(count)
}
