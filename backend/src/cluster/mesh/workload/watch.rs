//! Watching a namespace on its way to a revision: until every pod runs it
//! and is Ready, or something says it never will (image pull errors,
//! injection webhook refusals).

use std::collections::HashMap;
use std::time::Duration;

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::Api;

use super::pods::{PodState, deployments, name_of, pods};
use crate::cluster::MemberApi;
use crate::cluster::mesh::ROLLOUT_REVISION;
use crate::cluster::mesh::calls;
use crate::cluster::mesh::error::MigrationError;

/// How long a migration waits for pods, and how often it looks.
#[derive(Debug, Clone, Copy)]
pub struct MigrationTiming {
    pub ready_timeout: Duration,
    pub poll: Duration,
}

impl Default for MigrationTiming {
    fn default() -> Self {
        Self {
            ready_timeout: Duration::from_secs(300),
            poll: Duration::from_millis(500),
        }
    }
}

/// Where a namespace is on its way to a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Every pod runs it and is Ready.
    Done(String),
    Waiting(String),
    /// It will not get there without help.
    Failed(String),
}

/// The pod creation refusals of a namespace as first seen by a watch on
/// it. A refusal counts only once the ReplicaSet has been refused again
/// since: the one seen first may predate a fix just made (a relabel that
/// takes the pods away from a failing injection webhook), and the
/// ReplicaSet's next try tells.
#[derive(Debug, Default)]
pub struct Refusals {
    /// FailedCreate events by uid, with their count, at the first look.
    first_look: Option<HashMap<String, i32>>,
}

impl Refusals {
    /// The first of `current` (uid, count, message) that is newer than
    /// the first look; the first call only takes that look.
    fn repeated(&mut self, current: Vec<(String, i32, String)>) -> Option<String> {
        let Some(first) = &self.first_look else {
            self.first_look = Some(current.into_iter().map(|(uid, n, _)| (uid, n)).collect());
            return None;
        };
        current
            .into_iter()
            .find(|(uid, count, _)| first.get(uid).is_none_or(|seen| count > seen))
            .map(|(_, _, message)| message)
    }
}

/// Looks once at `namespace` on its way to `target`; `refusals` carries
/// what earlier looks of the same watch saw.
pub async fn observe(
    member: &MemberApi,
    namespace: &str,
    target: &str,
    refusals: &mut Refusals,
) -> Result<Progress, MigrationError> {
    let pods = pods(member, namespace).await?;
    if let Some(p) = pods.iter().find(|p| p.pull_error.is_some()) {
        return Ok(Progress::Failed(format!(
            "pod {namespace}/{} cannot pull its image: {}",
            p.name,
            p.pull_error.as_deref().unwrap_or_default()
        )));
    }
    if let Some(refusal) = refusals.repeated(refused_creations(member, namespace).await?) {
        return Ok(Progress::Failed(refusal));
    }
    let mut rolling = Vec::new();
    for d in deployments(member, namespace).await? {
        let want = d.spec.replicas.unwrap_or(1);
        let status = d.status.clone().unwrap_or_default();
        let observed =
            status.observed_generation.unwrap_or(0) >= d.metadata.generation.unwrap_or(0);
        if !observed
            || status.updated_replicas.unwrap_or(0) < want
            || status.replicas.unwrap_or(0) > want
        {
            rolling.push(name_of(&d));
        }
    }
    let stragglers: Vec<&PodState> = pods.iter().filter(|p| !p.settled_on(target)).collect();
    if stragglers.is_empty() && rolling.is_empty() {
        return Ok(Progress::Done(format!(
            "{} pods on {target}, all Ready",
            pods.len()
        )));
    }
    let mut why = Vec::new();
    if !rolling.is_empty() {
        why.push(format!("rolling out: {}", rolling.join(", ")));
    }
    if !stragglers.is_empty() {
        let names: Vec<String> = stragglers
            .iter()
            .map(|p| {
                format!(
                    "{} ({}, {})",
                    p.name,
                    p.revision.as_deref().unwrap_or("no proxy"),
                    if p.ready { "Ready" } else { "not Ready" }
                )
            })
            .collect();
        why.push(format!(
            "not yet on {target} and Ready: {}",
            names.join(", ")
        ));
    }
    Ok(Progress::Waiting(why.join("; ")))
}

