//! The Endpoints controller: for every Service with a selector, an
//! Endpoints object of the same name listing the matching pods' IPs (ready
//! ones in `addresses`, the others in `notReadyAddresses`) with the
//! service's ports resolved against each pod's container ports.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::runtime::{Key, Reconciler, key_of};
use super::util::{self, ENDPOINTS, PODS, SERVICES};
use crate::cluster::Cluster;
use crate::ops::{self, DeleteOptions};
use crate::selectors::LabelSelector;
use crate::store::{Event, EventKind};

const MANAGER: &str = "kube-controller-manager";

pub struct EndpointsController;

impl Reconciler for EndpointsController {
    fn primary(&self) -> &'static str {
        SERVICES
    }

    fn keys_for(&self, cluster: &Cluster, event: &Event) -> Vec<Key> {
        match &*event.resource {
            SERVICES => vec![key_of(&event.object)],
            ENDPOINTS if event.kind == EventKind::Deleted => vec![key_of(&event.object)],
            PODS => {
                let (services, _) = cluster.store.list(SERVICES, Some(&event.namespace));
                services.iter().map(|s| key_of(s)).collect()
            }
            _ => Vec::new(),
        }
    }

    async fn reconcile(&self, cluster: &Arc<Cluster>, key: &Key) -> Option<Duration> {
        let rt = util::rt(cluster, ENDPOINTS)?;
        let opts = util::writer(MANAGER, "endpoint-controller");
        let existing = cluster.store.get(ENDPOINTS, &key.0, &key.1);
        let Some(service) = cluster.store.get(SERVICES, &key.0, &key.1) else {
            if existing.is_some() {
                let _ = ops::delete(cluster, &rt, &key.0, &key.1, &DeleteOptions::default()).await;
            }
            return None;
        };
        let Some(selector) = selector_of(&service) else {
            return None; // endpoints of selectorless services are the user's
        };
        let (pods, _) = cluster.store.list(PODS, Some(&key.0));
        let subsets = subsets(&service, &selector, &pods);
        let mut labels = service["metadata"]["labels"].clone();
        if service["spec"]["clusterIP"] == "None" {
            labels["service.kubernetes.io/headless"] = json!("");
        }
        let mut body = json!({
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": key.1, "namespace": key.0},
        });
        if labels.as_object().is_some_and(|m| !m.is_empty()) {
            body["metadata"]["labels"] = labels;
        }
        if !subsets.is_empty() {
            body["subsets"] = json!(subsets);
        }
        match existing {
            None => {
                let _ = ops::create(cluster, &rt, &key.0, body, &opts).await;
            }
            Some(old) => {
                let same = old["subsets"] == body["subsets"]
                    && old["metadata"]["labels"] == body["metadata"]["labels"];
                if !same {
                    let mut new = (*old).clone();
                    new["metadata"]["labels"] = body["metadata"]["labels"].clone();
                    new["subsets"] = body["subsets"].clone();
                    for field in ["labels", "subsets"] {
                        let target = if field == "labels" {
                            &mut new["metadata"]
                        } else {
                            &mut new
                        };
                        if target[field].is_null()
                            && let Some(m) = target.as_object_mut()
                        {
                            m.remove(field);
                        }
                    }
                    let _ = ops::update(cluster, &rt, &key.0, &key.1, new, None, &opts).await;
                }
            }
        }
        None
    }
}

fn selector_of(service: &Value) -> Option<LabelSelector> {
    let selector = service["spec"]["selector"].as_object()?;
    if selector.is_empty() {
        return None;
    }
    let text: Vec<String> = selector
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    LabelSelector::parse(&text.join(",")).ok()
}

