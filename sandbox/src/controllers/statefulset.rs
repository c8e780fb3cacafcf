//! The StatefulSet controller (`OrderedReady`): pods `<name>-0` …
//! `<name>-(N-1)` created in order, each once the ones before it are
//! Running and Ready; scaling down removes the highest ordinal first, one
//! at a time; a changed template replaces pods from the highest ordinal
//! down; and the status `kubectl rollout status` reads (replicas, ready,
//! current and updated counts and revisions).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::events::{self, Source, Type};
use super::runtime::{Key, Reconciler, key_of};
use super::util::{self, PODS};
use crate::cluster::Cluster;
use crate::ops::{self, DeleteOptions};
use crate::store::Event;

pub const STATEFULSETS: &str = "statefulsets.apps";
const MANAGER: &str = "kube-controller-manager";
const SOURCE: Source<'static> = Source::controller("statefulset-controller");
const REVISION_LABEL: &str = "controller-revision-hash";

pub struct StatefulSetController;

impl Reconciler for StatefulSetController {
    fn primary(&self) -> &'static str {
        STATEFULSETS
    }

    fn keys_for(&self, _cluster: &Cluster, event: &Event) -> Vec<Key> {
        match &*event.resource {
            STATEFULSETS => vec![key_of(&event.object)],
            PODS => util::owner_name(&event.object, "StatefulSet")
                .map(|s| vec![(event.namespace.clone(), s.to_owned())])
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    async fn reconcile(&self, cluster: &Arc<Cluster>, key: &Key) -> Option<Duration> {
        let sts = cluster.store.get(STATEFULSETS, &key.0, &key.1)?;
        if util::is_deleting(&sts) {
            return None;
        }
        let want = usize::try_from(util::int_at(&sts, "/spec/replicas")).unwrap_or(0);
        let revision = format!(
            "{}-{}",
            util::name(&sts),
            super::template::hash(&sts["spec"]["template"], 0)
        );
        let pods = owned_pods(cluster, &sts);
        let all_ready = pods.iter().flatten().all(|p| util::pod_ready(p));
        // One change per pass, in ordinal order, as OrderedReady demands.
        if let Some(i) = (0..want).find(|i| pods.get(*i).is_none_or(Option::is_none)) {
            let before_ready = pods.iter().take(i).flatten().all(|p| util::pod_ready(p));
            if before_ready {
                create_pod(cluster, &sts, i, &revision).await;
            }
        } else if let Some(extra) = pods.iter().skip(want).flatten().next_back() {
            if all_ready {
                delete_pod(cluster, &sts, extra).await;
            }
        } else if all_ready
            && let Some(outdated) = pods
                .iter()
                .flatten()
                .rev()
                .find(|p| p["metadata"]["labels"][REVISION_LABEL] != revision.as_str())
        {
            delete_pod(cluster, &sts, outdated).await;
        }

        let sts = cluster.store.get(STATEFULSETS, &key.0, &key.1)?;
        let pods: Vec<Arc<Value>> = owned_pods(cluster, &sts).into_iter().flatten().collect();
        let updated = pods
            .iter()
            .filter(|p| p["metadata"]["labels"][REVISION_LABEL] == revision.as_str())
            .count();
        let ready = pods.iter().filter(|p| util::pod_ready(p)).count();
        let previous = util::str_at(&sts, "/status/currentRevision");
        let current = if updated == pods.len() && pods.len() == want || previous.is_empty() {
            revision.clone()
        } else {
            previous.to_owned()
        };
        let current_count = pods
            .iter()
            .filter(|p| p["metadata"]["labels"][REVISION_LABEL] == current.as_str())
            .count();
        let mut status = json!({
            "observedGeneration": sts["metadata"]["generation"],
            "replicas": pods.len(),
            "readyReplicas": ready,
            "currentReplicas": current_count,
            "updatedReplicas": updated,
            "availableReplicas": ready,
            "currentRevision": current,
            "updateRevision": revision,
            "collisionCount": 0,
        });
        if let Some(m) = status.as_object_mut() {
            m.retain(|k, v| !matches!(k.as_str(), "readyReplicas" | "availableReplicas") || v != 0);
        }
        if let Some(rt) = util::rt(cluster, STATEFULSETS) {
            util::write_status(cluster, &rt, &sts, status, &util::writer(MANAGER, MANAGER)).await;
        }
        None
    }
}

/// The live pods of `sts` by ordinal (`None` where one is missing).
fn owned_pods(cluster: &Cluster, sts: &Value) -> Vec<Option<Arc<Value>>> {
    let (pods, _) = cluster
        .store
        .list(PODS, Some(util::str_at(sts, "/metadata/namespace")));
    let prefix = format!("{}-", util::name(sts));
    let mut by_ordinal: Vec<Option<Arc<Value>>> = Vec::new();
    for pod in pods.iter().filter(|p| {
        util::controlled_by(p, util::uid(sts)) && !util::is_deleting(p) && !util::pod_terminal(p)
    }) {
        let Some(i) = util::name(pod)
            .strip_prefix(&prefix)
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        if by_ordinal.len() <= i {
            by_ordinal.resize(i + 1, None);
        }
        by_ordinal[i] = Some(pod.clone());
    }
    by_ordinal
}

async fn create_pod(cluster: &Cluster, sts: &Value, ordinal: usize, revision: &str) {
    let Some(rt) = util::rt(cluster, PODS) else {
        return;
    };
    let name = format!("{}-{ordinal}", util::name(sts));
    let mut pod = util::pod_of(
        sts,
        Some(&name),
        &[
            (REVISION_LABEL, revision.to_owned()),
            ("statefulset.kubernetes.io/pod-name", name.clone()),
            ("apps.kubernetes.io/pod-index", ordinal.to_string()),
        ],
    );
    pod["spec"]["hostname"] = json!(name);
    if let Some(service) = sts["spec"]["serviceName"]
        .as_str()
        .filter(|s| !s.is_empty())
    {
        pod["spec"]["subdomain"] = json!(service);
    }
    let ns = util::str_at(sts, "/metadata/namespace");
    let opts = util::writer(MANAGER, MANAGER);
    let (kind, reason, message) = match ops::create(cluster, &rt, ns, pod, &opts).await {
        Ok(_) => (
            Type::Normal,
            "SuccessfulCreate",
            format!(
                "create Pod {name} in StatefulSet {} successful",
                util::name(sts)
            ),
        ),
        Err(e) => (
            Type::Warning,
            "FailedCreate",
            format!(
                "create Pod {name} in StatefulSet {} failed error: {}",
                util::name(sts),
                e.message
            ),
        ),
    };
    events::record(cluster, sts, None, kind, reason, &message, SOURCE).await;
}

async fn delete_pod(cluster: &Cluster, sts: &Value, pod: &Value) {
    let Some(rt) = util::rt(cluster, PODS) else {
        return;
    };
    let ns = util::str_at(pod, "/metadata/namespace");
    let name = util::name(pod);
    if ops::delete(cluster, &rt, ns, name, &DeleteOptions::default())
        .await
        .is_ok()
    {
        let message = format!(
            "delete Pod {name} in StatefulSet {} successful",
            util::name(sts)
        );
        events::record(
            cluster,
            sts,
            None,
            Type::Normal,
            "SuccessfulDelete",
            &message,
            SOURCE,
        )
        .await;
    }
}
