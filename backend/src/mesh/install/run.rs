//! Running a reviewed plan: its steps fixed (every object applied in
//! order, a wait for istiod before the webhooks that need it, a final
//! check of istiod), stored with the run, and performed by the install
//! job ([`super::job`]) through the one step runner. Each step's state is
//! published and stored as it changes; a failed run stops at its step,
//! and running the same plan again finishes it (applies are idempotent);
//! a run a killed console left running is resumed at start-up.

use serde::{Deserialize, Serialize};
use shared::mesh::{
    CaMode, Check, CheckOverride, Content, InstallPhase, InstallProgress, InstallRequest,
    InstallStep, Override, Plan, StepState,
};
use tokio::sync::watch;

use super::book::InstallExtra;
use super::job::{Install, Work};
use crate::audit::Actor;
use crate::cluster::MemberApi;
use crate::error::AppError;
use crate::mesh::runs;
use crate::runs::{Refused, RunPlan, StepRunner, stepped_run};
use crate::state::AppState;

/// What an install run does, stored with it: the plan as reviewed, each
/// step's work, and the role of the operator who started it (for the
/// audit of its end).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstallPlan {
    plan: Plan,
    work: Vec<Work>,
    role: Option<String>,
}

impl RunPlan for InstallPlan {
    fn role(&self) -> Option<String> {
        self.role.clone()
    }
}

stepped_run!(
    InstallProgress,
    kind = "install",
    extra = InstallExtra,
    plan = InstallPlan
);

/// Starts applying reviewed plan `request.plan` on its cluster; returns
/// the run's first progress and the override reason it was given.
/// The checks `overrides` set aside, each with its own acceptable reason
/// and at most once, none of them one that is never overridden (400
/// otherwise, naming the check).
pub fn overridden_checks(overrides: &[CheckOverride]) -> Result<Vec<Check>, AppError> {
    let mut checks = Vec::new();
    for o in overrides {
        if o.check.never_overridden() {
            return Err(AppError::BadRequest(format!(
                "{} can never be overridden: meshes go into on-prem user clusters only",
                o.check.title()
            )));
        }
        Override::new(&o.reason)
            .map_err(|e| AppError::BadRequest(format!("{}: {e}", o.check.title())))?;
        if checks.contains(&o.check) {
            return Err(AppError::BadRequest(format!(
                "{} is overridden twice: give each failed check one reason",
                o.check.title()
            )));
        }
        checks.push(o.check);
    }
    Ok(checks)
}

pub async fn start(
    state: &AppState,
    request: InstallRequest,
    actor: Actor,
) -> Result<InstallProgress, AppError> {
    let now = state.clock().now();
    let installs = state.installs();
    let stored = installs.plan(&request.plan, now).await?.ok_or_else(|| {
        AppError::NotFound(format!(
            "no reviewed plan {:?}: plans expire 30 minutes after review; review the install again",
            request.plan
        ))
    })?;
    let overridden = overridden_checks(&request.overrides)?;
    stored
        .review
        .preflight
        .allow(&overridden)
        .map_err(|blocked| AppError::Conflict(blocked.to_string()))?;
    let cluster = stored.plan.cluster.to_string();
    let client = state.fleet().member_api(&cluster)?;
    let (work, steps) = steps_of(&stored.plan);
    let progress = InstallProgress {
        id: installs.next_id(&stored.review.id, now),
        plan: stored.review.id.clone(),
        cluster: stored.plan.cluster.clone(),
        revision: stored.plan.settings.revision.to_string(),
        phase: InstallPhase::Running,
        steps,
        by: actor.name.clone(),
        started: now,
        ended: None,
    };
    let plan = InstallPlan {
        plan: stored.plan,
        work,
        role: actor.role.clone(),
    };
    let tx = installs
        .start(&progress, &plan, |p| {
            p.cluster == progress.cluster && p.phase == InstallPhase::Running
        })
        .await
        .map_err(|refused| match refused {
            Refused::Busy(running) => AppError::Conflict(format!(
                "an install of {} is already running on {cluster} (run {}); wait for it to finish",
                running.revision, running.id
            )),
            Refused::Store(e) => e.into(),
        })?;
    drive(state, client, tx, plan, actor);
    Ok(progress)
}

/// Performs the steps of `plan` not done yet on the run behind `tx`.
fn drive(
    state: &AppState,
    client: MemberApi,
    tx: watch::Sender<InstallProgress>,
    plan: InstallPlan,
    actor: Actor,
) {
    let installs = state.installs();
    let job = Install {
        state: state.clone(),
        client,
        plan: plan.plan,
        timing: installs.timing(),
        actor,
    };
    tokio::spawn(StepRunner::new(installs.clone(), tx).run(job, plan.work));
}

/// Carries on every stored install run a killed console left running,
/// from its last completed step (at console start).
pub async fn resume_all(state: &AppState) -> Result<usize, AppError> {
    let found = runs::unfinished(state, state.installs()).await?;
    let count = found.len();
    for run in found {
        drive(state, run.client, run.tx, run.plan, run.actor);
    }
    Ok(count)
}

/// The steps of `plan`: its objects in order, with the wait for istiod
/// just before the first webhook (so no pod is refused by a webhook
/// without a server), then verification.
fn steps_of(plan: &Plan) -> (Vec<Work>, Vec<InstallStep>) {
    let istiod = plan.settings.revision.istiod();
    let hsm = plan.settings.ca == CaMode::Hsm;
    let (wait, wait_title) = if hsm {
        (
            Work::WaitForCaRequest,
            format!("Wait for {istiod} to ask for its CA certificate (secret istio-ca-cert-csr)"),
        )
    } else {
        (
            Work::WaitForIstiod,
            format!("Wait for {istiod} to become Ready"),
        )
    };
    let first_webhook = plan
        .objects
        .iter()
        .position(|o| o.kind.ends_with("WebhookConfiguration"))
        .unwrap_or(plan.objects.len());
    let mut work = Vec::new();
    let mut steps = Vec::new();
    let pending = |title: String| InstallStep {
        title,
        state: StepState::Pending,
    };
    for (i, object) in plan.objects.iter().enumerate() {
        if i == first_webhook {
            work.push(wait);
            steps.push(pending(wait_title.clone()));
        }
        work.push(Work::Apply(i));
        steps.push(pending(match object.content {
            Content::IssuedCaCerts { .. } => format!("Issue and write {}", object.title()),
            Content::Manifest { .. } => format!("Apply {}", object.title()),
        }));
    }
    if first_webhook == plan.objects.len() {
        work.push(wait);
        steps.push(pending(wait_title));
    }
    work.push(Work::Verify);
    steps.push(pending(format!(
        "Verify {istiod} pods are Ready and labelled istio.io/rev={}",
        plan.settings.revision
    )));
    (work, steps)
}
