//! The scheduler: binds each new pod to a node whose allocatable CPU,
//! memory and pod count still fit its requests (and whose taints, selector
//! and cordon allow it), preferring the least allocated node. A pod that
//! fits nowhere stays Pending with `PodScheduled=False` and a
//! FailedScheduling event in kube-scheduler's words.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::Timing;
use super::events::{self, Source, Type};
use super::quantity::{self, Requests};
use super::runtime::{Key, Reconciler, key_of};
use super::util::{self, NODES, PODS};
use crate::cluster::Cluster;
use crate::store::{Event, EventKind};

const MANAGER: &str = "kube-scheduler";
const SOURCE: Source<'static> = Source::controller("default-scheduler");

pub struct Scheduler {
    timing: Timing,
    /// When each waiting pod (by uid) was first seen.
    seen: Mutex<HashMap<String, Instant>>,
}

impl Scheduler {
    pub fn new(timing: Timing) -> Self {
        Self {
            timing,
            seen: Mutex::default(),
        }
    }
}

fn unscheduled(pod: &Value) -> bool {
    util::str_at(pod, "/spec/nodeName").is_empty()
        && !util::is_deleting(pod)
        && !util::pod_terminal(pod)
        && matches!(
            util::str_at(pod, "/spec/schedulerName"),
            "" | "default-scheduler"
        )
}

impl Reconciler for Scheduler {
    fn primary(&self) -> &'static str {
        PODS
    }

    fn keys_for(&self, cluster: &Cluster, event: &Event) -> Vec<Key> {
        let freed = match &*event.resource {
            PODS if event.kind == EventKind::Deleted => {
                !util::str_at(&event.object, "/spec/nodeName").is_empty()
            }
            PODS => {
                return [key_of(&event.object)]
                    .into_iter()
                    .filter(|_| unscheduled(&event.object))
                    .collect();
            }
            NODES => true,
            _ => false,
        };
        if !freed {
            return Vec::new();
        }
        // Capacity changed: every waiting pod gets another chance.
        let (pods, _) = cluster.store.list(PODS, None);
        pods.iter()
            .filter(|p| unscheduled(p))
            .map(|p| key_of(p))
            .collect()
    }

    async fn reconcile(&self, cluster: &Arc<Cluster>, key: &Key) -> Option<Duration> {
        let pod = cluster.store.get(PODS, &key.0, &key.1)?;
        if !unscheduled(&pod) {
            return None;
        }
        {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            let first = *seen
                .entry(util::uid(&pod).to_owned())
                .or_insert_with(Instant::now);
            let waited = first.elapsed();
            if waited < self.timing.schedule {
                return Some(self.timing.schedule - waited);
            }
            seen.remove(util::uid(&pod));
        }
        let (nodes, _) = cluster.store.list(NODES, None);
        let (pods, _) = cluster.store.list(PODS, None);
        match place(&pod, &nodes, &pods) {
            Ok(node) => bind(cluster, &pod, &node).await,
            Err(message) => unschedulable(cluster, &pod, &message).await,
        }
        None
    }
}

