//! The Deployment controller: one ReplicaSet per pod template
//! (`<deployment>-<pod-template-hash>`), rolled from old to new within
//! maxSurge/maxUnavailable (or all at once for `Recreate`), revisions in
//! `deployment.kubernetes.io/revision` so `kubectl rollout history|undo`
//! work, old sets pruned to `revisionHistoryLimit`, and the status and
//! conditions `kubectl rollout status` waits for.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::deployment_status;
use super::events::{self, Source, Type};
use super::rollout::{self, Rs};
use super::runtime::{Key, Reconciler, key_of};
use super::template::{self, HASH_LABEL};
use super::util::{self, DEPLOYMENTS, REPLICASETS};
use crate::cluster::Cluster;
use crate::ops::{self, DeleteOptions};
use crate::store::Event;

const MANAGER: &str = "kube-controller-manager";
const SOURCE: Source<'static> = Source::controller("deployment-controller");
pub const REVISION: &str = "deployment.kubernetes.io/revision";
const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
const DESIRED: &str = "deployment.kubernetes.io/desired-replicas";
const MAX: &str = "deployment.kubernetes.io/max-replicas";
/// Deployment annotations never copied onto its ReplicaSets.
const NOT_COPIED: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    REVISION_HISTORY,
    DESIRED,
    MAX,
    "deprecated.deployment.rollback.to",
];

pub struct DeploymentController;

