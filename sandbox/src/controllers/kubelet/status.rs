//! What a kubelet writes into pod status: the first `ContainerCreating`
//! step, conditions in kubelet order, readiness, host and pod IPs, and
//! image references as the container runtime reports them.

use std::collections::HashSet;

use serde_json::{Value, json};
use sha2::Digest;

use super::super::events::{self, Source, Type};
use super::super::quantity;
use super::super::util::{self, NODES, PODS};
use crate::clock;
use crate::cluster::Cluster;

const MANAGER: &str = "kubelet";

/// First step on the node: the pod is accepted, containers are being
/// created.
pub(super) async fn creating(cluster: &Cluster, pod: &Value, node: &Value) {
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
            .map(|c| waiting(c, "ContainerCreating", None))
            .collect::<Vec<_>>()
    );
    write(cluster, pod, status).await;
}

/// The status of a container that has not started: `ContainerCreating`,
/// `PodInitializing`, `ErrImagePull`, … with the reason's message.
pub(super) fn waiting(container: &Value, reason: &str, message: Option<&str>) -> Value {
    let mut waiting = json!({"reason": reason});
    if let Some(message) = message {
        waiting["message"] = json!(message);
    }
    json!({
        "name": container["name"], "image": container["image"], "imageID": "", "ready": false,
        "restartCount": 0, "started": false, "lastState": {}, "state": {"waiting": waiting},
    })
}

/// Readiness probes pass: every container and the pod become Ready.
pub(super) async fn ready(cluster: &Cluster, pod: &Value) {
    ready_except(cluster, pod, &[]).await;
}

/// Readiness probes pass for every container but `unready`: the pod is
/// Ready only when that is none of them.
pub(super) async fn ready_except(cluster: &Cluster, pod: &Value, unready: &[String]) {
    let mut status = pod["status"].clone();
    for c in status["containerStatuses"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        let name = c["name"].as_str().unwrap_or_default();
        c["ready"] = json!(!unready.iter().any(|u| u == name));
    }
    let mut conditions = conditions_of(&status);
    if unready.is_empty() {
        set(&mut conditions, "Ready", true, None);
        set(&mut conditions, "ContainersReady", true, None);
    } else {
        let message = format!("containers with unready status: [{}]", unready.join(" "));
        let why = Some(("ContainersNotReady", message.as_str()));
        set(&mut conditions, "Ready", false, why);
        set(&mut conditions, "ContainersReady", false, why);
    }
    status["conditions"] = json!(order(conditions));
    write(cluster, pod, status).await;
}

/// The containers of a deleted pod are stopped.
pub(super) async fn stop(cluster: &Cluster, pod: &Value) {
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

pub(super) async fn write(cluster: &Cluster, pod: &Value, status: Value) {
    if let Some(rt) = util::rt(cluster, PODS) {
        util::write_status(cluster, &rt, pod, status, &util::writer(MANAGER, MANAGER)).await;
    }
}

pub(super) fn conditions_of(status: &Value) -> Vec<Value> {
    status["conditions"].as_array().cloned().unwrap_or_default()
}

pub(super) fn set(conditions: &mut Vec<Value>, kind: &str, ok: bool, why: Option<(&str, &str)>) {
    let mut c =
        json!({"type": kind, "status": if ok { "True" } else { "False" }, "lastProbeTime": null});
    if let Some((reason, message)) = why {
        c["reason"] = json!(reason);
        c["message"] = json!(message);
    }
    util::set_condition(conditions, c, false);
}

/// Conditions in the order a kubelet reports them.
pub(super) fn order(mut conditions: Vec<Value>) -> Vec<Value> {
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
pub(super) fn host_ip(cluster: &Cluster, node: &Value) -> String {
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
pub(super) fn pod_ip(cluster: &Cluster, node: &Value) -> String {
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
pub(super) fn image_id(image: &str) -> String {
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
