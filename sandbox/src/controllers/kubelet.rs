//! The kubelets: a pod bound to an existing node goes from
//! `ContainerCreating` to Running and then Ready, with the pod IP, host IP,
//! container statuses and events (Pulling, Pulled, Created, Started) a real
//! node reports; a deleted pod's containers are stopped (Killing).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use sha2::Digest;
use tokio::time::Instant;

use super::Timing;
use super::events::{self, Source, Type};
use super::quantity;
use super::runtime::{Key, Reconciler, key_of};
use super::util::{self, NODES, PODS};
use crate::clock;
use crate::cluster::Cluster;
use crate::store::Event;

const MANAGER: &str = "kubelet";

pub struct Kubelet {
    timing: Timing,
    /// When a pod's current step (by uid) may finish.
    due: Mutex<HashMap<String, Instant>>,
    /// Pods running on some node, to stop their containers once deleted.
    running: Mutex<HashMap<Key, Value>>,
    /// Images already on each node, so the second pull is "already present".
    images: Mutex<HashSet<(String, String)>>,
}

impl Kubelet {
    pub fn new(timing: Timing) -> Self {
        Self {
            timing,
            due: Mutex::default(),
            running: Mutex::default(),
            images: Mutex::default(),
        }
    }

    /// Whether the step of `pod` that takes `delay` is over (starting its
    /// clock when first asked), or how long is left.
    fn wait(&self, pod: &Value, delay: Duration) -> Option<Duration> {
        let mut due = self.due.lock().unwrap_or_else(|e| e.into_inner());
        let at = *due
            .entry(util::uid(pod).to_owned())
            .or_insert_with(|| Instant::now() + delay);
        let now = Instant::now();
        if at > now {
            return Some(at - now);
        }
        due.remove(util::uid(pod));
        None
    }
}

impl Reconciler for Kubelet {
    fn primary(&self) -> &'static str {
        PODS
    }

    fn keys_for(&self, _cluster: &Cluster, event: &Event) -> Vec<Key> {
        let on_node = !util::str_at(&event.object, "/spec/nodeName").is_empty();
        if &*event.resource == PODS && on_node {
            vec![key_of(&event.object)]
        } else {
            Vec::new()
        }
    }

    async fn reconcile(&self, cluster: &Arc<Cluster>, key: &Key) -> Option<Duration> {
        let Some(pod) = cluster.store.get(PODS, &key.0, &key.1) else {
            let gone = self
                .running
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(key);
            if let Some(pod) = gone {
                stop(cluster, &pod).await;
            }
            return None;
        };
        let node_name = util::str_at(&pod, "/spec/nodeName");
        let node = cluster.store.get(NODES, "", node_name)?;
        if util::is_deleting(&pod) || util::pod_terminal(&pod) {
            return None;
        }
        let phase = util::str_at(&pod, "/status/phase");
        let has_statuses = pod["status"]["containerStatuses"].is_array();
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone(), (*pod).clone());
        if phase == "Pending" && !has_statuses {
            creating(cluster, &pod, &node).await;
            return Some(self.timing.pull);
        }
        if phase == "Pending" {
            if let Some(left) = self.wait(&pod, self.timing.pull) {
                return Some(left);
            }
            self.start(cluster, &pod, &node).await;
            return (!self.timing.ready.is_zero()).then_some(self.timing.ready);
        }
        if phase == "Running" && !util::pod_ready(&pod) {
            if let Some(left) = self.wait(&pod, self.timing.ready) {
                return Some(left);
            }
            ready(cluster, &pod).await;
        }
        None
    }
}

