//! The DaemonSet controller: one pod of the template on every Ready node
//! the template's `nodeSelector` admits (bound to it directly), pods on
//! other nodes or beyond one per node removed, outdated pods replaced one
//! at a time once the others are ready, and the status `kubectl rollout
//! status` reads (desired, current, ready, updated, available).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::events::{self, Source, Type};
use super::runtime::{Key, Reconciler, key_of};
use super::util::{self, NODES, PODS};
use crate::cluster::Cluster;
use crate::ops::{self, DeleteOptions};
use crate::store::Event;

pub const DAEMONSETS: &str = "daemonsets.apps";
const MANAGER: &str = "kube-controller-manager";
const SOURCE: Source<'static> = Source::controller("daemonset-controller");
const GENERATION_LABEL: &str = "pod-template-generation";
const HASH_LABEL: &str = "controller-revision-hash";

pub struct DaemonSetController;

impl Reconciler for DaemonSetController {
    fn primary(&self) -> &'static str {
        DAEMONSETS
    }

    fn keys_for(&self, cluster: &Cluster, event: &Event) -> Vec<Key> {
        match &*event.resource {
            DAEMONSETS => vec![key_of(&event.object)],
            PODS => util::owner_name(&event.object, "DaemonSet")
                .map(|ds| vec![(event.namespace.clone(), ds.to_owned())])
                .unwrap_or_default(),
            NODES => {
                let (all, _) = cluster.store.list(DAEMONSETS, None);
                all.iter().map(|d| key_of(d)).collect()
            }
            _ => Vec::new(),
        }
    }

    async fn reconcile(&self, cluster: &Arc<Cluster>, key: &Key) -> Option<Duration> {
        let ds = cluster.store.get(DAEMONSETS, &key.0, &key.1)?;
        if util::is_deleting(&ds) {
            return None;
        }
        let generation = util::int_at(&ds, "/metadata/generation").to_string();
        let nodes = eligible_nodes(cluster, &ds);
        let pods = owned_pods(cluster, &ds);
        let hash = super::template::hash(&ds["spec"]["template"], 0);
        let updated = |p: &Value| p["metadata"]["labels"][HASH_LABEL] == hash.as_str();
        let mut surplus = Vec::new();
        for (i, pod) in pods.iter().enumerate() {
            let node = util::str_at(pod, "/spec/nodeName");
            let duplicate = pods[..i]
                .iter()
                .any(|p| util::str_at(p, "/spec/nodeName") == node);
            if !nodes.iter().any(|n| n == node) || duplicate {
                surplus.push(pod.clone());
            }
        }
        // One outdated pod at a time (maxUnavailable 1), when all others run.
        if surplus.is_empty() && pods.iter().all(|p| util::pod_ready(p)) {
            surplus.extend(pods.iter().find(|p| !updated(p)).cloned());
        }
        for pod in &surplus {
            delete_pod(cluster, &ds, pod).await;
        }
        for node in &nodes {
            if !pods
                .iter()
                .any(|p| util::str_at(p, "/spec/nodeName") == node)
            {
                create_pod(cluster, &ds, node, &hash, &generation).await;
            }
        }
        let ds = cluster.store.get(DAEMONSETS, &key.0, &key.1)?;
        let pods = owned_pods(cluster, &ds);
        let on_nodes: Vec<&Value> = pods
            .iter()
            .map(|p| &**p)
            .filter(|p| nodes.iter().any(|n| n == util::str_at(p, "/spec/nodeName")))
            .collect();
        let ready = on_nodes.iter().filter(|p| util::pod_ready(p)).count();
        let status = json!({
            "desiredNumberScheduled": nodes.len(),
            "currentNumberScheduled": on_nodes.len(),
            "numberMisscheduled": pods.len() - on_nodes.len(),
            "numberReady": ready,
            "updatedNumberScheduled": on_nodes.iter().filter(|p| updated(p)).count(),
            "numberAvailable": ready,
            "numberUnavailable": nodes.len().saturating_sub(ready),
            "observedGeneration": ds["metadata"]["generation"],
        });
        let mut status = status;
        if let Some(m) = status.as_object_mut() {
            m.retain(|k, v| !(k == "numberUnavailable" && v == 0));
        }
        if let Some(rt) = util::rt(cluster, DAEMONSETS) {
            util::write_status(cluster, &rt, &ds, status, &util::writer(MANAGER, MANAGER)).await;
        }
        None
    }
}

/// Ready nodes the template's `nodeSelector` admits, by name.
fn eligible_nodes(cluster: &Cluster, ds: &Value) -> Vec<String> {
    let selector = ds["spec"]["template"]["spec"]["nodeSelector"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let (nodes, _) = cluster.store.list(NODES, None);
    nodes
        .iter()
        .filter(|n| {
            let ready = n["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True");
            ready
                && selector
                    .iter()
                    .all(|(k, v)| n["metadata"]["labels"][k.as_str()] == *v)
        })
        .map(|n| util::name(n).to_owned())
        .collect()
}

fn owned_pods(cluster: &Cluster, ds: &Value) -> Vec<Arc<Value>> {
    let (pods, _) = cluster
        .store
        .list(PODS, Some(util::str_at(ds, "/metadata/namespace")));
    pods.iter()
        .filter(|p| util::controlled_by(p, util::uid(ds)))
        .filter(|p| !util::is_deleting(p) && !util::pod_terminal(p))
        .cloned()
        .collect()
}

async fn create_pod(cluster: &Cluster, ds: &Value, node: &str, hash: &str, generation: &str) {
    let Some(rt) = util::rt(cluster, PODS) else {
        return;
    };
    let mut pod = util::pod_of(
        ds,
        None,
        &[
            (HASH_LABEL, hash.to_owned()),
            (GENERATION_LABEL, generation.to_owned()),
        ],
    );
    pod["spec"]["nodeName"] = json!(node);
    let ns = util::str_at(ds, "/metadata/namespace");
    let opts = util::writer(MANAGER, MANAGER);
    let (kind, reason, message) = match ops::create(cluster, &rt, ns, pod, &opts).await {
        Ok(p) => (
            Type::Normal,
            "SuccessfulCreate",
            format!("Created pod: {}", util::name(&p)),
        ),
        Err(e) => (
            Type::Warning,
            "FailedCreate",
            format!("Error creating: {}", e.message),
        ),
    };
    events::record(cluster, ds, None, kind, reason, &message, SOURCE).await;
}

async fn delete_pod(cluster: &Cluster, ds: &Value, pod: &Value) {
    let Some(rt) = util::rt(cluster, PODS) else {
        return;
    };
    let ns = util::str_at(pod, "/metadata/namespace");
    let deleted = ops::delete(cluster, &rt, ns, util::name(pod), &DeleteOptions::default()).await;
    if deleted.is_ok() {
        let message = format!("Deleted pod: {}", util::name(pod));
        events::record(
            cluster,
            ds,
            None,
            Type::Normal,
            "SuccessfulDelete",
            &message,
            SOURCE,
        )
        .await;
    }
}
