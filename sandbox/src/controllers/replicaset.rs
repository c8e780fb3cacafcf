//! The ReplicaSet controller: keeps `spec.replicas` pods of the template
//! alive (creating `<rs>-<5 random>` pods, deleting the least useful ones
//! first) and reports replicas, ready and available counts.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::events::{self, Source, Type};
use super::injection;
use super::runtime::{Key, Reconciler, key_of};
use super::util::{self, PODS, REPLICASETS};
use crate::cluster::Cluster;
use crate::ops::{self, DeleteOptions};
use crate::store::Event;

const MANAGER: &str = "kube-controller-manager";
const SOURCE: Source<'static> = Source::controller("replicaset-controller");

pub struct ReplicaSetController;

impl Reconciler for ReplicaSetController {
    fn primary(&self) -> &'static str {
        REPLICASETS
    }

    fn keys_for(&self, _cluster: &Cluster, event: &Event) -> Vec<Key> {
        match &*event.resource {
            REPLICASETS => vec![key_of(&event.object)],
            PODS => util::owner_name(&event.object, "ReplicaSet")
                .map(|rs| vec![(event.namespace.clone(), rs.to_owned())])
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    async fn reconcile(&self, cluster: &Arc<Cluster>, key: &Key) -> Option<Duration> {
        let rs = cluster.store.get(REPLICASETS, &key.0, &key.1)?;
        if util::is_deleting(&rs) {
            return None;
        }
        let pods = owned_pods(cluster, &rs);
        let want = usize::try_from(util::int_at(&rs, "/spec/replicas")).unwrap_or(0);
        let mut failure = None;
        if pods.len() < want {
            for _ in pods.len()..want {
                if let Err(message) = create_pod(cluster, &rs).await {
                    failure = Some(message);
                    break;
                }
            }
        } else if pods.len() > want {
            let mut victims: Vec<&Value> = pods.iter().map(|p| &**p).collect();
            victims.sort_by_key(|p| deletion_rank(p));
            for pod in victims.iter().take(pods.len() - want) {
                delete_pod(cluster, &rs, pod).await;
            }
        }
        let rs = cluster.store.get(REPLICASETS, &key.0, &key.1)?;
        let pods = owned_pods(cluster, &rs);
        let min_ready = util::int_at(&rs, "/spec/minReadySeconds");
        let status = status_of(&rs, &pods, min_ready, failure.as_deref());
        if let Some(rt) = util::rt(cluster, REPLICASETS) {
            util::write_status(cluster, &rt, &rs, status, &util::writer(MANAGER, MANAGER)).await;
        }
        // Availability after minReadySeconds is a matter of time alone.
        let waiting = pods
            .iter()
            .any(|p| util::pod_ready(p) && !util::pod_available(p, min_ready));
        if failure.is_some() {
            Some(Duration::from_secs(1))
        } else if waiting {
            Some(Duration::from_millis(500))
        } else {
            None
        }
    }
}

/// The live (not terminating, not finished) pods `rs` controls, shared
/// with the store rather than copied.
fn owned_pods(cluster: &Cluster, rs: &Value) -> Vec<Arc<Value>> {
    let ns = util::str_at(rs, "/metadata/namespace");
    let (pods, _) = cluster.store.list(PODS, Some(ns));
    pods.iter()
        .filter(|p| util::controlled_by(p, util::uid(rs)))
        .filter(|p| !util::is_deleting(p) && !util::pod_terminal(p))
        .cloned()
        .collect()
}

/// Which pods go first when scaling down, as the real controller ranks
/// them: unscheduled, then pending, then not ready, then the newest.
fn deletion_rank(pod: &Value) -> (u8, u8, u8, std::cmp::Reverse<String>) {
    let unscheduled = u8::from(!util::str_at(pod, "/spec/nodeName").is_empty());
    let pending = u8::from(pod["status"]["phase"] != "Pending");
    let ready = u8::from(util::pod_ready(pod));
    let created = util::str_at(pod, "/metadata/creationTimestamp").to_owned();
    (unscheduled, pending, ready, std::cmp::Reverse(created))
}

async fn create_pod(cluster: &Cluster, rs: &Value) -> Result<(), String> {
    let rt = util::rt(cluster, PODS).ok_or("pods are not served")?;
    let ns = util::str_at(rs, "/metadata/namespace");
    let template = &rs["spec"]["template"];
    let mut pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": format!("{}-", util::name(rs)),
            "namespace": ns,
            "labels": template["metadata"]["labels"],
            "ownerReferences": [util::owner_ref(rs)],
        },
        "spec": template["spec"],
    });
    if template["metadata"]["annotations"].is_object() {
        pod["metadata"]["annotations"] = template["metadata"]["annotations"].clone();
    }
    if let Err(refused) = injection::inject(cluster, &mut pod) {
        let message = refused.to_string();
        fail_create(cluster, rs, &message).await;
        return Err(message);
    }
    match ops::create(cluster, &rt, ns, pod, &util::writer(MANAGER, MANAGER)).await {
        Ok(created) => {
            let message = format!("Created pod: {}", util::name(&created));
            events::record(
                cluster,
                rs,
                None,
                Type::Normal,
                "SuccessfulCreate",
                &message,
                SOURCE,
            )
            .await;
            Ok(())
        }
        Err(e) => {
            fail_create(cluster, rs, &e.message).await;
            Err(e.message)
        }
    }
}

