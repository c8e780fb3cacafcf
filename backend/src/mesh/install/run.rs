//! Running a reviewed plan: every object applied in order under the
//! console's field manager, `cacerts` issued from the mesh root, a wait
//! for istiod before the webhooks that need it, and a final check that
//! istiod's pods are Ready and carry the revision. Each step's state is
//! published as it changes; a failed run stops at its step, and running
//! the same plan again finishes it (applies are idempotent).

use serde::{Deserialize, Serialize};
use shared::Outcome;
use shared::mesh::{
    CaMode, Content, InstallPhase, InstallProgress, InstallRequest, InstallStep, Override, Plan,
    StepState,
};

use tokio::sync::watch;

use super::book::{InstallExtra, InstallTiming};
use super::error::InstallStepError;
use crate::audit::{self, Actor, Event};
use crate::cluster::mesh::inspect;
use crate::cluster::{ClusterError, MemberApi};
use crate::error::AppError;
use crate::runs::{Refused, StepJob, StepRunner, stepped_run};
use crate::state::AppState;

/// What one step does.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub enum Work {
    /// Applies the plan's object at this index.
    Apply(usize),
    WaitForIstiod,
    /// HSM mode: istiod cannot be Ready before an officer signs its
    /// request, so the install waits for the request instead.
    WaitForCaRequest,
    Verify,
}

/// What an install run does, stored with it: the plan as reviewed, each
/// step's work, and the role of the operator who started it (for the
/// audit of its end).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstallPlan {
    plan: Plan,
    work: Vec<Work>,
    role: Option<String>,
}

stepped_run!(
    InstallProgress,
    kind = "install",
    extra = InstallExtra,
    plan = InstallPlan
);

