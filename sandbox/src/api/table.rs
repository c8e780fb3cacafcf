//! Server-side printing: the `meta.k8s.io/v1` Table kubectl asks for, with
//! the columns real clusters print per kind.

use serde_json::{Value, json};

use crate::clock;

/// Whether the Accept header asks for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept.contains("as=Table")
}

struct Col(&'static str, &'static str, u8);

fn columns(kind: &str) -> Vec<Col> {
    let mut cols = vec![Col("Name", "string", 0)];
    cols.extend(match kind {
        "Pod" => vec![
            Col("Ready", "string", 0),
            Col("Status", "string", 0),
            Col("Restarts", "string", 0),
            Col("Age", "string", 0),
            Col("IP", "string", 1),
            Col("Node", "string", 1),
            Col("Nominated Node", "string", 1),
            Col("Readiness Gates", "string", 1),
        ],
        "Deployment" => vec![
            Col("Ready", "string", 0),
            Col("Up-to-date", "integer", 0),
            Col("Available", "integer", 0),
            Col("Age", "string", 0),
            Col("Containers", "string", 1),
            Col("Images", "string", 1),
            Col("Selector", "string", 1),
        ],
        "ReplicaSet" => vec![
            Col("Desired", "integer", 0),
            Col("Current", "integer", 0),
            Col("Ready", "integer", 0),
            Col("Age", "string", 0),
        ],
        "Service" => vec![
            Col("Type", "string", 0),
            Col("Cluster-IP", "string", 0),
            Col("External-IP", "string", 0),
            Col("Port(s)", "string", 0),
            Col("Age", "string", 0),
            Col("Selector", "string", 1),
        ],
        "Namespace" => vec![Col("Status", "string", 0), Col("Age", "string", 0)],
        "Node" => vec![
            Col("Status", "string", 0),
            Col("Roles", "string", 0),
            Col("Age", "string", 0),
            Col("Version", "string", 0),
        ],
        "Secret" => vec![
            Col("Type", "string", 0),
            Col("Data", "string", 0),
            Col("Age", "string", 0),
        ],
        "ConfigMap" => vec![Col("Data", "string", 0), Col("Age", "string", 0)],
        "ServiceAccount" => vec![Col("Secrets", "string", 0), Col("Age", "string", 0)],
        "CertificateSigningRequest" => vec![
            Col("Age", "string", 0),
            Col("SignerName", "string", 0),
            Col("Requestor", "string", 0),
            Col("RequestedDuration", "string", 0),
            Col("Condition", "string", 0),
        ],
        "Event" => vec![
            Col("Last Seen", "string", 0),
            Col("Type", "string", 0),
            Col("Reason", "string", 0),
            Col("Object", "string", 0),
            Col("Message", "string", 0),
        ],
        _ => vec![Col("Age", "string", 0)],
    });
    cols
}