async fn fail_create(cluster: &Cluster, rs: &Value, why: &str) {
    let message = format!("Error creating: {why}");
    events::record(
        cluster,
        rs,
        None,
        Type::Warning,
        "FailedCreate",
        &message,
        SOURCE,
    )
    .await;
}

async fn delete_pod(cluster: &Cluster, rs: &Value, pod: &Value) {
    let Some(rt) = util::rt(cluster, PODS) else {
        return;
    };
    let ns = util::str_at(pod, "/metadata/namespace");
    if ops::delete(cluster, &rt, ns, util::name(pod), &DeleteOptions::default())
        .await
        .is_ok()
    {
        let message = format!("Deleted pod: {}", util::name(pod));
        events::record(
            cluster,
            rs,
            None,
            Type::Normal,
            "SuccessfulDelete",
            &message,
            SOURCE,
        )
        .await;
    }
}

/// The ReplicaSet status for `pods`, with a `ReplicaFailure` condition
/// while pods cannot be created.
fn status_of(rs: &Value, pods: &[Arc<Value>], min_ready: i64, failure: Option<&str>) -> Value {
    let selector = crate::selectors::from_label_selector_object(&rs["spec"]["selector"]);
    let labelled = pods.iter().filter(|p| selector.matches_object(p)).count();
    let ready = pods.iter().filter(|p| util::pod_ready(p)).count();
    let available = pods
        .iter()
        .filter(|p| util::pod_available(p, min_ready))
        .count();
    let mut status = json!({
        "replicas": pods.len(),
        "fullyLabeledReplicas": labelled,
        "readyReplicas": ready,
        "availableReplicas": available,
        "observedGeneration": rs["metadata"]["generation"],
    });
    let mut conditions: Vec<Value> = rs["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    match failure {
        Some(message) => util::set_condition(
            &mut conditions,
            json!({"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": message}),
            false,
        ),
        None => conditions.retain(|c| c["type"] != "ReplicaFailure"),
    }
    if !conditions.is_empty() {
        status["conditions"] = json!(conditions);
    }
    // Real ReplicaSets leave zero counts out of their status.
    if let Some(m) = status.as_object_mut() {
        m.retain(|k, v| k == "replicas" || v.as_u64() != Some(0));
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, node: &str, phase: &str, ready: bool, created: &str) -> Value {
        json!({
            "metadata": {"name": name, "creationTimestamp": created, "labels": {"app": "foo"}},
            "spec": {"nodeName": node},
            "status": {"phase": phase, "conditions": [
                {"type": "Ready", "status": if ready { "True" } else { "False" },
                 "lastTransitionTime": "2020-01-01T00:00:00Z"}
            ]}
        })
    }

    #[test]
    fn scale_down_takes_unscheduled_then_unready_then_newest() {
        let mut pods = [
            pod("old-ready", "n1", "Running", true, "2024-01-01T00:00:00Z"),
            pod("new-ready", "n1", "Running", true, "2024-01-02T00:00:00Z"),
            pod("unready", "n1", "Running", false, "2023-01-01T00:00:00Z"),
            pod("unscheduled", "", "Pending", false, "2023-01-01T00:00:00Z"),
        ];
        pods.sort_by_key(deletion_rank);
        let order: Vec<&str> = pods.iter().map(util::name).collect();
        assert_eq!(order, ["unscheduled", "unready", "new-ready", "old-ready"]);
    }

    #[test]
    fn status_counts_ready_and_reports_failures() {
        let rs = json!({"metadata": {"generation": 3},
            "spec": {"selector": {"matchLabels": {"app": "foo"}}}});
        let pods = [
            pod("a", "n1", "Running", true, "2024-01-01T00:00:00Z"),
            pod("b", "n1", "Pending", false, "2024-01-01T00:00:00Z"),
        ]
        .map(Arc::new);
        let status = status_of(&rs, &pods, 0, None);
        assert_eq!(status["replicas"], 2);
        assert_eq!(status["readyReplicas"], 1);
        assert_eq!(status["availableReplicas"], 1);
        assert_eq!(status["observedGeneration"], 3);
        let failed = status_of(&rs, &[], 0, Some("denied"));
        assert_eq!(failed["replicas"], 0);
        assert_eq!(failed["conditions"][0]["reason"], "FailedCreate");
        assert!(failed.get("readyReplicas").is_none());
    }
}