/// The service's ports as this pod serves them (a named targetPort is
/// looked up among its containers' ports), or `None` if one is missing.
fn ports_for(service: &Value, pod: &Value) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    for port in service["spec"]["ports"].as_array().into_iter().flatten() {
        let target = match &port["targetPort"] {
            Value::Number(n) => n.as_i64()?,
            Value::String(name) => match name.parse::<i64>() {
                Ok(n) => n,
                Err(_) => pod["spec"]["containers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|c| c["ports"].as_array().into_iter().flatten())
                    .find(|p| p["name"] == *name)
                    .and_then(|p| p["containerPort"].as_i64())?,
            },
            _ => port["port"].as_i64()?,
        };
        let mut p = json!({"port": target, "protocol": port["protocol"].as_str().unwrap_or("TCP")});
        if let Some(name) = port["name"].as_str() {
            p["name"] = json!(name);
        }
        if let Some(app) = port["appProtocol"].as_str() {
            p["appProtocol"] = json!(app);
        }
        out.push(p);
    }
    Some(out)
}

/// Subsets grouping pods that serve the same resolved ports.
fn subsets(service: &Value, selector: &LabelSelector, pods: &[Arc<Value>]) -> Vec<Value> {
    // Resolved ports (as JSON text) → (ports, ready, not ready).
    type Group = (Vec<Value>, Vec<Value>, Vec<Value>);
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for pod in pods {
        let ip = util::str_at(pod, "/status/podIP");
        if ip.is_empty() || util::is_deleting(pod) || util::pod_terminal(pod) {
            continue;
        }
        if !selector.matches_object(pod) {
            continue;
        }
        let Some(ports) = ports_for(service, pod) else {
            continue;
        };
        let mut address = json!({
            "ip": ip,
            "targetRef": {"kind": "Pod", "namespace": pod["metadata"]["namespace"],
                          "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]},
        });
        let node = util::str_at(pod, "/spec/nodeName");
        if !node.is_empty() {
            address["nodeName"] = json!(node);
        }
        let group = groups
            .entry(Value::Array(ports.clone()).to_string())
            .or_insert_with(|| (ports, Vec::new(), Vec::new()));
        if util::pod_ready(pod) {
            group.1.push(address);
        } else {
            group.2.push(address);
        }
    }
    groups
        .into_values()
        .map(|(ports, mut ready, mut not_ready)| {
            let by_ip = |a: &Value| a["ip"].as_str().unwrap_or_default().to_owned();
            ready.sort_by_key(by_ip);
            not_ready.sort_by_key(by_ip);
            let mut subset = json!({});
            if !ready.is_empty() {
                subset["addresses"] = json!(ready);
            }
            if !not_ready.is_empty() {
                subset["notReadyAddresses"] = json!(not_ready);
            }
            if !ports.is_empty() {
                subset["ports"] = json!(ports);
            }
            subset
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, ip: &str, ready: bool) -> Arc<Value> {
        Arc::new(json!({
            "metadata": {"name": name, "namespace": "blue", "uid": name, "labels": {"app": "foo"}},
            "spec": {"nodeName": "n1", "containers": [{"name": "app", "ports": [{"name": "http", "containerPort": 8080}]}]},
            "status": {"podIP": ip, "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}
        }))
    }

    #[test]
    fn lists_ready_and_unready_pods_with_resolved_ports() {
        let service = json!({"spec": {"selector": {"app": "foo"},
            "ports": [{"name": "http-web", "port": 80, "targetPort": "http", "protocol": "TCP"}]}});
        let selector = selector_of(&service).unwrap();
        let mut other = (*pod("x", "10.0.0.9", true)).clone();
        other["metadata"]["labels"]["app"] = json!("bar");
        let pods = [
            pod("b", "10.244.1.3", true),
            pod("a", "10.244.1.2", true),
            pod("c", "10.244.1.4", false),
            pod("pending", "", false),
            Arc::new(other),
        ];
        let subsets = subsets(&service, &selector, &pods);
        assert_eq!(subsets.len(), 1);
        let ips: Vec<&str> = subsets[0]["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["ip"].as_str().unwrap())
            .collect();
        assert_eq!(ips, ["10.244.1.2", "10.244.1.3"]);
        assert_eq!(subsets[0]["notReadyAddresses"][0]["ip"], "10.244.1.4");
        assert_eq!(
            subsets[0]["ports"],
            json!([{"name": "http-web", "port": 8080, "protocol": "TCP"}])
        );
        assert_eq!(subsets[0]["addresses"][0]["targetRef"]["name"], "a");
    }
}
