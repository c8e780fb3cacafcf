//! A namespace's workloads as a migration sees them: its pods and the
//! revision of their proxies, relabelling it, rolling restarts of its
//! Deployments (the `restartedAt` template annotation, stamped so that
//! re-applying the same restart changes nothing), and watching until every
//! pod runs a revision and is Ready, or something says it never will
//! (image pull errors, injection webhook refusals).

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Namespace, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::{Value, json};
use shared::fleet::PodPhase;
use shared::mesh::migration::run::Straggler;

use super::MigrationTiming;
use crate::cluster::apply::FIELD_MANAGER;
use crate::cluster::watch::projection;

/// The template annotation `kubectl rollout restart` sets.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
/// Names the console operation that restarted a Deployment.
pub const RESTART_ID: &str = "meshdeck.io/restart";

/// The rollout number the Deployment controller stamps on a Deployment
/// and on each of its ReplicaSets.
pub const ROLLOUT_REVISION: &str = "deployment.kubernetes.io/revision";

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
pub async fn pods(client: &kube::Client, namespace: &str) -> Result<Vec<PodState>, String> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| format!("listing pods of {namespace}: {e}"))?;
    let mut pods: Vec<PodState> = list
        .items
        .iter()
        .map(PodState::of)
        .filter(PodState::counts)
        .collect();
    pods.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(pods)
}

/// The names of `namespace`'s Deployments.
pub async fn deployments(
    client: &kube::Client,
    namespace: &str,
) -> Result<Vec<Deployment>, String> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let mut list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| format!("listing Deployments of {namespace}: {e}"))?
        .items;
    list.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    Ok(list)
}

pub fn name_of(d: &Deployment) -> String {
    d.metadata.name.clone().unwrap_or_default()
}

fn selects(d: &Deployment, pod: &PodState) -> bool {
    d.spec
        .selector
        .match_labels
        .as_ref()
        .is_some_and(|m| !m.is_empty() && m.iter().all(|(k, v)| pod.labels.get(k) == Some(v)))
}

/// Applies a label patch to `namespace`; `false` when it already had
/// those labels.
pub async fn relabel(
    client: &kube::Client,
    namespace: &str,
    patch: &Value,
) -> Result<bool, String> {
    let api: Api<Namespace> = Api::all(client.clone());
    let before = api
        .get(namespace)
        .await
        .map_err(|e| format!("reading namespace {namespace}: {e}"))?;
    let labels = before.metadata.labels.unwrap_or_default();
    let wanted = patch["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let unchanged = wanted.iter().all(|(k, v)| match v.as_str() {
        Some(v) => labels.get(k).map(String::as_str) == Some(v),
        None => !labels.contains_key(k),
    });
    if unchanged {
        return Ok(false);
    }
    api.patch(
        namespace,
        &PatchParams::apply(FIELD_MANAGER),
        &Patch::Merge(patch),
    )
    .await
    .map_err(|e| format!("relabelling namespace {namespace}: {e}"))?;
    Ok(true)
}

/// What restarting a Deployment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restart {
    Restarted,
    /// Already restarted by this very operation (`stamp.id`).
    AlreadyRestarted,
    /// Every pod already runs the target revision.
    NotNeeded,
}

impl Restart {
    pub fn as_str(&self) -> &'static str {
        match self {
            Restart::Restarted => "restarted",
            Restart::AlreadyRestarted => "already restarted by this run",
            Restart::NotNeeded => "not needed: every pod already runs the revision",
        }
    }
}

/// A restart's stamp: the time shown as `restartedAt`, and the id of the
/// operation, so re-applying the same restart is a no-op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub at: String,
    pub id: String,
}

impl Stamp {
    /// `at` is Unix seconds.
    pub fn new(at: i64, id: &str) -> Self {
        let text = shared::time::format_utc(at);
        // `2025-03-01 14:05:09 UTC` → RFC 3339, as kubectl writes it.
        let rfc3339 = text.trim_end_matches(" UTC").replacen(' ', "T", 1) + "Z";
        Self {
            at: rfc3339,
            id: id.to_owned(),
        }
    }

