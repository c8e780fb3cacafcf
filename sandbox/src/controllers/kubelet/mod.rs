//! The kubelets: a pod bound to an existing node goes from
//! `ContainerCreating` to Running and then Ready, with the pod IP, host IP,
//! container statuses and events (Pulling, Pulled, Created, Started) a real
//! node reports; a deleted pod's containers are stopped (Killing). Images
//! the node may not read leave their containers in `ErrImagePull` /
//! `ImagePullBackOff` until a retry succeeds ([`pull`]); istiod pods become
//! Ready only once their CA configuration is usable ([`istiod`]), in HSM
//! mode container by container.

mod istiod;
mod pull;
mod status;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::Timing;
use super::events::{self, Source, Type};
use super::runtime::{Key, Reconciler, key_of};
use super::util::{self, NODES, PODS};
use crate::clock;
use crate::cluster::Cluster;
use crate::store::Event;

pub struct Kubelet {
    timing: Timing,
    /// When a pod's current step (by uid) may finish.
    due: Mutex<HashMap<String, Instant>>,
    /// Pods running on some node, to stop their containers once deleted:
    /// only the fields stopping needs ([`running_ref`]), not the whole pod.
    running: Mutex<HashMap<Key, Value>>,
    pulls: pull::Puller,
    istiods: istiod::Istiods,
}