impl Reconciler for DeploymentController {
    fn primary(&self) -> &'static str {
        DEPLOYMENTS
    }

    fn keys_for(&self, _cluster: &Cluster, event: &Event) -> Vec<Key> {
        match &*event.resource {
            DEPLOYMENTS => vec![key_of(&event.object)],
            REPLICASETS => util::owner_name(&event.object, "Deployment")
                .map(|d| vec![(event.namespace.clone(), d.to_owned())])
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    async fn reconcile(&self, cluster: &Arc<Cluster>, key: &Key) -> Option<Duration> {
        let d = cluster.store.get(DEPLOYMENTS, &key.0, &key.1)?;
        if util::is_deleting(&d) {
            return None;
        }
        let rt = util::rt(cluster, DEPLOYMENTS)?;
        let paused = d["spec"]["paused"] == true;
        let (new, old) = split(cluster, &d);
        let mut created = None;
        let new = match new {
            Some(rs) if !paused => Some(ensure_revision(cluster, &d, rs, &old).await?),
            Some(rs) => Some(rs),
            None if paused => None,
            None => {
                let rs = create_new(cluster, &d, &old).await?;
                created = Some(util::name(&rs).to_owned());
                Some(rs)
            }
        };
        if let Some(new) = &new
            && !paused
        {
            if d["spec"]["strategy"]["type"] == "Recreate" {
                recreate(cluster, &d, new, &old).await;
            } else {
                rolling(cluster, &d, new, &old).await;
            }
            let revision = new["metadata"]["annotations"][REVISION]
                .as_str()
                .unwrap_or_default();
            if !revision.is_empty() && d["metadata"]["annotations"][REVISION] != revision {
                let patch = json!({"metadata": {"annotations": {REVISION: revision}}});
                util::patch_guarded(cluster, &rt, &d, patch, &util::writer(MANAGER, MANAGER)).await;
            }
        }
        let d = cluster.store.get(DEPLOYMENTS, &key.0, &key.1)?;
        let (new, old) = split(cluster, &d);
        let (status, requeue) =
            deployment_status::compute(&d, new.as_ref(), &old, created.as_deref());
        if deployment_status::complete(&d, &status) {
            prune_history(cluster, &d, &old).await;
        }
        util::write_status(cluster, &rt, &d, status, &util::writer(MANAGER, MANAGER)).await;
        requeue
    }
}

/// The deployment's ReplicaSets: the one whose template is the
/// deployment's (if any) and the others, oldest first.
fn split(cluster: &Cluster, d: &Value) -> (Option<Value>, Vec<Value>) {
    let ns = util::str_at(d, "/metadata/namespace");
    let (all, _) = cluster.store.list(REPLICASETS, Some(ns));
    let mut owned: Vec<Value> = all
        .iter()
        .filter(|rs| util::controlled_by(rs, util::uid(d)) && !util::is_deleting(rs))
        .map(|rs| (**rs).clone())
        .collect();
    owned.sort_by(|a, b| {
        let created = |rs: &Value| util::str_at(rs, "/metadata/creationTimestamp").to_owned();
        created(a)
            .cmp(&created(b))
            .then_with(|| util::name(a).cmp(util::name(b)))
    });
    let template = &d["spec"]["template"];
    let position = owned
        .iter()
        .position(|rs| template::equal_ignoring_hash(&rs["spec"]["template"], template));
    let new = position.map(|i| owned.remove(i));
    (new, owned)
}

pub fn revision_of(rs: &Value) -> i64 {
    rs["metadata"]["annotations"][REVISION]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn next_revision(old: &[Value]) -> i64 {
    old.iter().map(revision_of).max().unwrap_or(0) + 1
}

/// The annotations a ReplicaSet of `d` carries.
fn rs_annotations(d: &Value, revision: i64) -> Map<String, Value> {
    let mut out: Map<String, Value> = d["metadata"]["annotations"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| !NOT_COPIED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let (surge, _) = rollout::surge_and_unavailable(d);
    let replicas = util::int_at(d, "/spec/replicas");
    out.insert(DESIRED.into(), json!(replicas.to_string()));
    out.insert(MAX.into(), json!((replicas + surge).to_string()));
    out.insert(REVISION.into(), json!(revision.to_string()));
    out
}

/// A reused ReplicaSet (a rollback, or a template changed back) becomes
/// the newest revision, remembering the revisions it had.
async fn ensure_revision(cluster: &Cluster, d: &Value, rs: Value, old: &[Value]) -> Option<Value> {
    let current = revision_of(&rs);
    let next = next_revision(old);
    if current >= next {
        return Some(rs);
    }
    let rt = util::rt(cluster, REPLICASETS)?;
    let mut annotations = rs_annotations(d, next);
    if current > 0 {
        let history = rs["metadata"]["annotations"][REVISION_HISTORY]
            .as_str()
            .unwrap_or_default();
        let history = if history.is_empty() {
            current.to_string()
        } else {
            format!("{history},{current}")
        };
        annotations.insert(REVISION_HISTORY.into(), json!(history));
    }
    let patch = json!({"metadata": {"annotations": annotations}});
    util::patch_guarded(cluster, &rt, &rs, patch, &util::writer(MANAGER, MANAGER)).await
}

/// Creates the ReplicaSet for the deployment's current template.
async fn create_new(cluster: &Cluster, d: &Value, old: &[Value]) -> Option<Value> {
    let rt = util::rt(cluster, REPLICASETS)?;
    let ns = util::str_at(d, "/metadata/namespace");
    let replicas = util::int_at(d, "/spec/replicas");
    let mut collisions = u32::try_from(util::int_at(d, "/status/collisionCount")).unwrap_or(0);
    let mut template = template::normalize(&d["spec"]["template"]);
    let (hash, rs_name) = loop {
        let hash = template::hash(&template, collisions);
        let name = format!("{}-{hash}", util::name(d));
        if cluster.store.get(REPLICASETS, ns, &name).is_none() || collisions > 10 {
            break (hash, name);
        }
        collisions += 1;
    };
    template["metadata"]["labels"][HASH_LABEL] = json!(hash);
    let mut selector = d["spec"]["selector"].clone();
    selector["matchLabels"][HASH_LABEL] = json!(hash);
    let initial = if d["spec"]["strategy"]["type"] == "Recreate" {
        if old
            .iter()
            .any(|rs| util::int_at(rs, "/status/replicas") > 0)
        {
            0
        } else {
            replicas
        }
    } else {
        let (surge, _) = rollout::surge_and_unavailable(d);
        let all: Vec<Rs> = old.iter().map(Rs::of).collect();
        let new = Rs {
            name: rs_name.clone(),
            replicas: 0,
            available: 0,
        };
        rollout::new_rs_replicas(replicas, surge, &new, &all)
    };
    let mut spec = json!({"replicas": initial, "selector": selector, "template": template});
    if let Some(min_ready) = d["spec"]["minReadySeconds"].as_i64() {
        spec["minReadySeconds"] = json!(min_ready);
    }
    let body = json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": rs_name,
            "namespace": ns,
            "labels": template["metadata"]["labels"],
            "annotations": rs_annotations(d, next_revision(old)),
            "ownerReferences": [util::owner_ref(d)],
        },
        "spec": spec,
    });
    match ops::create(cluster, &rt, ns, body, &util::writer(MANAGER, MANAGER)).await {
        Ok(rs) => {
            if initial > 0 {
                let message = format!("Scaled up replica set {rs_name} from 0 to {initial}");
                events::record(
                    cluster,
                    d,
                    None,
                    Type::Normal,
                    "ScalingReplicaSet",
                    &message,
                    SOURCE,
                )
                .await;
            }
            Some(rs)
        }
        Err(e) => {
            tracing::warn!(cluster = %cluster.name, rs = %rs_name, error = %e.message, "replica set not created");
            None
        }
    }
}

