//! Seeding a fresh cluster from its scenario entry: nodes, its fleet
//! `Membership`, then the manifests of its sets, with `{{cluster}}`,
//! `{{location}}`, `{{project}}`, `{{projectNumber}}`, `{{network}}` and
//! `{{fleetProject}}` filled in.

use serde_json::Value;

use super::{ClusterSpec, Scenario, membership, nodes};
use crate::cluster::Cluster;
use crate::ops::{self, WriteOptions};

fn fill(value: &mut Value, vars: &[(&str, &str)]) {
    match value {
        Value::String(s) if s.contains("{{") => {
            for (name, replacement) in vars {
                *s = s.replace(&format!("{{{{{name}}}}}"), replacement);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| fill(v, vars)),
        Value::Object(map) => map.values_mut().for_each(|v| fill(v, vars)),
        _ => {}
    }
}

/// Creates what the scenario says `spec`'s cluster starts with. Objects
/// that already exist are left alone, so seeding is idempotent.
pub async fn seed(
    cluster: &Cluster,
    scenario: &Scenario,
    spec: &ClusterSpec,
) -> Result<(), String> {
    let options = WriteOptions {
        user_agent: "meshdeck-sandbox-scenario".into(),
        field_manager: Some("scenario".into()),
        ..WriteOptions::default()
    };
    let number = scenario
        .projects
        .iter()
        .find(|p| p.id == spec.project)
        .map(|p| p.number.clone())
        .unwrap_or_default();
    let vars = [
        ("cluster", spec.name.as_str()),
        ("location", spec.location.as_str()),
        ("project", spec.project.as_str()),
        ("projectNumber", number.as_str()),
        ("network", spec.network.as_str()),
        ("fleetProject", scenario.fleet.project.as_str()),
    ];
    let mut objects = nodes::nodes(spec);
    objects.extend(membership::objects(scenario, spec));
    for set in &spec.include {
        for manifest in scenario.sets.get(set).into_iter().flatten() {
            let mut object = manifest.clone();
            fill(&mut object, &vars);
            objects.push(object);
        }
    }
    for object in objects {
        let api_version = object["apiVersion"].as_str().unwrap_or_default().to_owned();
        let kind = object["kind"].as_str().unwrap_or_default().to_owned();
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", &api_version));
        let name = object["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let Some(rt) = cluster
            .registry()
            .all()
            .iter()
            .find(|t| t.group == group && t.version == version && t.kind == kind)
            .cloned()
        else {
            return Err(format!(
                "{}: {api_version} {kind} {name}: no such kind is served",
                cluster.name
            ));
        };
        let ns = object["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let key_ns = if rt.namespaced { ns.as_str() } else { "" };
        if cluster.store.get(&rt.key(), key_ns, &name).is_some() {
            continue;
        }
        let status = object.get("status").cloned();
        let created = ops::create(cluster, &rt, &ns, object, &options)
            .await
            .map_err(|e| format!("{}: {kind} {ns}/{name}: {}", cluster.name, e.message))?;
        // Status is the controllers' and kubelets' to write; a scenario
        // states it for objects nothing else simulates (nodes).
        if let Some(status) = status {
            let mut with_status = created;
            with_status["status"] = status;
            cluster.store.put(&rt.key(), key_ns, &name, with_status);
        }
    }
    Ok(())
}