fn cells(kind: &str, o: &Value) -> Vec<Value> {
    let name = o["metadata"]["name"].clone();
    let age_cell = json!(age(o["metadata"]["creationTimestamp"].as_str()));
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let n = |v: &Value| v.as_i64().unwrap_or(0);
    let count = |v: &Value| v.as_object().map(|m| m.len()).unwrap_or(0);
    let mut row = vec![name];
    row.extend(match kind {
        "Pod" => {
            let statuses = o["status"]["containerStatuses"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let total = o["spec"]["containers"]
                .as_array()
                .map(Vec::len)
                .unwrap_or(0);
            let ready = statuses.iter().filter(|c| c["ready"] == true).count();
            let restarts: i64 = statuses
                .iter()
                .map(|c| c["restartCount"].as_i64().unwrap_or(0))
                .sum();
            let waiting = statuses
                .iter()
                .find_map(|c| c["state"]["waiting"]["reason"].as_str().map(str::to_owned));
            let phase = if o["metadata"]["deletionTimestamp"].is_string() {
                "Terminating".to_owned()
            } else {
                waiting.unwrap_or_else(|| s(&o["status"]["phase"]))
            };
            vec![
                json!(format!("{ready}/{total}")),
                json!(phase),
                json!(restarts.to_string()),
                age_cell.clone(),
                json!(o["status"]["podIP"].as_str().unwrap_or("<none>")),
                json!(o["spec"]["nodeName"].as_str().unwrap_or("<none>")),
                json!(
                    o["status"]["nominatedNodeName"]
                        .as_str()
                        .unwrap_or("<none>")
                ),
                json!(readiness_gates(o)),
            ]
        }
        "Deployment" => {
            let containers = o["spec"]["template"]["spec"]["containers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let names: Vec<String> = containers.iter().map(|c| s(&c["name"])).collect();
            let images: Vec<String> = containers.iter().map(|c| s(&c["image"])).collect();
            vec![
                json!(format!(
                    "{}/{}",
                    n(&o["status"]["readyReplicas"]),
                    n(&o["spec"]["replicas"])
                )),
                json!(n(&o["status"]["updatedReplicas"])),
                json!(n(&o["status"]["availableReplicas"])),
                age_cell.clone(),
                json!(names.join(",")),
                json!(images.join(",")),
                json!(selector_text(&o["spec"]["selector"]["matchLabels"])),
            ]
        }
        "ReplicaSet" => vec![
            json!(n(&o["spec"]["replicas"])),
            json!(n(&o["status"]["replicas"])),
            json!(n(&o["status"]["readyReplicas"])),
            age_cell.clone(),
        ],
        "Service" => {
            let ports: Vec<String> = o["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    let node = p["nodePort"]
                        .as_i64()
                        .map(|np| format!(":{np}"))
                        .unwrap_or_default();
                    format!(
                        "{}{node}/{}",
                        n(&p["port"]),
                        p["protocol"].as_str().unwrap_or("TCP")
                    )
                })
                .collect();
            let ty = s(&o["spec"]["type"]);
            let external = o["status"]["loadBalancer"]["ingress"]
                .as_array()
                .and_then(|a| a.first())
                .and_then(|i| i["ip"].as_str())
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    if ty == "LoadBalancer" {
                        "<pending>".into()
                    } else {
                        "<none>".into()
                    }
                });
            vec![
                json!(ty),
                json!(o["spec"]["clusterIP"].as_str().unwrap_or("<none>")),
                json!(external),
                json!(if ports.is_empty() {
                    "<none>".into()
                } else {
                    ports.join(",")
                }),
                age_cell.clone(),
                json!(selector_text(&o["spec"]["selector"])),
            ]
        }
        "Namespace" => vec![json!(s(&o["status"]["phase"])), age_cell.clone()],
        "Node" => {
            let ready = o["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True");
            vec![
                json!(if ready { "Ready" } else { "NotReady" }),
                json!("<none>"),
                age_cell.clone(),
                json!(s(&o["status"]["nodeInfo"]["kubeletVersion"])),
            ]
        }
        "Secret" => vec![
            json!(s(&o["type"])),
            json!(count(&o["data"]).to_string()),
            age_cell.clone(),
        ],
        "ConfigMap" => vec![json!(count(&o["data"]).to_string()), age_cell.clone()],
        "ServiceAccount" => vec![
            json!(
                o["secrets"]
                    .as_array()
                    .map(Vec::len)
                    .unwrap_or(0)
                    .to_string()
            ),
            age_cell.clone(),
        ],
        "CertificateSigningRequest" => {
            let conds: Vec<String> = o["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| s(&c["type"]))
                .collect();
            let mut condition = if conds.is_empty() {
                "Pending".to_owned()
            } else {
                conds.join(",")
            };
            if o["status"]["certificate"].is_string() && conds.iter().any(|c| c == "Approved") {
                condition.push_str(",Issued");
            }
            vec![
                age_cell.clone(),
                json!(s(&o["spec"]["signerName"])),
                json!(s(&o["spec"]["username"])),
                json!(
                    o["spec"]["expirationSeconds"]
                        .as_i64()
                        .map(|e| format!("{}h", e / 3600))
                        .unwrap_or_else(|| "<none>".into())
                ),
                json!(condition),
            ]
        }
        "Event" => vec![
            json!(age(o["lastTimestamp"]
                .as_str()
                .or(o["metadata"]["creationTimestamp"].as_str()))),
            json!(s(&o["type"])),
            json!(s(&o["reason"])),
            json!(format!(
                "{}/{}",
                s(&o["involvedObject"]["kind"]).to_lowercase(),
                s(&o["involvedObject"]["name"])
            )),
            json!(s(&o["message"])),
        ],
        _ => vec![age_cell.clone()],
    });
    row
}

