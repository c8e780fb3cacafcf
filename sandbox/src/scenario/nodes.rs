//! Node objects for a cluster's node pool, as a kubelet registers them.

use serde_json::{Value, json};

use super::{ClusterSpec, Platform};
use crate::api::discovery::{MAJOR, MINOR};

/// Parses a Kubernetes quantity into base units (cores or bytes), enough
/// for node sizes: plain numbers, `m`, and binary/decimal suffixes.
pub fn parse_quantity(text: &str) -> Option<f64> {
    let text = text.trim();
    let suffixes: [(&str, f64); 11] = [
        ("Ki", 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("Ti", 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("m", 0.001),
        ("k", 1e3),
        ("K", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("", 1.0),
    ];
    suffixes.iter().find_map(|(suffix, factor)| {
        let number = text.strip_suffix(suffix)?;
        let value: f64 = number.parse().ok()?;
        (value >= 0.0 && value.is_finite()).then_some(value * factor)
    })
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
                    "topology.kubernetes.io/region": region(&spec.location),
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
fn region(location: &str) -> String {
    let parts: Vec<&str> = location.split('-').collect();
    if parts.len() >= 3 && parts[parts.len() - 1].len() == 1 {
        parts[..parts.len() - 1].join("-")
    } else {
        location.to_owned()
    }
}

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

    #[test]
    fn regions_from_zones() {
        assert_eq!(region("europe-west1-c"), "europe-west1");
        assert_eq!(region("us-central1"), "us-central1");
    }
}
