//! Objects as they stand in a cluster that has been running a while,
//! written straight into the store: a Deployment with its one ReplicaSet
//! and its pods Running and Ready on their nodes, each with exactly the
//! status the controllers would compute, so they leave them alone.

use serde_json::{Value, json};
use sha2::Digest;

use super::rng::Rng;
use crate::clock;
use crate::cluster::Cluster;
use crate::controllers::injection;
use crate::controllers::quantity;
use crate::controllers::template::{self, HASH_LABEL};
use crate::ops::{defaults, managed};

/// A node pods are placed on, and how many it holds so far.
pub struct Node {
    pub name: String,
    pub ip: String,
    /// The first three octets of its pod CIDR.
    pub pod_prefix: String,
    pub pods: usize,
}

/// Writes settled objects into one cluster's store.
pub struct Seeder<'a> {
    pub cluster: &'a Cluster,
    pub rng: Rng,
    pub nodes: Vec<Node>,
    /// Seconds since the epoch.
    pub now: u64,
    next_node: usize,
    next_service: u32,
    pub pods: usize,
    pub deployments: usize,
}

impl<'a> Seeder<'a> {
    pub fn new(cluster: &'a Cluster, rng: Rng, nodes: Vec<Node>) -> Self {
        let now = clock::parse_rfc3339(&clock::now_rfc3339()).unwrap_or(0);
        Self {
            cluster,
            rng,
            nodes,
            now,
            next_node: 0,
            next_service: 10,
            pods: 0,
            deployments: 0,
        }
    }

    /// A time `days` to `days + 1` days ago.
    pub fn days_ago(&mut self, days: u64) -> String {
        let secs = days * 86_400 + self.rng.below(86_400) as u64;
        clock::rfc3339(self.now.saturating_sub(secs))
    }

    /// Fills server-set metadata as a create by `manager` would, with a
    /// seeded uid and age.
    pub fn admit(&mut self, kind: &str, object: &mut Value, manager: &str, days: u64) {
        self.stamp(kind, object, days);
        let api_version = object["apiVersion"].as_str().unwrap_or("v1").to_owned();
        managed::record_update(None, object, manager, &api_version, None);
    }

    /// [`Seeder::admit`] without `managedFields`: a third of a pod's
    /// memory here, for a field clients hide by default, so the pods of a
    /// 100k-pod fleet go without it.
    fn stamp(&mut self, kind: &str, object: &mut Value, days: u64) {
        let _ = defaults::on_create(kind, object, String::new);
        object["metadata"]["uid"] = json!(self.rng.uid());
        object["metadata"]["creationTimestamp"] = json!(self.days_ago(days));
    }

    pub fn put(&self, resource: &str, object: Value) {
        let meta = &object["metadata"];
        let ns = meta["namespace"].as_str().unwrap_or_default().to_owned();
        let name = meta["name"].as_str().unwrap_or_default().to_owned();
        self.cluster.store.put(resource, &ns, &name, object);
    }

