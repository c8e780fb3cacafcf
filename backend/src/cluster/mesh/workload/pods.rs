//! A namespace's pods and Deployments as a migration reads them: each
//! pod's proxy revision, readiness, and whether it counts at all.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use shared::fleet::PodPhase;
use shared::mesh::migration::run::Straggler;

use crate::cluster::MemberApi;
use crate::cluster::mesh::calls;
use crate::cluster::mesh::error::MigrationError;
use crate::cluster::watch::projection;

const PULL_FAILURES: [&str; 3] = ["ErrImagePull", "ImagePullBackOff", "InvalidImageName"];

/// One pod, as much as a migration reads.
#[derive(Debug, Clone)]
pub struct PodState {
    pub name: String,
    pub revision: Option<String>,
    pub phase: PodPhase,
    pub ready: bool,
    /// Asked not to be injected (`sidecar.istio.io/inject: "false"`).
    pub opted_out: bool,
    pub deleting: bool,
    /// Why its image cannot be pulled, if it cannot.
    pub pull_error: Option<String>,
    pub labels: BTreeMap<String, String>,
}

impl PodState {
    fn of(pod: &Pod) -> Self {
        let meta = &pod.metadata;
        let status = pod.status.as_ref();
        let phase = match status.and_then(|s| s.phase.as_deref()) {
            Some("Pending") => PodPhase::Pending,
            Some("Running") => PodPhase::Running,
            Some("Succeeded") => PodPhase::Succeeded,
            Some("Failed") => PodPhase::Failed,
            _ => PodPhase::Unknown,
        };
        let ready = status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        let inject_false = |m: Option<&BTreeMap<String, String>>| {
            m.and_then(|m| m.get("sidecar.istio.io/inject"))
                .is_some_and(|v| v == "false")
        };
        let pull_error = status
            .into_iter()
            .flat_map(|s| {
                s.container_statuses
                    .iter()
                    .flatten()
                    .chain(s.init_container_statuses.iter().flatten())
            })
            .find_map(|c| {
                let waiting = c.state.as_ref()?.waiting.as_ref()?;
                let reason = waiting.reason.as_deref()?;
                PULL_FAILURES.contains(&reason).then(|| {
                    format!(
                        "{reason}: image {} ({})",
                        c.image,
                        waiting.message.as_deref().unwrap_or("no message")
                    )
                })
            });
        Self {
            name: meta.name.clone().unwrap_or_default(),
            revision: projection::proxy_revision(meta),
            phase,
            ready,
            opted_out: inject_false(meta.annotations.as_ref())
                || inject_false(meta.labels.as_ref()),
            deleting: meta.deletion_timestamp.is_some(),
            pull_error,
            labels: meta.labels.clone().unwrap_or_default(),
        }
    }

    /// Counts in a migration: alive, not leaving, and injectable.
    fn counts(&self) -> bool {
        !self.deleting
            && !self.opted_out
            && !matches!(self.phase, PodPhase::Succeeded | PodPhase::Failed)
    }

    /// Runs `revision` and is Ready.
    pub fn settled_on(&self, revision: &str) -> bool {
        self.ready && self.revision.as_deref() == Some(revision)
    }

    pub fn straggler(&self) -> Straggler {
        Straggler {
            name: self.name.clone(),
            revision: self.revision.clone(),
            phase: self.phase,
            ready: self.ready,
        }
    }
}

/// The pods of `namespace` that count in a migration, by name.
pub async fn pods(member: &MemberApi, namespace: &str) -> Result<Vec<PodState>, MigrationError> {
    let list: Vec<Pod> = calls::list_in(member, namespace, "pods").await?;
    let mut pods: Vec<PodState> = list
        .iter()
        .map(PodState::of)
        .filter(PodState::counts)
        .collect();
    pods.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(pods)
}

/// The names of `namespace`'s Deployments.
pub async fn deployments(
    member: &MemberApi,
    namespace: &str,
) -> Result<Vec<Deployment>, MigrationError> {
    let mut list: Vec<Deployment> = calls::list_in(member, namespace, "Deployments").await?;
    list.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    Ok(list)
}

pub fn name_of(d: &Deployment) -> String {
    d.metadata.name.clone().unwrap_or_default()
}

pub(super) fn selects(d: &Deployment, pod: &PodState) -> bool {
    d.spec
        .selector
        .match_labels
        .as_ref()
        .is_some_and(|m| !m.is_empty() && m.iter().all(|(k, v)| pod.labels.get(k) == Some(v)))
}
