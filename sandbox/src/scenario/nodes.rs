//! Node objects for a cluster's node pool, as a kubelet registers them.

use serde_json::{Value, json};

use super::{ClusterSpec, Platform};
use crate::api::discovery::{MAJOR, MINOR};

/// A node size from the scenario: a quantity in base units (cores or
/// bytes), never negative.
pub fn parse_quantity(text: &str) -> Option<f64> {
    shared::quantity::parse(text).filter(|v| *v >= 0.0 && v.is_finite())
}

pub fn nodes(spec: &ClusterSpec) -> Vec<Value> {
    let zone = if spec.location.matches('-').count() >= 2 {
        spec.location.clone()
    } else {
        format!("{}-a", spec.location)
    };
    let (os_image, runtime) = match spec.platform {
        Platform::Gke | Platform::Unknown => {
            ("Container-Optimized OS from Google", "containerd://2.0.4")
        }
        Platform::AttachedAws => ("Amazon Linux 2023", "containerd://1.7.27"),
        Platform::AttachedAzure => ("Ubuntu 22.04.5 LTS", "containerd://1.7.27"),
        Platform::GkeOnVmware | Platform::BareMetal => {
            ("Ubuntu 22.04.5 LTS", "containerd://1.7.27")
        }
    };
    (0..spec.nodes.count)
        .map(|i| {
            let name = format!("{}-pool-{i}", spec.name);
            json!({
                "apiVersion": "v1", "kind": "Node",
                "metadata": {"name": name, "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "node.kubernetes.io/instance-type": spec.nodes.machine_type,
                    "topology.kubernetes.io/region": shared::fleet::region_of(&spec.location),
                    "topology.kubernetes.io/zone": zone,
                }},
                "spec": {"podCIDR": format!("10.8.{i}.0/24")},
                "status": {
                    "capacity": {"cpu": spec.nodes.cpu, "memory": spec.nodes.memory, "pods": "110"},
                    "allocatable": {"cpu": spec.nodes.cpu, "memory": spec.nodes.memory, "pods": "110"},
                    "conditions": [
                        {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
                        {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure"},
                        {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID"},
                        {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}
                    ],
                    "addresses": [
                        {"type": "InternalIP", "address": format!("10.128.0.{}", i + 10)},
                        {"type": "Hostname", "address": name}
                    ],
                    "nodeInfo": {
                        "kubeletVersion": format!("v{MAJOR}.{MINOR}.0"),
                        "kubeProxyVersion": format!("v{MAJOR}.{MINOR}.0"),
                        "osImage": os_image, "containerRuntimeVersion": runtime,
                        "operatingSystem": "linux", "architecture": "amd64",
                        "kernelVersion": "6.6.56+"
                    }
                }
            })
        })
        .collect()
}

/// `us-central1` for `us-central1` or `us-central1-c`.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("4"), Some(4.0));
        assert_eq!(parse_quantity("3920m"), Some(3.92));
        assert_eq!(
            parse_quantity("16Gi"),
            Some(16.0 * 1024.0 * 1024.0 * 1024.0)
        );
        assert_eq!(parse_quantity("four"), None);
    }
}