/// The refusals (an injection webhook failing, a quota) of ReplicaSets of
/// `namespace` that want more pods than they have and are their
/// Deployment's current one: each FailedCreate event's uid and count, and
/// a message naming the ReplicaSet and the refusal.
async fn refused_creations(
    member: &MemberApi,
    namespace: &str,
) -> Result<Vec<(String, i32, String)>, MigrationError> {
    let client = member.client();
    let list: Vec<Event> = calls::list_in(member, namespace, "events").await?;
    let sets: Api<ReplicaSet> = Api::namespaced(client.clone(), namespace);
    let current: Vec<(String, String)> = deployments(member, namespace)
        .await?
        .iter()
        .map(|d| (name_of(d), rollout_revision(&d.metadata)))
        .collect();
    let mut refused = Vec::new();
    for event in list.iter().filter(|e| {
        e.reason.as_deref() == Some("FailedCreate")
            && e.involved_object.kind.as_deref() == Some("ReplicaSet")
    }) {
        let Some(name) = event.involved_object.name.as_deref() else {
            continue;
        };
        let Some(rs) = calls::get_opt(
            &sets,
            name,
            format!("reading ReplicaSet {namespace}/{name}"),
        )
        .await?
        else {
            continue;
        };
        let want = rs.spec.replicas.unwrap_or(0);
        let have = rs.status.as_ref().map_or(0, |s| s.replicas);
        if want > have && !superseded(&rs, &current) {
            refused.push((
                event.metadata.uid.clone().unwrap_or_default(),
                event.count.unwrap_or(1),
                format!(
                    "ReplicaSet {namespace}/{name} cannot create pods: {}",
                    event.message.as_deref().unwrap_or("FailedCreate")
                ),
            ));
        }
    }
    Ok(refused)
}

/// The `deployment.kubernetes.io/revision` of a Deployment or ReplicaSet.
fn rollout_revision(meta: &ObjectMeta) -> String {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(ROLLOUT_REVISION))
        .cloned()
        .unwrap_or_default()
}

/// Whether `rs` belongs to a Deployment of `current` (name, revision) that
/// has rolled out a newer template since: its refusals no longer matter,
/// the Deployment scales it down.
fn superseded(rs: &ReplicaSet, current: &[(String, String)]) -> bool {
    let revision = rollout_revision(&rs.metadata);
    rs.metadata.owner_references.iter().flatten().any(|o| {
        o.kind == "Deployment"
            && current
                .iter()
                .any(|(name, now)| *name == o.name && *now != revision)
    })
}

/// Watches `namespace` until every pod runs `target` and is Ready; stops
/// at the first failure, or when `timing.ready_timeout` passes.
pub async fn wait_until_on(
    member: &MemberApi,
    namespace: &str,
    target: &str,
    timing: MigrationTiming,
) -> Result<String, MigrationError> {
    let deadline = tokio::time::Instant::now() + timing.ready_timeout;
    let mut refusals = Refusals::default();
    loop {
        match observe(member, namespace, target, &mut refusals).await? {
            Progress::Done(summary) => return Ok(summary),
            Progress::Failed(why) => return Err(MigrationError::Stuck(why)),
            Progress::Waiting(why) => {
                if tokio::time::Instant::now() >= deadline {
                    return Err(MigrationError::NotSettled {
                        namespace: namespace.to_owned(),
                        target: target.to_owned(),
                        secs: timing.ready_timeout.as_secs(),
                        why,
                    });
                }
            }
        }
        tokio::time::sleep(timing.poll).await;
    }
}

#[cfg(test)]
mod refusal_tests {
    use super::Refusals;

    fn refusal(uid: &str, count: i32) -> (String, i32, String) {
        (uid.into(), count, format!("refused {uid} x{count}"))
    }

    #[test]
    fn only_a_refusal_repeated_after_the_first_look_counts() {
        let mut refusals = Refusals::default();
        assert_eq!(refusals.repeated(vec![refusal("a", 3)]), None, "first look");
        assert_eq!(
            refusals.repeated(vec![refusal("a", 3)]),
            None,
            "not retried"
        );
        assert_eq!(
            refusals.repeated(vec![refusal("a", 4)]),
            Some("refused a x4".into())
        );
        assert_eq!(
            refusals.repeated(vec![refusal("a", 3), refusal("b", 1)]),
            Some("refused b x1".into()),
            "a refusal first seen later is new"
        );
        assert_eq!(refusals.repeated(Vec::new()), None);
    }
}
