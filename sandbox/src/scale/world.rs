//! One generated cluster's contents: nodes sized for its pods, the mesh
//! control plane, and application namespaces full of settled workloads.

use serde_json::{Value, json};

use super::istio::{self, Revision};
use super::rng::Rng;
use super::workload::{Node, Seeder};
use super::{ClusterPlan, Counts, ScaleSpec};
use crate::api::discovery::{MAJOR, MINOR};
use crate::cluster::Cluster;
use crate::scenario::Platform;

/// Pods per node the generator aims for (a node holds 110).
const PODS_PER_NODE: usize = 80;

const TEAMS: &[&str] = &[
    "checkout",
    "payments",
    "catalog",
    "search",
    "cart",
    "orders",
    "inventory",
    "shipping",
    "accounts",
    "reviews",
    "ads",
    "recommend",
    "frontend",
    "auth",
    "notify",
    "billing",
    "analytics",
    "media",
    "pricing",
    "loyalty",
];

const COMPONENTS: &[&str] = &[
    "api",
    "web",
    "worker",
    "gateway",
    "cache",
    "sync",
    "indexer",
    "exporter",
    "scheduler",
    "db-proxy",
];

const REPLICAS: &[usize] = &[1, 2, 2, 3, 3, 3, 4, 5, 6, 8, 10, 12];

pub fn seed(
    cluster: &Cluster,
    spec: &ScaleSpec,
    plan: &ClusterPlan,
    index: usize,
) -> Result<Counts, String> {
    let mut rng = Rng::new(spec.seed, index as u64);
    let revisions = istio::revisions(&mut rng, spec.pods_per_cluster);
    let nodes = nodes(cluster, plan, spec.pods_per_cluster);
    let node_count = nodes.len();
    let mut s = Seeder::new(cluster, rng, nodes);
    istio::seed(&mut s, &revisions);
    let left = spec.pods_per_cluster - s.pods;
    let namespaces = apps(&mut s, plan, &revisions, left);
    Ok(Counts {
        nodes: node_count,
        namespaces,
        deployments: s.deployments,
        pods: s.pods,
    })
}

/// Registers the node pool (enough nodes for `pods` at [`PODS_PER_NODE`]).
fn nodes(cluster: &Cluster, plan: &ClusterPlan, pods: usize) -> Vec<Node> {
    let count = pods.div_ceil(PODS_PER_NODE).max(3);
    let (machine, cpu, memory, os, runtime) = match plan.platform {
        Platform::Gke | Platform::Unknown => (
            "e2-standard-16",
            "15890m",
            "57Gi",
            "Container-Optimized OS from Google",
            "containerd://2.0.4",
        ),
        Platform::AttachedAzure => (
            "Standard_D16s_v5",
            "15890m",
            "57Gi",
            "Ubuntu 22.04.5 LTS",
            "containerd://1.7.27",
        ),
        Platform::AttachedAws => (
            "m5.4xlarge",
            "15890m",
            "57Gi",
            "Amazon Linux 2023",
            "containerd://1.7.27",
        ),
        Platform::GkeOnVmware | Platform::BareMetal => (
            "vsphere-16x64",
            "15890m",
            "57Gi",
            "Ubuntu 22.04.5 LTS",
            "containerd://1.7.27",
        ),
    };
    let region = plan.location.trim_end_matches("-onprem");
    (0..count)
        .map(|i| {
            let name = format!("{}-pool-{i}", plan.name);
            let ip = format!("10.128.{}.{}", i / 250, i % 250 + 10);
            let pod_prefix = format!("10.{}.{}", 64 + i / 256, i % 256);
            let node = json!({
                "apiVersion": "v1", "kind": "Node",
                "metadata": {"name": name, "uid": format!("node-{}-{i}", plan.name),
                    "creationTimestamp": "2025-01-01T00:00:00Z",
                    "labels": {
                        "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                        "node.kubernetes.io/instance-type": machine,
                        "topology.kubernetes.io/region": region, "topology.kubernetes.io/zone": plan.location,
                    }},
                "spec": {"podCIDR": format!("{pod_prefix}.0/24")},
                "status": {
                    "capacity": {"cpu": "16", "memory": "64Gi", "pods": "110"},
                    "allocatable": {"cpu": cpu, "memory": memory, "pods": "110"},
                    "conditions": [
                        {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
                        {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure"},
                        {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID"},
                        {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}
                    ],
                    "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
                    "nodeInfo": {
                        "kubeletVersion": format!("v{MAJOR}.{MINOR}.0"), "kubeProxyVersion": format!("v{MAJOR}.{MINOR}.0"),
                        "osImage": os, "containerRuntimeVersion": runtime,
                        "operatingSystem": "linux", "architecture": "amd64", "kernelVersion": "6.6.56+"
                    }
                }
            });
            cluster.store.put("nodes", "", &name, node);
            Node { name, ip, pod_prefix, pods: 0 }
        })
        .collect()
}

/// A namespace (with its `default` service account), as a create makes it.
pub fn namespace(s: &mut Seeder<'_>, name: &str, labels: Value) {
    let mut ns = json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "labels": labels}});
    s.admit("Namespace", &mut ns, "kubectl-create", 90);
    s.put("namespaces", ns);
    service_account(s, name, "default");
}