impl Kubelet {
    pub fn new(timing: Timing) -> Self {
        Self {
            timing,
            due: Mutex::default(),
            running: Mutex::default(),
            pulls: pull::Puller::new(timing.pull_backoff),
            istiods: istiod::Istiods::default(),
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

    fn forget(&self, pod: &Value) {
        let uid = util::uid(pod);
        self.due
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uid);
        self.pulls.forget(uid);
        self.istiods.forget(uid);
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
                self.forget(&pod);
                status::stop(cluster, &pod).await;
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
            .insert(key.clone(), running_ref(&pod));
        if phase == "Pending" && !has_statuses {
            status::creating(cluster, &pod, &node).await;
            return Some(self.timing.pull);
        }
        if phase == "Pending" {
            if pull::failing(&pod) {
                return match self.pulls.step(cluster, &pod).await {
                    pull::Step::Wait(left) => Some(left),
                    pull::Step::Retry => self.start(cluster, &pod, &node).await,
                };
            }
            if let Some(left) = self.wait(&pod, self.timing.pull) {
                return Some(left);
            }
            return self.start(cluster, &pod, &node).await;
        }
        if phase == "Running" && !util::pod_ready(&pod) {
            if let Some(left) = self.wait(&pod, self.timing.ready) {
                return Some(left);
            }
            if istiod::is_istiod(&pod) {
                let unready = self.istiods.unready(cluster, &pod).await;
                if !unready.is_empty() {
                    status::ready_except(cluster, &pod, &unready).await;
                    return Some(self.timing.pull_backoff);
                }
            }
            status::ready(cluster, &pod).await;
        }
        None
    }
}

impl Kubelet {
    /// Pulls images and starts every container not yet started. When all
    /// run the pod is Running (Ready after `timing.ready`); a container
    /// whose image cannot be pulled keeps it Pending and backs off.
    async fn start(&self, cluster: &Cluster, pod: &Value, node: &Value) -> Option<Duration> {
        let node_name = util::name(node);
        let source = Source::kubelet(node_name);
        let now = clock::now_rfc3339();
        let credentials = pull::Credentials::of(cluster, pod);
        let mut init_statuses = Vec::new();
        let mut statuses = Vec::new();
        let mut failed = Vec::new();
        let mut init_blocked = false;
        for list in ["initContainers", "containers"] {
            let before = &pod["status"][if list == "initContainers" {
                "initContainerStatuses"
            } else {
                "containerStatuses"
            }];
            for c in pod["spec"][list].as_array().into_iter().flatten() {
                let name = c["name"].as_str().unwrap_or_default();
                let image = c["image"].as_str().unwrap_or_default();
                let out = if list == "initContainers" {
                    &mut init_statuses
                } else {
                    &mut statuses
                };
                let previous = before
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|s| s["name"] == name);
                if let Some(done) = previous.filter(|s| started(s)) {
                    out.push(done.clone());
                    continue;
                }
                if init_blocked {
                    out.push(status::waiting(c, "PodInitializing", None));
                    continue;
                }
                let field = format!("spec.{list}{{{name}}}");
                if let Err(error) = self
                    .pulls
                    .pull(cluster, pod, node_name, c, &field, &credentials)
                    .await
                {
                    out.push(status::waiting(c, "ErrImagePull", Some(&error)));
                    failed.push(name.to_owned());
                    init_blocked |= list == "initContainers";
                    continue;
                }
                for (reason, message) in [
                    ("Created", format!("Created container: {name}")),
                    ("Started", format!("Started container {name}")),
                ] {
                    events::record(
                        cluster,
                        pod,
                        Some(&field),
                        Type::Normal,
                        reason,
                        &message,
                        source,
                    )
                    .await;
                }
                let mut s = json!({
                    "name": name,
                    "image": status::full_image(image),
                    "imageID": status::image_id(image),
                    "containerID": format!("containerd://{}", clock::hex(&rand::random::<[u8; 32]>())),
                    "restartCount": 0,
                    "lastState": {},
                });
                if list == "initContainers" {
                    s["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed",
                        "startedAt": now, "finishedAt": now, "containerID": s["containerID"]}});
                    s["ready"] = json!(true);
                    s["started"] = json!(false);
                } else {
                    s["state"] = json!({"running": {"startedAt": now}});
                    s["ready"] = json!(false);
                    s["started"] = json!(true);
                }
                out.push(s);
            }
        }
        let mut st = pod["status"].clone();
        st["containerStatuses"] = json!(statuses);
        if !init_statuses.is_empty() {
            st["initContainerStatuses"] = json!(init_statuses);
        }
        let mut conditions = status::conditions_of(&st);
        // The pod sandbox, and with it the IP, exists before any pull.
        if st["podIP"].is_null() {
            let ip = status::pod_ip(cluster, node);
            st["podIP"] = json!(ip);
            st["podIPs"] = json!([{"ip": ip}]);
        }
        if failed.is_empty() {
            st["phase"] = json!("Running");
            for kind in ["PodReadyToStartContainers", "Initialized"] {
                status::set(&mut conditions, kind, true, None);
            }
        } else if init_blocked {
            let message = format!("containers with incomplete status: [{}]", failed.join(" "));
            let why = Some(("ContainersNotInitialized", message.as_str()));
            status::set(&mut conditions, "Initialized", false, why);
        } else {
            status::set(&mut conditions, "Initialized", true, None);
        }
        st["conditions"] = json!(status::order(conditions));
        status::write(cluster, pod, st).await;
        if !failed.is_empty() {
            return Some(self.pulls.failed(pod));
        }
        self.pulls.forget(util::uid(pod));
        if istiod::is_istiod(pod) {
            self.istiods.started(cluster, pod);
        }
        (!self.timing.ready.is_zero()).then_some(self.timing.ready)
    }
}

/// What stopping a deleted pod's containers reads of it (its identity for
/// the Killing events, its node and its containers' names), so a kubelet
/// does not hold a second copy of every pod it runs.
fn running_ref(pod: &Value) -> Value {
    let meta = &pod["metadata"];
    let mut out = json!({
        "kind": pod["kind"],
        "apiVersion": pod["apiVersion"],
        "metadata": {
            "name": meta["name"],
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
        },
        "spec": {"nodeName": pod["spec"]["nodeName"]},
    });
    if let Some(ns) = meta.get("namespace") {
        out["metadata"]["namespace"] = ns.clone();
    }
    if let Some(containers) = pod["spec"]["containers"].as_array() {
        let names: Vec<Value> = containers
            .iter()
            .map(|c| json!({"name": c["name"]}))
            .collect();
        out["spec"]["containers"] = Value::Array(names);
    }
    out
}

/// Whether a container status says it has already been started (or, for
/// an init container, has run).
fn started(status: &Value) -> bool {
    status["state"]["running"].is_object() || status["state"]["terminated"].is_object()
}
