//! An install run's job: what each step does on the cluster (apply an
//! object, issue `cacerts`, wait for istiod or for its CA request, verify
//! it) and the audit entry of the run's end.

use serde::{Deserialize, Serialize};
use shared::Outcome;
use shared::mesh::{CaMode, Content, InstallProgress, Plan};

use super::book::InstallTiming;
use super::error::InstallStepError;
use crate::audit::{self, Actor, Event};
use crate::cluster::mesh::inspect;
use crate::cluster::{ClusterError, MemberApi};
use crate::runs::StepJob;
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

/// One install run's job: its cluster, plan and operator.
pub(super) struct Install {
    pub state: AppState,
    pub client: MemberApi,
    pub plan: Plan,
    pub timing: InstallTiming,
    pub actor: Actor,
}

impl StepJob<InstallProgress> for Install {
    type Work = Work;
    type Error = InstallStepError;

    async fn perform(&self, work: Work, run: &InstallProgress) -> Result<String, InstallStepError> {
        self.step(work, &run.id).await
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
    /// Does `work` for run `run`.
    async fn step(&self, work: Work, run: &str) -> Result<String, InstallStepError> {
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
                        let by = super::cacerts::IssuedBy {
                            actor: &self.actor,
                            run,
                        };
                        super::cacerts::ensure(&self.state, &self.client, &self.plan, by).await
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
        self.wait_until(
            || async {
                let state = inspect::istiod(&self.client, revision)
                    .await
                    .map_err(InstallStepError::on(cluster))?;
                Ok(if state.ready {
                    Look::Done(format!("{}/{} pods Ready", state.ready_pods, state.pods))
                } else {
                    Look::NotYet(state.reason)
                })
            },
            |secs, reason| InstallStepError::NotReady {
                cluster: cluster.to_owned(),
                revision: revision.to_owned(),
                secs,
                reason,
            },
        )
        .await
    }

    async fn wait_for_ca_request(&self) -> Result<String, InstallStepError> {
        let cluster = self.plan.cluster.as_str();
        let revision = self.plan.settings.revision.as_str();
        self.wait_until(
            || async {
                let found = inspect::hsm_request(&self.client, revision)
                    .await
                    .map_err(InstallStepError::on(cluster))?;
                Ok(if found.answered {
                    Look::Done(
                        "istiod's CA certificate was signed earlier (secret istio-ca-cert)".into(),
                    )
                } else if found.requested {
                    Look::Done(
                        "istiod wrote its encrypted CSR (secret istio-ca-cert-csr): a security officer signs it in the Security inbox".into(),
                    )
                } else {
                    Look::NotYet(found.reason)
                })
            },
            |secs, reason| InstallStepError::NoRequest {
                cluster: cluster.to_owned(),
                revision: revision.to_owned(),
                secs,
                reason,
            },
        )
        .await
    }

    /// Looks every poll interval until `look` says done; after the ready
    /// timeout, `late` builds the error from the timeout (seconds) and
    /// the last reason seen.
    async fn wait_until<F, Fut>(
        &self,
        mut look: F,
        late: impl FnOnce(u64, String) -> InstallStepError,
    ) -> Result<String, InstallStepError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Look, InstallStepError>>,
    {
        let deadline = tokio::time::Instant::now() + self.timing.ready_timeout;
        loop {
            let reason = match look().await? {
                Look::Done(outcome) => return Ok(outcome),
                Look::NotYet(reason) => reason,
            };
            if tokio::time::Instant::now() >= deadline {
                return Err(late(
                    self.timing.ready_timeout.as_secs(),
                    reason.unwrap_or_else(|| "no reason reported".into()),
                ));
            }
            tokio::time::sleep(self.timing.poll).await;
        }
    }
}

/// What one look of a wait saw.
enum Look {
    /// Done, with what the step reports.
    Done(String),
    /// Not yet, and why if the cluster says.
    NotYet(Option<String>),
}