    /// Stored form, `id@at`.
    pub fn encode(&self) -> String {
        format!("{}@{}", self.id, self.at)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let (id, at) = text.rsplit_once('@')?;
        Some(Self {
            at: at.to_owned(),
            id: id.to_owned(),
        })
    }
}

/// Rolling-restarts `deployment` unless all its pods already run
/// `target` or this operation already restarted it.
pub async fn restart(
    client: &kube::Client,
    namespace: &str,
    deployment: &str,
    target: &str,
    stamp: &Stamp,
) -> Result<Restart, String> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let Some(d) = api
        .get_opt(deployment)
        .await
        .map_err(|e| format!("reading Deployment {namespace}/{deployment}: {e}"))?
    else {
        return Err(format!(
            "Deployment {namespace}/{deployment} no longer exists"
        ));
    };
    let annotations = d
        .spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.annotations.as_ref());
    if annotations.and_then(|a| a.get(RESTART_ID)) == Some(&stamp.id) {
        return Ok(Restart::AlreadyRestarted);
    }
    let mine: Vec<PodState> = pods(client, namespace)
        .await?
        .into_iter()
        .filter(|p| selects(&d, p))
        .collect();
    if !mine.is_empty() && mine.iter().all(|p| p.revision.as_deref() == Some(target)) {
        return Ok(Restart::NotNeeded);
    }
    let patch = json!({"spec": {"template": {"metadata": {"annotations": {
        RESTARTED_AT: stamp.at, RESTART_ID: stamp.id,
    }}}}});
    api.patch(
        deployment,
        &PatchParams::apply(FIELD_MANAGER),
        &Patch::Merge(&patch),
    )
    .await
    .map_err(|e| format!("restarting Deployment {namespace}/{deployment}: {e}"))?;
    Ok(Restart::Restarted)
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
    client: &kube::Client,
    namespace: &str,
    target: &str,
    refusals: &mut Refusals,
) -> Result<Progress, String> {
    let pods = pods(client, namespace).await?;
    if let Some(p) = pods.iter().find(|p| p.pull_error.is_some()) {
        return Ok(Progress::Failed(format!(
            "pod {namespace}/{} cannot pull its image: {}",
            p.name,
            p.pull_error.as_deref().unwrap_or_default()
        )));
    }
    if let Some(refusal) = refusals.repeated(refused_creations(client, namespace).await?) {
        return Ok(Progress::Failed(refusal));
    }
    let mut rolling = Vec::new();
    for d in deployments(client, namespace).await? {
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
    client: &kube::Client,
    namespace: &str,
) -> Result<Vec<(String, i32, String)>, String> {
    let events: Api<Event> = Api::namespaced(client.clone(), namespace);
    let list = events
        .list(&ListParams::default())
        .await
        .map_err(|e| format!("listing events of {namespace}: {e}"))?;
    let sets: Api<ReplicaSet> = Api::namespaced(client.clone(), namespace);
    let current: Vec<(String, String)> = deployments(client, namespace)
        .await?
        .iter()
        .map(|d| (name_of(d), rollout_revision(&d.metadata)))
        .collect();
    let mut refused = Vec::new();
    for event in list.items.iter().filter(|e| {
        e.reason.as_deref() == Some("FailedCreate")
            && e.involved_object.kind.as_deref() == Some("ReplicaSet")
    }) {
        let Some(name) = event.involved_object.name.as_deref() else {
            continue;
        };
        let Some(rs) = sets
            .get_opt(name)
            .await
            .map_err(|e| format!("reading ReplicaSet {namespace}/{name}: {e}"))?
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
    client: &kube::Client,
    namespace: &str,
    target: &str,
    timing: MigrationTiming,
) -> Result<String, String> {
    let deadline = tokio::time::Instant::now() + timing.ready_timeout;
    let mut refusals = Refusals::default();
    loop {
        match observe(client, namespace, target, &mut refusals).await? {
            Progress::Done(summary) => return Ok(summary),
            Progress::Failed(why) => return Err(why),
            Progress::Waiting(why) => {
                if tokio::time::Instant::now() >= deadline {
                    return Err(format!(
                        "pods of {namespace} not on {target} and Ready within {} s: {why}",
                        timing.ready_timeout.as_secs()
                    ));
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
