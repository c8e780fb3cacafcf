//! Wave runs across the fleet: proposing waves from selected namespaces
//! (what each would restart, read live), starting a run, the operator's
//! decisions on a paused one, and resuming stored runs when the console
//! starts. The run itself is driven by [`runner`]; its state is saved to
//! the store after every step, so a resumed run repeats nothing.

mod book;
pub mod http;
mod runner;

use shared::mesh::Revision;
use shared::mesh::migration::waves::{
    GateState, TargetRef, TargetStep, WaveDecision, WavePhase, WaveProposal, WaveRequest, WaveRun,
    WaveState, WaveTarget, propose_waves,
};

pub use self::book::WaveExtra;
use crate::audit::Actor;
use crate::cluster::mesh::workload;
use crate::error::AppError;
use crate::state::AppState;

/// Drives `run` (new, decided on or resumed) from its published state.
fn drive(state: &AppState, run: &WaveRun) {
    let tx = state.waves().publish(run);
    let task = tokio::spawn(runner::Runner::new(state.clone(), tx).run());
    state.waves().driven_by(run.id.clone(), task);
}

/// The run `id`: as this console drives it, else as stored.
pub async fn run(state: &AppState, id: &str) -> Result<WaveRun, AppError> {
    crate::mesh::runs::find(state.waves(), id, "wave").await
}

/// The waves `request` would run, with what each namespace restarts.
pub async fn propose(state: &AppState, request: &WaveRequest) -> Result<WaveProposal, AppError> {
    request
        .revision
        .parse::<Revision>()
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    if request.targets.is_empty() {
        return Err(AppError::BadRequest("select at least one namespace".into()));
    }
    let mut targets = Vec::new();
    for TargetRef { cluster, namespace } in &request.targets {
        let known = state
            .fleet()
            .cluster(cluster.as_str())
            .ok_or_else(|| AppError::UnknownCluster(cluster.to_string()))?;
        if !known
            .control_planes
            .iter()
            .any(|cp| cp.revision == request.revision && cp.webhook)
        {
            return Err(AppError::Conflict(format!(
                "revision {} is not installed on {cluster}: no injection webhook serves it",
                request.revision
            )));
        }
        let pods = known
            .namespace(namespace)
            .ok_or_else(|| AppError::NotFoundOn {
                cluster: cluster.to_string(),
                message: format!("no namespace {namespace:?}"),
            })?
            .pod_total()
            .total;
        let client = state.fleet().member_api(cluster.as_str())?;
        let deployments = workload::deployments(&client, namespace)
            .await
            .map_err(|e| AppError::ClusterUnreachable {
                cluster: cluster.to_string(),
                reason: e.to_string(),
            })?
            .iter()
            .map(workload::name_of)
            .collect();
        targets.push(WaveTarget {
            cluster: cluster.clone(),
            namespace: namespace.clone(),
            pods,
            deployments,
        });
    }
    Ok(WaveProposal {
        revision: request.revision.clone(),
        waves: propose_waves(targets),
    })
}

/// Starts a run of the proposed waves.
pub async fn start(
    state: &AppState,
    request: WaveRequest,
    actor: &Actor,
) -> Result<WaveRun, AppError> {
    let proposal = propose(state, &request).await?;
    let now = state.clock().now();
    let run = WaveRun::new(
        state.waves().next_id("waves", now),
        &request,
        proposal.waves,
        actor.name.clone(),
        now,
    );
    state.waves().create(&run, &()).await?;
    drive(state, &run);
    Ok(run)
}

/// Applies the operator's decision to a paused run and drives it again.
/// The decision is written only if the run is still as it was read: of
/// two decisions made at once (two sessions, two replicas) the second is
/// a conflict.
pub async fn decide(
    state: &AppState,
    id: &str,
    decision: WaveDecision,
) -> Result<WaveRun, AppError> {
    let (mut run, version) = state
        .waves()
        .to_decide(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no wave run {id:?}")))?;
    if run.phase != WavePhase::Paused {
        return Err(AppError::Conflict(format!(
            "wave run {id} is not paused (it is {:?}); only a paused run takes a decision",
            run.phase
        )));
    }
    apply_decision(&mut run, decision);
    state.waves().decided(&run, version).await?;
    drive(state, &run);
    Ok(run)
}

/// Changes a paused run as the operator decided; the runner takes it from
/// there.
pub fn apply_decision(run: &mut WaveRun, decision: WaveDecision) {
    let Some(index) = run.current() else {
        return;
    };
    let wave = &mut run.waves[index];
    match decision {
        WaveDecision::Resume => {
            wave.state = WaveState::Running;
            wave.gate = GateState::Pending;
            for t in &mut wave.targets {
                // Back to the start: the relabel and the stamped restarts
                // are re-applied as no-ops, then watched again.
                if matches!(t.step, TargetStep::Failed { .. }) {
                    t.step = TargetStep::Pending;
                }
            }
        }
        WaveDecision::Skip => wave.state = WaveState::Skipped,
        WaveDecision::Rollback => wave.state = WaveState::RollingBack,
    }
    run.phase = WavePhase::Running;
    run.paused = None;
}

/// Resumes every stored run still running (at console start).
pub async fn resume_all(state: &AppState) -> Result<usize, AppError> {
    let runs = state.waves().unfinished().await?;
    let count = runs.len();
    for (run, ()) in runs {
        tracing::info!(run = %run.id, "resuming wave run");
        drive(state, &run);
    }
    Ok(count)
}
