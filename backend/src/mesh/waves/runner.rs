//! Driving one wave run: each namespace of the current wave relabelled,
//! restarted and watched onto the revision, then the wave's gate (every
//! pod on the revision and Ready for the soak time, by the console's
//! clock). Every step is saved before the next begins and audited; a
//! failing gate pauses the run for the operator. Restarts carry a stamp
//! fixed and saved before the first of them, so a resumed run re-applying
//! one changes nothing.

use shared::Outcome;
use shared::fleet::DEFAULT_REVISION;
use shared::mesh::migration::waves::{GateState, TargetStep, WavePhase, WaveRun, WaveState};
use shared::mesh::migration::{migrate_patch, rollback_patch};
use tokio::sync::watch;

use crate::audit::{self, Actor, Event};
use crate::cluster::ClusterError;
use crate::cluster::MemberApi;
use crate::cluster::mesh::workload::{self, Progress, Refusals, Stamp};
use crate::mesh::migration::MigrationError;
use crate::state::AppState;
use crate::store::StoreError;

/// Why a wave stopped; the run pauses with this for the operator (unless
/// another replica has taken it over: then this one stops).
#[derive(Debug, thiserror::Error)]
enum WaveError {
    #[error("cannot store the run's progress: {0}")]
    Store(#[source] StoreError),
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// A namespace failed earlier; what its step says.
    #[error("{0}")]
    TargetFailed(String),
    #[error("{at}: no restart stamp stored")]
    NoStamp { at: String },
    /// A namespace (`cluster/namespace`) that did not get there.
    #[error("{at}: {source}")]
    At {
        at: String,
        #[source]
        source: MigrationError,
    },
    #[error("pods left the revision or lost readiness while soaking: {0}")]
    LeftWhileSoaking(String),
    #[error("rolling back {at}: {source}")]
    RollingBack {
        at: String,
        #[source]
        source: MigrationError,
    },
}

pub struct Runner {
    state: AppState,
    tx: watch::Sender<WaveRun>,
}

impl Runner {
    pub fn new(state: AppState, tx: watch::Sender<WaveRun>) -> Self {
        Self { state, tx }
    }

    fn run_of(&self) -> WaveRun {
        self.tx.borrow().clone()
    }

    /// Publishes and stores `change` applied to the run.
    async fn save(&self, change: impl FnOnce(&mut WaveRun)) -> Result<(), WaveError> {
        self.tx.send_modify(change);
        let run = self.run_of();
        self.state
            .waves()
            .save(&run)
            .await
            .map_err(WaveError::Store)
    }

    pub async fn run(self) {
        let id = self.run_of().id;
        let held = match self.state.waves().hold(&id).await {
            Ok(Some(held)) => held,
            Ok(None) => {
                tracing::info!(run = id, "wave run driven by another replica");
                return;
            }
            Err(e) => {
                tracing::error!(run = id, error = %e, "cannot take the wave run's lease");
                return;
            }
        };
        loop {
            let run = self.run_of();
            if run.phase != WavePhase::Running {
                return;
            }
            if held.lost() {
                tracing::warn!(run = id, "another replica took the wave run over");
                return;
            }
            let Some(index) = run.current() else {
                // Audited before the end is published, so whoever sees it
                // finds its entry.
                self.audit(Event::new("mesh.wave.finish", Outcome::Success).param("run", &run.id))
                    .await;
                if let Err(e) = self.save(|r| r.phase = WavePhase::Finished).await {
                    tracing::error!(run = %run.id, error = %e, "wave run not stored");
                }
                return;
            };
            if let Err(reason) = self.wave(index).await {
                if let WaveError::Store(e) = &reason
                    && crate::runs::lost(e)
                {
                    tracing::warn!(run = id, "another replica took the wave run over");
                    return;
                }
                self.audit(
                    Event::new("mesh.wave.gate", Outcome::Failure)
                        .param("run", &run.id)
                        .param("wave", index + 1)
                        .param("error", reason.to_string()),
                )
                .await;
                let paused = self
                    .save(|r| {
                        r.phase = WavePhase::Paused;
                        r.paused = Some(format!("wave {}: {reason}", index + 1));
                        if r.waves[index].state != WaveState::RollingBack {
                            r.waves[index].state = WaveState::Failed;
                            r.waves[index].gate = GateState::Failed {
                                message: reason.to_string(),
                            };
                        }
                    })
                    .await;
                if let Err(e) = paused {
                    tracing::error!(run = %run.id, error = %e, "wave run not stored");
                }
                return;
            }
        }
    }