    /// A Service (cluster IP allocated as the apiserver would).
    pub fn service(&mut self, ns: &str, name: &str, labels: &Value, ports: Value) {
        let n = self.next_service;
        self.next_service += 1;
        let ip = format!("10.96.{}.{}", n / 250, n % 250 + 1);
        let mut svc = json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"selector": labels, "ports": ports, "clusterIP": ip},
        });
        self.admit("Service", &mut svc, "kubectl-client-side-apply", 30);
        self.put("services", svc);
    }

    /// A Deployment of `replicas` pods of `template`, rolled out long ago.
    pub fn deployment(
        &mut self,
        ns: &str,
        name: &str,
        labels: &Value,
        template: Value,
        replicas: usize,
    ) {
        let age = 3 + self.rng.below(60) as u64;
        let mut d = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": labels,
                "annotations": {"deployment.kubernetes.io/revision": "1"}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template},
        });
        self.admit("Deployment", &mut d, "kubectl-client-side-apply", age);
        let rs = self.replica_set(&d, replicas, age);
        let rs_name = rs["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let started = d["metadata"]["creationTimestamp"].clone();
        let condition = |kind: &str, reason: &str, message: String| {
            json!({"type": kind, "status": "True", "reason": reason, "message": message,
                   "lastUpdateTime": started, "lastTransitionTime": started})
        };
        d["status"] = json!({
            "observedGeneration": 1,
            "replicas": replicas, "updatedReplicas": replicas,
            "readyReplicas": replicas, "availableReplicas": replicas,
            "conditions": [
                condition("Available", "MinimumReplicasAvailable", "Deployment has minimum availability.".into()),
                condition("Progressing", "NewReplicaSetAvailable", format!("ReplicaSet \"{rs_name}\" has successfully progressed.")),
            ],
        });
        self.pods_of(&rs, replicas, age);
        self.put("replicasets.apps", rs);
        self.put("deployments.apps", d);
        self.deployments += 1;
    }

    fn replica_set(&mut self, d: &Value, replicas: usize, age: u64) -> Value {
        let mut template = template::normalize(&d["spec"]["template"]);
        let hash = template::hash(&template, 0);
        template["metadata"]["labels"][HASH_LABEL] = json!(hash);
        let mut selector = d["spec"]["selector"].clone();
        selector["matchLabels"][HASH_LABEL] = json!(hash);
        let surge = replicas.div_ceil(4);
        let mut rs = json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {
                "name": format!("{}-{hash}", d["metadata"]["name"].as_str().unwrap_or_default()),
                "namespace": d["metadata"]["namespace"],
                "labels": template["metadata"]["labels"],
                "annotations": {
                    "deployment.kubernetes.io/desired-replicas": replicas.to_string(),
                    "deployment.kubernetes.io/max-replicas": (replicas + surge).to_string(),
                    "deployment.kubernetes.io/revision": "1",
                },
                "ownerReferences": [owner(d)],
            },
            "spec": {"replicas": replicas, "selector": selector, "template": template},
        });
        self.admit("ReplicaSet", &mut rs, "kube-controller-manager", age);
        rs["status"] = json!({
            "replicas": replicas, "fullyLabeledReplicas": replicas,
            "readyReplicas": replicas, "availableReplicas": replicas,
            "observedGeneration": 1,
        });
        rs
    }

    /// The pods of `rs`, admitted (and injected) once, then copied.
    fn pods_of(&mut self, rs: &Value, replicas: usize, age: u64) {
        let template = &rs["spec"]["template"];
        let rs_name = rs["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let mut pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "generateName": format!("{rs_name}-"),
                "namespace": rs["metadata"]["namespace"],
                "labels": template["metadata"]["labels"],
                "ownerReferences": [owner(rs)],
            },
            "spec": template["spec"],
        });
        if template["metadata"]["annotations"].is_object() {
            pod["metadata"]["annotations"] = template["metadata"]["annotations"].clone();
        }
        // The namespace, webhooks and istiod are in the store already.
        if let Err(e) = injection::inject(self.cluster, &mut pod) {
            tracing::warn!(cluster = %self.cluster.name, error = %e, "scaled pod not injected");
        }
        self.stamp("Pod", &mut pod, age);
        let qos = quantity::qos_class(&pod);
        for _ in 0..replicas {
            let mut p = pod.clone();
            p["metadata"]["name"] = json!(format!("{rs_name}-{}", self.rng.suffix(5)));
            p["metadata"]["uid"] = json!(self.rng.uid());
            let started = self.days_ago(age.saturating_sub(1));
            p["metadata"]["creationTimestamp"] = json!(started);
            let at = self.next_node % self.nodes.len();
            self.next_node += 1;
            let node = &mut self.nodes[at];
            node.pods += 1;
            p["spec"]["nodeName"] = json!(node.name);
            let ip = format!("{}.{}", node.pod_prefix, node.pods + 1);
            p["status"] = running(&p, &node.ip, &ip, &started, qos, &mut self.rng);
            self.put("pods", p);
            self.pods += 1;
        }
    }
}

fn owner(object: &Value) -> Value {
    json!({
        "apiVersion": object["apiVersion"], "kind": object["kind"],
        "name": object["metadata"]["name"], "uid": object["metadata"]["uid"],
        "controller": true, "blockOwnerDeletion": true,
    })
}

/// The status a kubelet reports for a pod that started at `started` and
/// has been Ready since.
fn running(pod: &Value, host_ip: &str, ip: &str, started: &str, qos: &str, rng: &mut Rng) -> Value {
    let container = |c: &Value, init: bool, rng: &mut Rng| {
        let image = c["image"].as_str().unwrap_or_default();
        let id = json!(format!(
            "containerd://{}",
            clock::hex(&rng.next_u64().to_be_bytes()).repeat(4)
        ));
        let state = if init {
            json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": started,
                "finishedAt": started, "containerID": id}})
        } else {
            json!({"running": {"startedAt": started}})
        };
        json!({"name": c["name"], "image": image, "imageID": image_id(image), "containerID": id,
            "ready": true, "started": !init, "restartCount": 0, "lastState": {}, "state": state})
    };
    let list = |key: &str, init: bool, rng: &mut Rng| -> Vec<Value> {
        pod["spec"][key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| container(c, init, rng))
            .collect()
    };
    let inits = list("initContainers", true, rng);
    let containers = list("containers", false, rng);
    let conditions: Vec<Value> = [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    .iter()
    .map(|kind| json!({"type": kind, "status": "True", "lastProbeTime": null, "lastTransitionTime": started}))
    .collect();
    let mut status = json!({
        "phase": "Running", "conditions": conditions,
        "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
        "podIP": ip, "podIPs": [{"ip": ip}],
        "startTime": started, "qosClass": qos,
        "containerStatuses": containers,
    });
    if !inits.is_empty() {
        status["initContainerStatuses"] = json!(inits);
    }
    status
}

/// `repo@sha256:<digest>`, stable for one image (fully qualified here).
fn image_id(image: &str) -> String {
    let repo = image.rsplit_once(':').map_or(image, |(repo, _)| repo);
    format!(
        "{repo}@sha256:{}",
        clock::hex(&sha2::Sha256::digest(image.as_bytes()))
    )
}
