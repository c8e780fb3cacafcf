//! The apiserver's NodePort allocator: every port of a `NodePort` or
//! `LoadBalancer` Service gets a node port in 30000–32767, unique in the
//! cluster; a port asked for must be in range and free; an update keeps
//! the ports already allocated; other Service types hold none.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::cluster::Cluster;
use crate::status::{ApiStatus, FieldError};

pub const RANGE: std::ops::RangeInclusive<i64> = 30000..=32767;

fn needs_node_ports(spec: &Value) -> bool {
    match spec["type"].as_str() {
        Some("NodePort") => true,
        Some("LoadBalancer") => spec["allocateLoadBalancerNodePorts"] != false,
        _ => false,
    }
}

/// Allocates (or checks) `svc`'s node ports; `old` is the stored Service
/// an update replaces.
pub fn allocate(c: &Cluster, old: Option<&Value>, svc: &mut Value) -> Result<(), ApiStatus> {
    let ns = svc["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let name = svc["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let spec = &mut svc["spec"];
    let kind = spec["type"].as_str().unwrap_or("ClusterIP").to_owned();
    if matches!(kind.as_str(), "NodePort" | "LoadBalancer") {
        if spec["externalTrafficPolicy"].is_null() {
            spec["externalTrafficPolicy"] = json!("Cluster");
        }
        if kind == "LoadBalancer" && spec["allocateLoadBalancerNodePorts"].is_null() {
            spec["allocateLoadBalancerNodePorts"] = json!(true);
        }
    } else {
        for p in spec["ports"].as_array_mut().into_iter().flatten() {
            if let Some(p) = p.as_object_mut() {
                p.remove("nodePort");
            }
        }
        return Ok(());
    }
    if !needs_node_ports(spec) {
        return Ok(());
    }
    let (services, _) = c.store.list("services", None);
    let mut used: BTreeSet<i64> = services
        .iter()
        .filter(|s| {
            !(s["metadata"]["namespace"] == ns.as_str() && s["metadata"]["name"] == name.as_str())
        })
        .flat_map(|s| s["spec"]["ports"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p["nodePort"].as_i64())
        .collect();
    let kept = |port: &Value| {
        old.and_then(|o| o["spec"]["ports"].as_array())
            .into_iter()
            .flatten()
            .find(|p| p["port"] == port["port"] && p["protocol"] == port["protocol"])
            .and_then(|p| p["nodePort"].as_i64())
    };
    let mut errors = Vec::new();
    for (i, port) in spec["ports"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let field = format!("spec.ports[{i}].nodePort");
        match port["nodePort"].as_i64() {
            Some(n) if !RANGE.contains(&n) => errors.push(FieldError::invalid(
                &field,
                &n.to_string(),
                "provided port is not in the valid range. The range of valid ports is 30000-32767",
            )),
            Some(n) if !used.insert(n) => errors.push(FieldError::invalid(
                &field,
                &n.to_string(),
                "provided port is already allocated",
            )),
            Some(_) => {}
            None => {
                let n = kept(port)
                    .filter(|n| !used.contains(n))
                    .or_else(|| free(&used, &format!("{ns}/{name}/{i}")));
                match n {
                    Some(n) => {
                        used.insert(n);
                        port["nodePort"] = json!(n);
                    }
                    None => errors.push(FieldError::invalid(
                        &field,
                        "0",
                        "range is full: no free node port",
                    )),
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiStatus::invalid("Service", "", &name, errors))
    }
}

/// A free port, probing from a point that depends on `seed` so that
/// ports look scattered as the real allocator's random picks do.
fn free(used: &BTreeSet<i64>, seed: &str) -> Option<i64> {
    let span = RANGE.end() - RANGE.start() + 1;
    let start = seed.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (0..span)
        .map(|k| RANGE.start() + (i64::from(start) + k) % span)
        .find(|n| !used.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn lb(name: &str, ports: Value) -> Value {
        json!({"metadata": {"name": name, "namespace": "istio-system"},
               "spec": {"type": "LoadBalancer", "ports": ports}})
    }

    #[test]
    fn load_balancers_get_unique_ports_in_range_and_keep_them() {
        let c = Cluster::new("t", "token", Store::memory());
        let mut a = lb(
            "a",
            json!([{"port": 80, "protocol": "TCP"}, {"port": 443, "protocol": "TCP"}]),
        );
        allocate(&c, None, &mut a).unwrap();
        let ports: Vec<i64> = (0..2)
            .map(|i| a["spec"]["ports"][i]["nodePort"].as_i64().unwrap())
            .collect();
        assert!(
            ports.iter().all(|p| RANGE.contains(p)) && ports[0] != ports[1],
            "{ports:?}"
        );
        assert_eq!(a["spec"]["externalTrafficPolicy"], "Cluster");
        c.store.put("services", "istio-system", "a", a.clone());

        // An update that leaves the ports out keeps them.
        let mut again = lb(
            "a",
            json!([{"port": 80, "protocol": "TCP"}, {"port": 443, "protocol": "TCP"}]),
        );
        allocate(&c, Some(&a), &mut again).unwrap();
        assert_eq!(again["spec"]["ports"], a["spec"]["ports"]);

        // Another Service cannot take them, nor one out of range.
        let mut b = lb(
            "b",
            json!([{"port": 80, "protocol": "TCP", "nodePort": ports[0]}]),
        );
        let err = allocate(&c, None, &mut b).unwrap_err();
        assert!(
            err.message.contains("provided port is already allocated"),
            "{}",
            err.message
        );
        let mut b = lb(
            "b",
            json!([{"port": 80, "protocol": "TCP", "nodePort": 80}]),
        );
        assert_eq!(allocate(&c, None, &mut b).unwrap_err().code, 422);

        // ClusterIP Services hold none.
        let mut plain = json!({"metadata": {"name": "p", "namespace": "x"},
            "spec": {"type": "ClusterIP", "ports": [{"port": 80, "nodePort": 30001}]}});
        allocate(&c, None, &mut plain).unwrap();
        assert!(plain["spec"]["ports"][0].get("nodePort").is_none());
    }
}