/// `1/2` of the pod's readiness gates whose condition is true, as kubectl
/// prints them; `<none>` without gates.
fn readiness_gates(pod: &Value) -> String {
    let gates: Vec<&Value> = pod["spec"]["readinessGates"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| &g["conditionType"])
        .collect();
    if gates.is_empty() {
        return "<none>".into();
    }
    let conditions = pod["status"]["conditions"].as_array();
    let met = gates
        .iter()
        .filter(|gate| {
            conditions
                .into_iter()
                .flatten()
                .any(|c| &&c["type"] == *gate && c["status"] == "True")
        })
        .count();
    format!("{met}/{}", gates.len())
}

fn selector_text(labels: &Value) -> String {
    let parts: Vec<String> = labels
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    if parts.is_empty() {
        "<none>".into()
    } else {
        parts.join(",")
    }
}

/// kubectl's short durations: `45s`, `3m12s`, `5h`, `2d`.
fn age(created: Option<&str>) -> String {
    let Some(created) = created.and_then(clock::parse_rfc3339) else {
        return "<unknown>".into();
    };
    let now = clock::parse_rfc3339(&clock::now_rfc3339()).unwrap_or(created);
    let secs = now.saturating_sub(created);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 600 => format!("{}m{}s", s / 60, s % 60),
        s if s < 3 * 3600 => format!("{}m", s / 60),
        s if s < 8 * 3600 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        s if s < 2 * 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// A Table of `items`; `include_object` is `None`, `Object` or (default)
/// `Metadata`, as the `includeObject` query asks.
pub fn table(
    kind: &str,
    items: &[impl std::borrow::Borrow<Value>],
    resource_version: &str,
    include_object: &str,
    cont: Option<&str>,
) -> Value {
    let cols: Vec<Value> = columns(kind)
        .iter()
        .map(|Col(name, ty, prio)| {
            json!({
        "name": name, "type": ty, "format": if *name == "Name" { "name" } else { "" },
        "description": "", "priority": prio})
        })
        .collect();
    let rows: Vec<Value> = items
        .iter()
        .map(|o| row(kind, o.borrow(), include_object))
        .collect();
    let mut meta = json!({"resourceVersion": resource_version});
    if let Some(c) = cont {
        meta["continue"] = json!(c);
    }
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": cols, "rows": rows})
}

fn row(kind: &str, o: &Value, include_object: &str) -> Value {
    let object = match include_object {
        "None" => Value::Null,
        "Object" => o.clone(),
        _ => {
            let mut meta = o["metadata"].clone();
            if let Some(m) = meta.as_object_mut() {
                m.remove("managedFields");
            }
            json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta})
        }
    };
    json!({"cells": cells(kind, o), "object": object})
}

/// One watch event's object as a single-row Table (kubectl get -w).
pub fn single_row(kind: &str, o: &Value, include_object: &str) -> Value {
    table(
        kind,
        std::slice::from_ref(o),
        o["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default(),
        include_object,
        None,
    )
}