/// Sets a ReplicaSet's replicas, with the event real clusters record.
async fn scale(cluster: &Cluster, d: &Value, rs: &Value, replicas: i64) {
    let from = util::int_at(rs, "/spec/replicas");
    if from == replicas {
        return;
    }
    let Some(rt) = util::rt(cluster, REPLICASETS) else {
        return;
    };
    let (surge, _) = rollout::surge_and_unavailable(d);
    let desired = util::int_at(d, "/spec/replicas");
    let patch = json!({
        "metadata": {"annotations": {DESIRED: desired.to_string(), MAX: (desired + surge).to_string()}},
        "spec": {"replicas": replicas},
    });
    if util::patch_guarded(cluster, &rt, rs, patch, &util::writer(MANAGER, MANAGER))
        .await
        .is_some()
    {
        let direction = if replicas > from { "up" } else { "down" };
        let message = format!(
            "Scaled {direction} replica set {} from {from} to {replicas}",
            util::name(rs)
        );
        events::record(
            cluster,
            d,
            None,
            Type::Normal,
            "ScalingReplicaSet",
            &message,
            SOURCE,
        )
        .await;
    }
}

async fn rolling(cluster: &Cluster, d: &Value, new: &Value, old: &[Value]) {
    let replicas = util::int_at(d, "/spec/replicas");
    let (surge, unavailable) = rollout::surge_and_unavailable(d);
    let mut all: Vec<Rs> = old.iter().map(Rs::of).collect();
    let mut new_rs = Rs::of(new);
    all.push(new_rs.clone());
    let target = rollout::new_rs_replicas(replicas, surge, &new_rs, &all);
    if target != new_rs.replicas {
        scale(cluster, d, new, target).await;
        new_rs.replicas = target;
        new_rs.available = new_rs.available.min(target);
    }
    let olds: Vec<Rs> = old.iter().map(Rs::of).collect();
    for (name, replicas) in rollout::scale_down_old(replicas, unavailable, &new_rs, &olds) {
        if let Some(rs) = old.iter().find(|rs| util::name(rs) == name) {
            scale(cluster, d, rs, replicas).await;
        }
    }
}

/// `Recreate`: every old pod goes before any new one starts.
async fn recreate(cluster: &Cluster, d: &Value, new: &Value, old: &[Value]) {
    let mut waiting = false;
    for rs in old {
        if util::int_at(rs, "/spec/replicas") > 0 {
            scale(cluster, d, rs, 0).await;
            waiting = true;
        } else if util::int_at(rs, "/status/replicas") > 0 {
            waiting = true;
        }
    }
    if !waiting {
        scale(cluster, d, new, util::int_at(d, "/spec/replicas")).await;
    }
}

/// Deletes the oldest empty ReplicaSets beyond `revisionHistoryLimit`.
async fn prune_history(cluster: &Cluster, d: &Value, old: &[Value]) {
    let limit = d["spec"]["revisionHistoryLimit"].as_i64().unwrap_or(10);
    let mut empty: Vec<&Value> = old
        .iter()
        .filter(|rs| {
            util::int_at(rs, "/spec/replicas") == 0 && util::int_at(rs, "/status/replicas") == 0
        })
        .collect();
    let excess = usize::try_from(i64::try_from(empty.len()).unwrap_or(0) - limit).unwrap_or(0);
    if excess == 0 {
        return;
    }
    let Some(rt) = util::rt(cluster, REPLICASETS) else {
        return;
    };
    empty.sort_by_key(|rs| revision_of(rs));
    for rs in empty.into_iter().take(excess) {
        let ns = util::str_at(rs, "/metadata/namespace");
        let _ = ops::delete(cluster, &rt, ns, util::name(rs), &DeleteOptions::default()).await;
    }
}