pub fn service_account(s: &mut Seeder<'_>, ns: &str, name: &str) {
    let mut sa = json!({"apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {"name": name, "namespace": ns}});
    s.admit("ServiceAccount", &mut sa, "kube-controller-manager", 90);
    s.put("serviceaccounts", sa);
}

/// Application namespaces holding `pods` pods in all; returns how many
/// namespaces there are.
fn apps(s: &mut Seeder<'_>, plan: &ClusterPlan, revisions: &[Revision], pods: usize) -> usize {
    if pods == 0 {
        return 0;
    }
    let count = (pods / 150).clamp(1, 60);
    let mut names = Vec::new();
    for i in 0..count {
        let team = TEAMS[i % TEAMS.len()];
        let name = match i / TEAMS.len() {
            0 => team.to_owned(),
            n => format!("{team}-{}", n + 1),
        };
        let labels = injection_labels(&mut s.rng, revisions);
        namespace(s, &name, labels);
        names.push(name);
    }
    let mut left = pods;
    let mut i = 0;
    while left > 0 {
        let ns = &names[i % names.len()];
        let team = ns.split('-').next().unwrap_or(ns);
        let component = COMPONENTS[(i / names.len()) % COMPONENTS.len()];
        let name = match i / (names.len() * COMPONENTS.len()) {
            0 => format!("{team}-{component}"),
            n => format!("{team}-{component}-{}", n + 1),
        };
        let replicas = (*s.rng.pick(REPLICAS)).min(left);
        app(s, plan, ns, &name, component, replicas);
        left -= replicas;
        i += 1;
    }
    names.len()
}

/// Namespace labels: a revision, the legacy label, or none.
fn injection_labels(rng: &mut Rng, revisions: &[Revision]) -> Value {
    let Some(first) = revisions.first() else {
        return json!({});
    };
    let roll = rng.below(100);
    if first.name == "default" {
        return if roll < 75 {
            json!({"istio-injection": "enabled"})
        } else {
            json!({})
        };
    }
    match roll {
        0..45 => json!({"istio.io/rev": rng.pick(revisions).name}),
        45..75 => json!({"istio-injection": "enabled"}),
        _ => json!({}),
    }
}

/// One application: a Deployment and its Service.
fn app(
    s: &mut Seeder<'_>,
    plan: &ClusterPlan,
    ns: &str,
    name: &str,
    component: &str,
    replicas: usize,
) {
    let version = format!(
        "{}.{}.{}",
        1 + s.rng.below(3),
        s.rng.below(20),
        s.rng.below(10)
    );
    let labels = json!({"app": name});
    let mut pod_labels = labels.clone();
    pod_labels["version"] = json!(format!("v{}", &version[..1]));
    let port_name = *s
        .rng
        .pick(&["http", "http", "grpc-api", "web", "http-metrics"]);
    let template = json!({
        "metadata": {"labels": pod_labels},
        "spec": {"containers": [{
            "name": component,
            "image": format!("gcr.io/{}/{name}:{version}", plan.project.id),
            "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
            "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
        }]},
    });
    s.deployment(ns, name, &labels, template, replicas);
    s.service(
        ns,
        name,
        &labels,
        json!([{"name": port_name, "port": 80, "targetPort": 8080, "protocol": "TCP"}]),
    );
}