impl Kubelet {
    /// Pulls images and starts every container: Running, Ready after
    /// `timing.ready`.
    async fn start(&self, cluster: &Cluster, pod: &Value, node: &Value) {
        let node_name = util::name(node);
        let source = Source::kubelet(node_name);
        let now = clock::now_rfc3339();
        let mut init_statuses = Vec::new();
        let mut statuses = Vec::new();
        for (list, path) in [
            ("initContainers", "initContainers"),
            ("containers", "containers"),
        ] {
            for c in pod["spec"][list].as_array().into_iter().flatten() {
                let name = c["name"].as_str().unwrap_or_default();
                let image = c["image"].as_str().unwrap_or_default();
                let field = format!("spec.{path}{{{name}}}");
                self.pull(cluster, pod, node_name, c, &field).await;
                let created = format!("Created container: {name}");
                events::record(
                    cluster,
                    pod,
                    Some(&field),
                    Type::Normal,
                    "Created",
                    &created,
                    source,
                )
                .await;
                let started = format!("Started container {name}");
                events::record(
                    cluster,
                    pod,
                    Some(&field),
                    Type::Normal,
                    "Started",
                    &started,
                    source,
                )
                .await;
                let mut status = json!({
                    "name": name,
                    "image": full_image(image),
                    "imageID": image_id(image),
                    "containerID": format!("containerd://{}", clock::hex(&rand::random::<[u8; 32]>())),
                    "restartCount": 0,
                    "lastState": {},
                });
                if list == "initContainers" {
                    status["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed",
                        "startedAt": now, "finishedAt": now, "containerID": status["containerID"]}});
                    status["ready"] = json!(true);
                    status["started"] = json!(false);
                    init_statuses.push(status);
                } else {
                    status["state"] = json!({"running": {"startedAt": now}});
                    status["ready"] = json!(false);
                    status["started"] = json!(true);
                    statuses.push(status);
                }
            }
        }
        let mut status = pod["status"].clone();
        status["phase"] = json!("Running");
        status["containerStatuses"] = json!(statuses);
        if !init_statuses.is_empty() {
            status["initContainerStatuses"] = json!(init_statuses);
        }
        let ip = pod_ip(cluster, node);
        status["podIP"] = json!(ip);
        status["podIPs"] = json!([{"ip": ip}]);
        let mut conditions = conditions_of(&status);
        for (kind, ok) in [("PodReadyToStartContainers", true), ("Initialized", true)] {
            set(&mut conditions, kind, ok, None);
        }
        status["conditions"] = json!(order(conditions));
        write(cluster, pod, status).await;
    }

    async fn pull(&self, cluster: &Cluster, pod: &Value, node: &str, c: &Value, field: &str) {
        let image = c["image"].as_str().unwrap_or_default();
        let source = Source::kubelet(node);
        let present = self
            .images
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&(node.to_owned(), image.to_owned()));
        if present && c["imagePullPolicy"] != "Always" {
            let message = format!("Container image \"{image}\" already present on machine");
            events::record(
                cluster,
                pod,
                Some(field),
                Type::Normal,
                "Pulled",
                &message,
                source,
            )
            .await;
            return;
        }
        let message = format!("Pulling image \"{image}\"");
        events::record(
            cluster,
            pod,
            Some(field),
            Type::Normal,
            "Pulling",
            &message,
            source,
        )
        .await;
        let digest = sha2::Sha256::digest(image.as_bytes());
        let millis = 400 + u64::from(digest[0]) * 8;
        let size =
            20_000_000 + u64::from(u32::from_be_bytes([digest[1], digest[2], digest[3], 0]) >> 6);
        let took = format!("{}.{:03}s", millis / 1000, millis % 1000);
        let message = format!(
            "Successfully pulled image \"{image}\" in {took} ({took} including waiting). Image size: {size} bytes."
        );
        events::record(
            cluster,
            pod,
            Some(field),
            Type::Normal,
            "Pulled",
            &message,
            source,
        )
        .await;
        self.images
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((node.to_owned(), image.to_owned()));
    }
}

/// First step on the node: the pod is accepted, containers are being
/// created.
async fn creating(cluster: &Cluster, pod: &Value, node: &Value) {
    let mut status = pod["status"].clone();
    status["phase"] = json!("Pending");
    status["hostIP"] = json!(host_ip(cluster, node));
    status["hostIPs"] = json!([{"ip": status["hostIP"]}]);
    status["startTime"] = json!(clock::now_rfc3339());
    status["qosClass"] = json!(quantity::qos_class(pod));
    let names: Vec<&str> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    let unready = format!("containers with unready status: [{}]", names.join(" "));
    let mut conditions = conditions_of(&status);
    set(&mut conditions, "PodReadyToStartContainers", false, None);
    let has_init = pod["spec"]["initContainers"]
        .as_array()
        .is_some_and(|a| !a.is_empty());
    set(&mut conditions, "Initialized", !has_init, None);
    set(
        &mut conditions,
        "Ready",
        false,
        Some(("ContainersNotReady", &unready)),
    );
    set(
        &mut conditions,
        "ContainersReady",
        false,
        Some(("ContainersNotReady", &unready)),
    );
    set(&mut conditions, "PodScheduled", true, None);
    status["conditions"] = json!(order(conditions));
    status["containerStatuses"] = json!(
        pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| json!({
                "name": c["name"], "image": c["image"], "imageID": "", "ready": false,
                "restartCount": 0, "started": false, "lastState": {},
                "state": {"waiting": {"reason": "ContainerCreating"}},
            }))
            .collect::<Vec<_>>()
    );
    write(cluster, pod, status).await;
}

/// Readiness probes pass: every container and the pod become Ready.
async fn ready(cluster: &Cluster, pod: &Value) {
    let mut status = pod["status"].clone();
    for c in status["containerStatuses"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        c["ready"] = json!(true);
    }
    let mut conditions = conditions_of(&status);
    set(&mut conditions, "Ready", true, None);
    set(&mut conditions, "ContainersReady", true, None);
    status["conditions"] = json!(order(conditions));
    write(cluster, pod, status).await;
}

/// The containers of a deleted pod are stopped.
async fn stop(cluster: &Cluster, pod: &Value) {
    let node = util::str_at(pod, "/spec/nodeName");
    for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
        let name = c["name"].as_str().unwrap_or_default();
        let field = format!("spec.containers{{{name}}}");
        let message = format!("Stopping container {name}");
        events::record(
            cluster,
            pod,
            Some(&field),
            Type::Normal,
            "Killing",
            &message,
            Source::kubelet(node),
        )
        .await;
    }
}

