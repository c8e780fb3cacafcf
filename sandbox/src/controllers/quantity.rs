//! Kubernetes resource quantities (`100m`, `1.5`, `512Mi`, `2G`, `1e3`) and
//! the requests a pod asks the scheduler for.

use serde_json::Value;

pub use shared::quantity::parse;

/// A quantity field that may be a JSON string or number.
pub fn of(value: &Value) -> Option<f64> {
    match value {
        Value::String(s) => parse(s),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// What a pod requests of each resource: the sum over its containers
/// (a limit without a request counts as the request, as the apiserver
/// defaults it), or the largest init container's if that is more.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Requests {
    pub cpu: f64,
    pub memory: f64,
}

impl Requests {
    pub fn of_pod(pod: &Value) -> Self {
        let one = |c: &Value, r: &str| {
            of(&c["resources"]["requests"][r])
                .or_else(|| of(&c["resources"]["limits"][r]))
                .unwrap_or(0.0)
        };
        let containers = |list: &str| {
            pod["spec"][list]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
        };
        let mut total = Self::default();
        for c in containers("containers") {
            total.cpu += one(&c, "cpu");
            total.memory += one(&c, "memory");
        }
        for c in containers("initContainers") {
            total.cpu = total.cpu.max(one(&c, "cpu"));
            total.memory = total.memory.max(one(&c, "memory"));
        }
        total
    }
}

/// A pod's QoS class from its containers' requests and limits.
pub fn qos_class(pod: &Value) -> &'static str {
    let containers: Vec<&Value> = ["containers", "initContainers"]
        .iter()
        .flat_map(|l| pod["spec"][*l].as_array().into_iter().flatten())
        .collect();
    let any_set = containers.iter().any(|c| {
        ["requests", "limits"].iter().any(|k| {
            c["resources"][*k]
                .as_object()
                .is_some_and(|m| m.contains_key("cpu") || m.contains_key("memory"))
        })
    });
    if !any_set {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        ["cpu", "memory"].iter().all(|r| {
            let limit = of(&c["resources"]["limits"][*r]);
            let request = of(&c["resources"]["requests"][*r]).or(limit);
            limit.is_some() && request == limit
        })
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sums_container_requests_and_classifies_qos() {
        let pod = json!({"spec": {
            "containers": [
                {"resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}},
                {"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}
            ],
            "initContainers": [{"resources": {"requests": {"cpu": "2"}}}]
        }});
        let r = Requests::of_pod(&pod);
        assert_eq!(r.cpu, 2.0);
        assert_eq!(r.memory, 64.0 * 1024.0 * 1024.0 + 1024f64.powi(3));
        assert_eq!(qos_class(&pod), "Burstable");
        assert_eq!(
            qos_class(&json!({"spec": {"containers": [{}]}})),
            "BestEffort"
        );
        let g = json!({"spec": {"containers": [
            {"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}
        ]}});
        assert_eq!(qos_class(&g), "Guaranteed");
    }
}
