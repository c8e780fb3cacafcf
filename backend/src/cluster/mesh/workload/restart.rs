//! Changing a namespace's workloads: relabelling the namespace, and
//! rolling restarts of its Deployments (the `restartedAt` template
//! annotation, stamped so that re-applying the same restart changes
//! nothing).

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::Api;
use serde_json::{Value, json};

use super::pods::{PodState, pods, selects};
use crate::cluster::MemberApi;
use crate::cluster::mesh::calls;
use crate::cluster::mesh::error::MigrationError;

/// The template annotation `kubectl rollout restart` sets.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
/// Names the console operation that restarted a Deployment.
pub const RESTART_ID: &str = "meshdeck.io/restart";

/// Applies a label patch to `namespace`; `false` when it already had
/// those labels.
pub async fn relabel(
    member: &MemberApi,
    namespace: &str,
    patch: &Value,
) -> Result<bool, MigrationError> {
    let client = member.client();
    let api: Api<Namespace> = Api::all(client.clone());
    let before = calls::get(&api, namespace, format!("reading namespace {namespace}")).await?;
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
    calls::merge_patch(
        &api,
        namespace,
        patch,
        format!("relabelling namespace {namespace}"),
    )
    .await?;
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
    member: &MemberApi,
    namespace: &str,
    deployment: &str,
    target: &str,
    stamp: &Stamp,
) -> Result<Restart, MigrationError> {
    let client = member.client();
    let api: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let Some(d) = calls::get_opt(
        &api,
        deployment,
        format!("reading Deployment {namespace}/{deployment}"),
    )
    .await?
    else {
        return Err(MigrationError::DeploymentGone {
            namespace: namespace.to_owned(),
            name: deployment.to_owned(),
        });
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
    let mine: Vec<PodState> = pods(member, namespace)
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
    calls::merge_patch(
        &api,
        deployment,
        &patch,
        format!("restarting Deployment {namespace}/{deployment}"),
    )
    .await?;
    Ok(Restart::Restarted)
}