async fn write(cluster: &Cluster, pod: &Value, status: Value) {
    if let Some(rt) = util::rt(cluster, PODS) {
        util::write_status(cluster, &rt, pod, status, &util::writer(MANAGER, MANAGER)).await;
    }
}

fn conditions_of(status: &Value) -> Vec<Value> {
    status["conditions"].as_array().cloned().unwrap_or_default()
}

fn set(conditions: &mut Vec<Value>, kind: &str, ok: bool, why: Option<(&str, &str)>) {
    let mut c =
        json!({"type": kind, "status": if ok { "True" } else { "False" }, "lastProbeTime": null});
    if let Some((reason, message)) = why {
        c["reason"] = json!(reason);
        c["message"] = json!(message);
    }
    util::set_condition(conditions, c, false);
}

/// Conditions in the order a kubelet reports them.
fn order(mut conditions: Vec<Value>) -> Vec<Value> {
    const ORDER: &[&str] = &[
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ];
    conditions.sort_by_key(|c| {
        ORDER
            .iter()
            .position(|o| c["type"] == *o)
            .unwrap_or(ORDER.len())
    });
    conditions
}

/// The node's InternalIP, or one derived from its place among the nodes.
fn host_ip(cluster: &Cluster, node: &Value) -> String {
    if let Some(ip) = node["status"]["addresses"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["type"] == "InternalIP")
        .and_then(|a| a["address"].as_str())
    {
        return ip.to_owned();
    }
    format!("10.128.0.{}", node_index(cluster, node) + 2)
}

fn node_index(cluster: &Cluster, node: &Value) -> usize {
    let (nodes, _) = cluster.store.list(NODES, None);
    nodes
        .iter()
        .position(|n| util::name(n) == util::name(node))
        .unwrap_or(0)
}

/// A free address in the node's pod CIDR (`spec.podCIDR`, else
/// `10.244.<n>.0/24`).
fn pod_ip(cluster: &Cluster, node: &Value) -> String {
    let prefix = node["spec"]["podCIDR"]
        .as_str()
        .and_then(|cidr| cidr.split('/').next())
        .and_then(|ip| ip.rsplit_once('.').map(|(p, _)| p.to_owned()))
        .unwrap_or_else(|| format!("10.244.{}", node_index(cluster, node) + 1));
    let (pods, _) = cluster.store.list(PODS, None);
    let used: HashSet<&str> = pods
        .iter()
        .filter_map(|p| p["status"]["podIP"].as_str())
        .collect();
    (2..255)
        .map(|n| format!("{prefix}.{n}"))
        .find(|ip| !used.contains(ip.as_str()))
        .unwrap_or_else(|| format!("{prefix}.254"))
}

/// An image reference as the runtime reports it: `nginx:1.27` →
/// `docker.io/library/nginx:1.27`.
pub fn full_image(image: &str) -> String {
    let (first, rest) = image.split_once('/').unwrap_or(("", image));
    let registry_given = first.contains('.') || first.contains(':') || first == "localhost";
    let mut full = match (first.is_empty(), registry_given) {
        (true, _) => format!("docker.io/library/{rest}"),
        (false, true) => image.to_owned(),
        (false, false) => format!("docker.io/{image}"),
    };
    let last = full.rsplit('/').next().unwrap_or_default();
    if !last.contains(':') && !last.contains('@') {
        full.push_str(":latest");
    }
    full
}

/// `repo@sha256:<digest>`, stable for one image name.
fn image_id(image: &str) -> String {
    let full = full_image(image);
    let repo = match full.rsplit_once('/') {
        Some((head, last)) => format!("{head}/{}", last.split([':', '@']).next().unwrap_or(last)),
        None => full.clone(),
    };
    format!(
        "{repo}@sha256:{}",
        clock::hex(&sha2::Sha256::digest(full.as_bytes()))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_reported_with_registry_and_digest() {
        assert_eq!(full_image("nginx:1.27"), "docker.io/library/nginx:1.27");
        assert_eq!(
            full_image("istio/proxyv2"),
            "docker.io/istio/proxyv2:latest"
        );
        assert_eq!(
            full_image("gcr.io/project-a/app:v2"),
            "gcr.io/project-a/app:v2"
        );
        assert_eq!(
            full_image("localhost:5000/app"),
            "localhost:5000/app:latest"
        );
        let id = image_id("nginx:1.27");
        assert!(id.starts_with("docker.io/library/nginx@sha256:"), "{id}");
        assert_eq!(id.len(), "docker.io/library/nginx@sha256:".len() + 64);
    }

    #[test]
    fn conditions_come_in_kubelet_order() {
        let mut conditions = Vec::new();
        set(&mut conditions, "PodScheduled", true, None);
        set(
            &mut conditions,
            "Ready",
            false,
            Some(("ContainersNotReady", "x")),
        );
        set(&mut conditions, "Initialized", true, None);
        let kinds: Vec<String> = order(conditions)
            .iter()
            .map(|c| c["type"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(kinds, ["Initialized", "Ready", "PodScheduled"]);
    }
}