    async fn wave(&self, index: usize) -> Result<(), WaveError> {
        if self.run_of().waves[index].state == WaveState::RollingBack {
            return self.roll_back(index).await;
        }
        self.save(|r| r.waves[index].state = WaveState::Running)
            .await?;
        let count = self.run_of().waves[index].targets.len();
        for t in 0..count {
            self.target(index, t).await?;
        }
        self.gate(index).await
    }

    fn client(&self, cluster: &str) -> Result<MemberApi, WaveError> {
        Ok(self.state.fleet().member_api(cluster)?)
    }

    /// Takes one namespace from where it was to the revision.
    async fn target(&self, w: usize, t: usize) -> Result<(), WaveError> {
        loop {
            let run = self.run_of();
            let target = run.waves[w].targets[t].clone();
            let client = self.client(target.cluster.as_str())?;
            let ns = target.namespace.as_str();
            let at = format!("{}/{ns}", target.cluster);
            let fail = |source: MigrationError| TargetStep::Failed {
                message: WaveError::At {
                    at: at.clone(),
                    source,
                }
                .to_string(),
            };
            let next = match &target.step {
                TargetStep::OnTarget | TargetStep::RolledBack => return Ok(()),
                TargetStep::Failed { message } => {
                    return Err(WaveError::TargetFailed(message.clone()));
                }
                TargetStep::Pending => {
                    if target.restart_stamp.is_none() {
                        let stamp = Stamp::new(
                            self.state.clock().now(),
                            &format!("{}/{}/{ns}", run.id, target.cluster),
                        );
                        self.save(|r| {
                            r.waves[w].targets[t].restart_stamp = Some(stamp.encode());
                        })
                        .await?;
                    }
                    match workload::relabel(&client, ns, &migrate_patch(&run.revision)).await {
                        Ok(_) => TargetStep::Relabelled,
                        Err(e) => fail(e),
                    }
                }
                TargetStep::Relabelled => {
                    let stamp = target
                        .restart_stamp
                        .as_deref()
                        .and_then(Stamp::decode)
                        .ok_or_else(|| WaveError::NoStamp { at: at.clone() })?;
                    let mut step = TargetStep::Restarted;
                    for d in &target.deployments {
                        if let Err(e) =
                            workload::restart(&client, ns, d, &run.revision, &stamp).await
                        {
                            step = fail(e);
                            break;
                        }
                    }
                    step
                }
                TargetStep::Restarted => {
                    let timing = self.state.migrations().timing();
                    match workload::wait_until_on(&client, ns, &run.revision, timing).await {
                        Ok(_) => TargetStep::OnTarget,
                        Err(e) => fail(e),
                    }
                }
            };
            self.save(|r| r.waves[w].targets[t].step = next.clone())
                .await?;
            let outcome = if matches!(next, TargetStep::Failed { .. }) {
                Outcome::Failure
            } else {
                Outcome::Success
            };
            self.audit(
                Event::new("mesh.wave.step", outcome)
                    .cluster(target.cluster.to_string())
                    .target(format!("namespace {ns}"))
                    .param("run", &run.id)
                    .param("wave", w + 1)
                    .param("step", step_name(&next)),
            )
            .await;
        }
    }