/// Picks a node for `pod`, or says why none fits.
pub fn place(pod: &Value, nodes: &[Arc<Value>], pods: &[Arc<Value>]) -> Result<String, String> {
    if nodes.is_empty() {
        return Err("no nodes available to schedule pods".into());
    }
    let mut used: HashMap<&str, (Requests, usize)> = HashMap::new();
    for p in pods.iter().filter(|p| !util::pod_terminal(p)) {
        let node = util::str_at(p, "/spec/nodeName");
        if node.is_empty() {
            continue;
        }
        let entry = used.entry(node).or_default();
        let r = Requests::of_pod(p);
        entry.0.cpu += r.cpu;
        entry.0.memory += r.memory;
        entry.1 += 1;
    }
    let want = Requests::of_pod(pod);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut resource_failures = 0;
    let mut best: Option<(f64, String)> = None;
    for node in nodes {
        let name = util::name(node);
        let (usage, count) = used.get(name).copied().unwrap_or_default();
        match fits(pod, node, want, usage, count) {
            Ok(score) => {
                if best.as_ref().is_none_or(|(b, _)| score > *b) {
                    best = Some((score, name.to_owned()));
                }
            }
            Err((why, resources)) => {
                resource_failures += usize::from(resources);
                for reason in why {
                    *reasons.entry(reason).or_default() += 1;
                }
            }
        }
    }
    if let Some((_, node)) = best {
        return Ok(node);
    }
    let n = nodes.len();
    let mut parts: Vec<String> = reasons.iter().map(|(r, c)| format!("{c} {r}")).collect();
    parts.sort();
    let mut preemption = Vec::new();
    if resource_failures > 0 {
        preemption.push(format!(
            "{resource_failures} No preemption victims found for incoming pod"
        ));
    }
    if n > resource_failures {
        preemption.push(format!(
            "{} Preemption is not helpful for scheduling",
            n - resource_failures
        ));
    }
    preemption.sort();
    Err(format!(
        "0/{n} nodes are available: {}. preemption: 0/{n} nodes are available: {}.",
        parts.join(", "),
        preemption.join(", ")
    ))
}

/// Whether `pod` fits `node` (its score: the free share left), or the
/// reasons it does not and whether they are about resources.
fn fits(
    pod: &Value,
    node: &Value,
    want: Requests,
    used: Requests,
    count: usize,
) -> Result<f64, (Vec<String>, bool)> {
    if node["spec"]["unschedulable"] == true {
        return Err((vec!["node(s) were unschedulable".into()], false));
    }
    if let Some(taint) = untolerated_taint(pod, node) {
        return Err((
            vec![format!("node(s) had untolerated taint {taint}")],
            false,
        ));
    }
    let labels = crate::selectors::labels_of(node);
    let selector_ok = pod["spec"]["nodeSelector"]
        .as_object()
        .into_iter()
        .flatten()
        .all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str());
    if !selector_ok {
        return Err((
            vec!["node(s) didn't match Pod's node affinity/selector".into()],
            false,
        ));
    }
    let alloc = |r: &str| {
        quantity::of(&node["status"]["allocatable"][r])
            .or_else(|| quantity::of(&node["status"]["capacity"][r]))
    };
    let mut why = Vec::new();
    if alloc("pods").is_some_and(|max| (count + 1) as f64 > max) {
        why.push("Too many pods".to_owned());
    }
    let cpu = alloc("cpu");
    if cpu.is_some_and(|max| used.cpu + want.cpu > max + 1e-9) {
        why.push("Insufficient cpu".to_owned());
    }
    let memory = alloc("memory");
    if memory.is_some_and(|max| used.memory + want.memory > max) {
        why.push("Insufficient memory".to_owned());
    }
    if !why.is_empty() {
        return Err((why, true));
    }
    let free = |max: Option<f64>, used: f64| {
        max.map_or(1.0, |m| if m > 0.0 { 1.0 - used / m } else { 0.0 })
    };
    Ok(free(cpu, used.cpu + want.cpu) + free(memory, used.memory + want.memory))
}

/// The first NoSchedule/NoExecute taint of `node` the pod does not
/// tolerate, as `{key: value}`.
fn untolerated_taint(pod: &Value, node: &Value) -> Option<String> {
    let tolerations = pod["spec"]["tolerations"].as_array();
    node["spec"]["taints"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| matches!(t["effect"].as_str(), Some("NoSchedule" | "NoExecute")))
        .find(|taint| {
            !tolerations.into_iter().flatten().any(|tol| {
                let key_ok = match tol["key"].as_str() {
                    None | Some("") => tol["operator"] == "Exists",
                    Some(k) => {
                        taint["key"] == k
                            && (tol["operator"] == "Exists" || tol["value"] == taint["value"])
                    }
                };
                let effect_ok = tol["effect"]
                    .as_str()
                    .is_none_or(|e| e.is_empty() || taint["effect"] == e);
                key_ok && effect_ok
            })
        })
        .map(|t| {
            format!(
                "{{{}: {}}}",
                t["key"].as_str().unwrap_or_default(),
                t["value"].as_str().unwrap_or_default()
            )
        })
}

