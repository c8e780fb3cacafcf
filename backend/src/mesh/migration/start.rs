//! Starting migrate and rollback runs, and launching every migration run
//! (finish's plan is [`super::removal`]): the steps are fixed when the run
//! starts (so the operator sees what will happen), then the run's job
//! performs them in order through the one step runner.

use serde_json::Value;
use shared::fleet::DEFAULT_REVISION;
use shared::mesh::migration;
use shared::mesh::migration::run::{MigrationOp, MigrationRun, NamespaceRequest};
use shared::mesh::{InstallPhase, InstallStep, Revision, StepState};
use tokio::sync::watch;

use super::job::{Migration, MigrationPlan, Work};
use crate::audit::Actor;
use crate::cluster::MemberApi;
use crate::cluster::mesh::workload;
use crate::error::AppError;
use crate::mesh::runs;
use crate::runs::{Refused, StepRunner};
use crate::state::AppState;

/// A run's steps as planned: what each does, and its title for the
/// operator.
#[derive(Default)]
pub(super) struct Planned {
    work: Vec<Work>,
    steps: Vec<InstallStep>,
}

impl Planned {
    pub(super) fn push(&mut self, work: Work, title: String) {
        self.work.push(work);
        self.steps.push(InstallStep {
            title,
            state: StepState::Pending,
        });
    }
}

/// What a run works on.
pub(super) struct Target {
    pub(super) op: MigrationOp,
    pub(super) cluster: shared::ClusterName,
    pub(super) namespace: Option<String>,
    pub(super) revision: String,
}

impl Target {
    /// `op` on the namespace of `request`, with `revision`.
    fn namespace(op: MigrationOp, request: NamespaceRequest, revision: &Revision) -> Self {
        Self {
            op,
            cluster: request.cluster,
            namespace: Some(request.namespace),
            revision: revision.to_string(),
        }
    }
}

pub(super) fn revision_of(text: &str) -> Result<Revision, AppError> {
    text.parse()
        .map_err(|e: shared::InvalidName| AppError::BadRequest(e.to_string()))
}

/// The known cluster `name` and its client; the namespace must exist.
pub(super) fn member(
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
) -> Result<Planned, AppError> {
    // A member that cannot be read is named (502), not a console fault.
    let deployments = workload::deployments(client, namespace)
        .await
        .map_err(|e| AppError::ClusterUnreachable {
            cluster: client.name().to_owned(),
            reason: e.to_string(),
        })?;
    let mut planned = Planned::default();
    planned.push(Work::Relabel(patch), label_title);
    for d in &deployments {
        let name = workload::name_of(d);
        let title = format!("Rolling restart of Deployment {namespace}/{name}");
        planned.push(Work::Restart(name), title);
    }
    planned.push(
        Work::Wait(target.to_owned()),
        format!("Wait until every pod of {namespace} runs {target} and is Ready"),
    );
    Ok(planned)
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
    let planned = namespace_steps(
        &client,
        ns,
        migration::migrate_patch(revision.as_str()),
        format!("Label namespace {ns} istio.io/rev={revision}, remove istio-injection"),
        revision.as_str(),
    )
    .await?;
    let target = Target::namespace(MigrationOp::Migrate, request, &revision);
    launch(state, client, target, planned, actor).await
}

/// Starts rolling a namespace back from `revision` to the default one;
/// `revision` stays installed.
pub async fn rollback(
    state: &AppState,
    request: NamespaceRequest,
    actor: Actor,
) -> Result<MigrationRun, AppError> {
    let revision = revision_of(&request.revision)?;
    let (_, client) = member(state, request.cluster.as_str(), Some(&request.namespace))?;
    let ns = &request.namespace;
    let mut planned = namespace_steps(
        &client,
        ns,
        migration::rollback_patch(),
        format!("Label namespace {ns} istio-injection=enabled, remove istio.io/rev"),
        DEFAULT_REVISION,
    )
    .await?;
    planned.push(
        Work::UndoGateway,
        format!("Roll istio-ingressgateway back if it was moved to {revision}"),
    );
    // The revision's control plane stays: removing it is its own,
    // confirmed action (a finish of that revision), never a side effect.
    let target = Target::namespace(MigrationOp::Rollback, request, &revision);
    launch(state, client, target, planned, actor).await
}

pub(super) async fn launch(
    state: &AppState,
    client: MemberApi,
    target: Target,
    planned: Planned,
    actor: Actor,
) -> Result<MigrationRun, AppError> {
    let Target {
        op,
        cluster,
        namespace,
        revision,
    } = target;
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
        steps: planned.steps,
        by: actor.name.clone(),
        started: now,
        ended: None,
    };
    let plan = MigrationPlan {
        work: planned.work,
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
    drive(state, client, &run, tx, plan, actor);
    Ok(run)
}

/// Performs the steps of `plan` not done yet on `run`, published through
/// `tx`.
fn drive(
    state: &AppState,
    client: MemberApi,
    run: &MigrationRun,
    tx: watch::Sender<MigrationRun>,
    plan: MigrationPlan,
    actor: Actor,
) {
    let job = Migration::of(state, client, run, actor);
    let runner = StepRunner::new(state.migrations().clone(), tx);
    tokio::spawn(runner.run(job, plan.work));
}

/// Carries on every stored migration run a killed console left running,
/// from its last completed step (at console start).
pub async fn resume_all(state: &AppState) -> Result<usize, AppError> {
    let found = runs::unfinished(state, state.migrations()).await?;
    let count = found.len();
    for run in found {
        drive(state, run.client, &run.run, run.tx, run.plan, run.actor);
    }
    Ok(count)
}