    /// Every pod of the wave on the revision and Ready, continuously, for
    /// the soak time.
    async fn gate(&self, w: usize) -> Result<(), WaveError> {
        let timing = self.state.migrations().timing();
        let mut refusals: Vec<Refusals> = Vec::new();
        refusals.resize_with(self.run_of().waves[w].targets.len(), Refusals::default);
        loop {
            let run = self.run_of();
            let wave = &run.waves[w];
            let mut waiting = Vec::new();
            for (target, refusals) in wave.targets.iter().zip(&mut refusals) {
                let client = self.client(target.cluster.as_str())?;
                let at = format!("{}/{}", target.cluster, target.namespace);
                match workload::observe(&client, &target.namespace, &run.revision, refusals).await {
                    Ok(Progress::Done(_)) => {}
                    Ok(Progress::Waiting(why)) => waiting.push(format!("{at}: {why}")),
                    Ok(Progress::Failed(why)) => {
                        let source = MigrationError::Stuck(why);
                        return Err(WaveError::At { at, source });
                    }
                    Err(source) => return Err(WaveError::At { at, source }),
                }
            }
            let now = self.state.clock().now();
            match (&wave.gate, waiting.is_empty()) {
                (GateState::Soaking { .. }, false) => {
                    return Err(WaveError::LeftWhileSoaking(waiting.join("; ")));
                }
                (GateState::Soaking { since }, true) => {
                    if now - since >= i64::try_from(run.soak_secs).unwrap_or(i64::MAX) {
                        self.save(|r| {
                            r.waves[w].gate = GateState::Passed { at: now };
                            r.waves[w].state = WaveState::Passed;
                        })
                        .await?;
                        self.audit(
                            Event::new("mesh.wave.gate", Outcome::Success)
                                .param("run", &run.id)
                                .param("wave", w + 1),
                        )
                        .await;
                        return Ok(());
                    }
                }
                (_, true) => {
                    self.save(|r| r.waves[w].gate = GateState::Soaking { since: now })
                        .await?;
                }
                (_, false) => {
                    for target in &wave.targets {
                        let client = self.client(target.cluster.as_str())?;
                        workload::wait_until_on(&client, &target.namespace, &run.revision, timing)
                            .await
                            .map_err(|source| WaveError::At {
                                at: format!("{}/{}", target.cluster, target.namespace),
                                source,
                            })?;
                    }
                }
            }
            tokio::time::sleep(timing.poll).await;
        }
    }

    /// Relabels the wave's namespaces back, restarts and watches them
    /// onto the default revision. The new control plane stays: other
    /// waves may use it.
    async fn roll_back(&self, w: usize) -> Result<(), WaveError> {
        let timing = self.state.migrations().timing();
        let run = self.run_of();
        for (t, target) in run.waves[w].targets.iter().enumerate() {
            if target.step == TargetStep::RolledBack || target.step == TargetStep::Pending {
                continue;
            }
            let client = self.client(target.cluster.as_str())?;
            let ns = target.namespace.as_str();
            let at = format!("{}/{ns}", target.cluster);
            workload::relabel(&client, ns, &rollback_patch())
                .await
                .map_err(rolling_back(&at))?;
            let stamp = Stamp::new(
                self.state.clock().now(),
                &format!("{}/{}/{ns}/rollback", run.id, target.cluster),
            );
            for d in &target.deployments {
                workload::restart(&client, ns, d, DEFAULT_REVISION, &stamp)
                    .await
                    .map_err(rolling_back(&at))?;
            }
            workload::wait_until_on(&client, ns, DEFAULT_REVISION, timing)
                .await
                .map_err(rolling_back(&at))?;
            self.save(|r| r.waves[w].targets[t].step = TargetStep::RolledBack)
                .await?;
            self.audit(
                Event::new("mesh.wave.step", Outcome::Success)
                    .cluster(target.cluster.to_string())
                    .target(format!("namespace {ns}"))
                    .param("run", &run.id)
                    .param("wave", w + 1)
                    .param("step", "rolled_back"),
            )
            .await;
        }
        self.save(|r| r.waves[w].state = WaveState::RolledBack)
            .await
    }

    async fn audit(&self, event: Event) {
        let actor = Actor {
            name: self.run_of().by,
            role: None,
        };
        if let Err(err) = audit::record(&self.state, actor, None, event).await {
            tracing::error!(error = %err, "the audit log refused a wave step");
        }
    }
}

fn rolling_back(at: &str) -> impl Fn(MigrationError) -> WaveError + '_ {
    move |source| WaveError::RollingBack {
        at: at.to_owned(),
        source,
    }
}

fn step_name(step: &TargetStep) -> &'static str {
    match step {
        TargetStep::Pending => "pending",
        TargetStep::Relabelled => "relabelled",
        TargetStep::Restarted => "restarted",
        TargetStep::OnTarget => "on_target",
        TargetStep::Failed { .. } => "failed",
        TargetStep::RolledBack => "rolled_back",
    }
}