/// Binds `pod` to `node`: what a Binding does to the pod.
async fn bind(cluster: &Cluster, pod: &Value, node: &str) {
    let Some(rt) = util::rt(cluster, PODS) else {
        return;
    };
    let opts = util::writer(MANAGER, MANAGER);
    let patch = json!({"spec": {"nodeName": node}});
    let Some(bound) = util::patch_guarded(cluster, &rt, pod, patch, &opts).await else {
        return;
    };
    let mut status = bound["status"].clone();
    let mut conditions: Vec<Value> = status["conditions"].as_array().cloned().unwrap_or_default();
    util::set_condition(
        &mut conditions,
        json!({"type": "PodScheduled", "status": "True", "lastProbeTime": null}),
        false,
    );
    status["conditions"] = json!(conditions);
    util::write_status(cluster, &rt, &bound, status, &opts).await;
    let ns = util::str_at(pod, "/metadata/namespace");
    let message = format!("Successfully assigned {ns}/{} to {node}", util::name(pod));
    events::record(
        cluster,
        &bound,
        None,
        Type::Normal,
        "Scheduled",
        &message,
        SOURCE,
    )
    .await;
}

/// Records that `pod` fits nowhere (once per distinct reason).
async fn unschedulable(cluster: &Cluster, pod: &Value, message: &str) {
    let Some(rt) = util::rt(cluster, PODS) else {
        return;
    };
    let mut status = pod["status"].clone();
    let mut conditions: Vec<Value> = status["conditions"].as_array().cloned().unwrap_or_default();
    let same = conditions
        .iter()
        .any(|c| c["type"] == "PodScheduled" && c["message"] == message);
    if same {
        return;
    }
    util::set_condition(
        &mut conditions,
        json!({"type": "PodScheduled", "status": "False", "lastProbeTime": null,
               "reason": "Unschedulable", "message": message}),
        false,
    );
    status["conditions"] = json!(conditions);
    util::write_status(cluster, &rt, pod, status, &util::writer(MANAGER, MANAGER)).await;
    events::record(
        cluster,
        pod,
        None,
        Type::Warning,
        "FailedScheduling",
        message,
        SOURCE,
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, cpu: &str, memory: &str) -> Arc<Value> {
        Arc::new(json!({"metadata": {"name": name},
            "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": "110"}}}))
    }

    fn pod(cpu: &str, node: &str) -> Arc<Value> {
        Arc::new(json!({"metadata": {"name": "p"}, "spec": {"nodeName": node,
            "containers": [{"name": "app", "resources": {"requests": {"cpu": cpu, "memory": "100Mi"}}}]},
            "status": {"phase": "Running"}}))
    }

    #[test]
    fn picks_the_least_allocated_node_that_fits() {
        let nodes = [node("a", "2", "4Gi"), node("b", "2", "4Gi")];
        let running = [pod("1500m", "a")];
        assert_eq!(place(&pod("1", ""), &nodes, &running), Ok("b".into()));
        let busy = [pod("1500m", "a"), pod("1500m", "b")];
        assert_eq!(
            place(&pod("1", ""), &nodes, &busy),
            Err("0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.".into())
        );
    }

    #[test]
    fn explains_taints_cordons_and_empty_clusters() {
        assert_eq!(
            place(&pod("1", ""), &[], &[]),
            Err("no nodes available to schedule pods".into())
        );
        let mut cordoned = (*node("a", "8", "8Gi")).clone();
        cordoned["spec"]["unschedulable"] = json!(true);
        let mut tainted = (*node("b", "8", "8Gi")).clone();
        tainted["spec"]["taints"] =
            json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]);
        let small = node("c", "100m", "8Gi");
        let nodes = [Arc::new(cordoned), Arc::new(tainted.clone()), small];
        assert_eq!(
            place(&pod("1", ""), &nodes, &[]),
            Err("0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.".into())
        );
        let mut tolerant = (*pod("1", "")).clone();
        tolerant["spec"]["tolerations"] =
            json!([{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"}]);
        assert_eq!(place(&tolerant, &nodes, &[]), Ok("b".into()));
    }
}