/// Starts applying reviewed plan `request.plan` on its cluster; returns
/// the run's first progress and the override reason it was given.
pub async fn start(
    state: &AppState,
    request: InstallRequest,
    actor: Actor,
) -> Result<InstallProgress, AppError> {
    let now = state.clock().now();
    let installs = state.installs();
    let stored = installs.plan(&request.plan, now).ok_or_else(|| {
        AppError::NotFound(format!(
            "no reviewed plan {:?}: plans expire 30 minutes after review; review the install again",
            request.plan
        ))
    })?;
    let override_ = request
        .override_reason
        .as_deref()
        .map(Override::new)
        .transpose()
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    stored
        .review
        .preflight
        .allow(override_.as_ref())
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
    let runs = state.installs().unfinished().await?;
    let count = runs.len();
    for (run, plan) in runs {
        tracing::info!(run = %run.id, "resuming install run");
        let client = match state.fleet().member_api(run.cluster.as_str()) {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(run = %run.id, error = %e, "cannot resume an install run");
                continue;
            }
        };
        let actor = Actor {
            name: run.by.clone(),
            role: plan.role.clone(),
        };
        let tx = state.installs().publish(&run);
        drive(state, client, tx, plan, actor);
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

/// One install run's job: its cluster, plan and operator.
struct Install {
    state: AppState,
    client: MemberApi,
    plan: Plan,
    timing: InstallTiming,
    actor: Actor,
}

impl StepJob<InstallProgress> for Install {
    type Work = Work;
    type Error = InstallStepError;

    async fn perform(
        &self,
        work: Work,
        _run: &InstallProgress,
    ) -> Result<String, InstallStepError> {
        self.step(work).await
    }

    /// The run's end is audited too: the request was, but its outcome is
    /// only known now.
    async fn ended(&self, progress: &InstallProgress) {
        let failure = progress.failure();
        let outcome = if failure.is_some() {
            Outcome::Failure
        } else {
            Outcome::Success
        };
        let mut event = Event::new("mesh.install.finish", outcome)
            .cluster(self.plan.cluster.to_string())
            .target(format!("revision {}", self.plan.settings.revision))
            .param("run", &progress.id);
        if let Some((step, _)) = failure {
            event = event.param("failed_step", step);
        }
        if let Err(err) = audit::record(&self.state, self.actor.clone(), None, event).await {
            tracing::error!(error = %err, "the audit log refused an install's end");
        }
    }
}

impl Install {
    async fn step(&self, work: Work) -> Result<String, InstallStepError> {
        let cluster = self.plan.cluster.as_str();
        let on_cluster = InstallStepError::on(cluster);
        match work {
            Work::Apply(i) => {
                let object = &self.plan.objects[i];
                match &object.content {
                    Content::Manifest { body } => self
                        .client
                        .apply_reporting(body)
                        .await
                        .map_err(ClusterError::into_apply)
                        .map(|a| a.as_str().to_owned())
                        .map_err(on_cluster),
                    Content::IssuedCaCerts { .. } => {
                        super::cacerts::ensure(&self.state, &self.client, &self.plan).await
                    }
                }
            }
            Work::WaitForIstiod => self.wait_for_istiod().await,
            Work::WaitForCaRequest => self.wait_for_ca_request().await,
            Work::Verify => {
                let revision = self.plan.settings.revision.as_str();
                let (checked, offenders) = inspect::istiod_pod_revisions(&self.client, revision)
                    .await
                    .map_err(on_cluster)?;
                let state = inspect::istiod(&self.client, revision)
                    .await
                    .map_err(on_cluster)?;
                let waits_for_officer = self.plan.settings.ca == CaMode::Hsm
                    && state.ready_pods == 0
                    && inspect::hsm_request(&self.client, revision)
                        .await
                        .map_err(on_cluster)?
                        .requested;
                if checked > 0 && offenders.is_empty() && waits_for_officer {
                    return Ok(format!(
                        "{checked} pods labelled istio.io/rev={revision}, waiting for secret istio-ca-cert: their CSR is in the security officer's inbox"
                    ));
                }
                if checked == 0 || !offenders.is_empty() || state.ready_pods == 0 {
                    return Err(InstallStepError::NotVerified {
                        cluster: cluster.to_owned(),
                        revision: revision.to_owned(),
                        checked,
                        ready: state.ready_pods,
                        offenders: if offenders.is_empty() {
                            "none".to_owned()
                        } else {
                            offenders.join(", ")
                        },
                    });
                }
                Ok(format!(
                    "{}/{checked} pods Ready, all labelled istio.io/rev={revision}",
                    state.ready_pods
                ))
            }
        }
    }

    async fn wait_for_istiod(&self) -> Result<String, InstallStepError> {
        let cluster = self.plan.cluster.as_str();
        let revision = self.plan.settings.revision.as_str();
        let deadline = tokio::time::Instant::now() + self.timing.ready_timeout;
        loop {
            let state = inspect::istiod(&self.client, revision)
                .await
                .map_err(InstallStepError::on(cluster))?;
            if state.ready {
                return Ok(format!("{}/{} pods Ready", state.ready_pods, state.pods));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(InstallStepError::NotReady {
                    cluster: cluster.to_owned(),
                    revision: revision.to_owned(),
                    secs: self.timing.ready_timeout.as_secs(),
                    reason: state.reason.unwrap_or_else(|| "no reason reported".into()),
                });
            }
            tokio::time::sleep(self.timing.poll).await;
        }
    }

    async fn wait_for_ca_request(&self) -> Result<String, InstallStepError> {
        let cluster = self.plan.cluster.as_str();
        let revision = self.plan.settings.revision.as_str();
        let deadline = tokio::time::Instant::now() + self.timing.ready_timeout;
        loop {
            let found = inspect::hsm_request(&self.client, revision)
                .await
                .map_err(InstallStepError::on(cluster))?;
            if found.answered {
                return Ok(
                    "istiod's CA certificate was signed earlier (secret istio-ca-cert)".into(),
                );
            }
            if found.requested {
                return Ok(
                    "istiod wrote its encrypted CSR (secret istio-ca-cert-csr): a security officer signs it in the Security inbox".into(),
                );
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(InstallStepError::NoRequest {
                    cluster: cluster.to_owned(),
                    revision: revision.to_owned(),
                    secs: self.timing.ready_timeout.as_secs(),
                    reason: found.reason.unwrap_or_else(|| "no reason reported".into()),
                });
            }
            tokio::time::sleep(self.timing.poll).await;
        }
    }
}
