//! DaemonSets and StatefulSets through kubectl on a default-fleet cluster:
//! one pod per node, ordered `<name>-<ordinal>` pods, scaling both ways,
//! image updates, and `kubectl rollout status` for both.

use serde_json::Value;

use super::harness::Kubectl;

const SETS: &str = r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-agent, namespace: infra}
spec:
  selector: {matchLabels: {app: node-agent}}
  template:
    metadata: {labels: {app: node-agent}}
    spec:
      containers: [{name: agent, image: "nginx:1.27", resources: {requests: {cpu: 10m}}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: infra}
spec:
  replicas: 3
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", resources: {requests: {cpu: 10m}}}]
"#;

fn live_names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn daemonsets_and_statefulsets_roll_out_scale_and_update() {
    let k = Kubectl::world("sets", &["gke-eu"]).await;
    let eu = k.on("gke-eu");
    eu.ok(&["create", "namespace", "infra"]).await;
    eu.create("sets.yaml", SETS).await;

    eu.ok(&[
        "rollout",
        "status",
        "ds/node-agent",
        "-n",
        "infra",
        "--timeout=60s",
    ])
    .await;
    let ds = eu.json(&["get", "ds/node-agent", "-n", "infra"]).await;
    for field in [
        "desiredNumberScheduled",
        "currentNumberScheduled",
        "numberReady",
        "updatedNumberScheduled",
        "numberAvailable",
    ] {
        assert_eq!(ds["status"][field], 4, "{field}: {:#}", ds["status"]);
    }
    let pods = eu
        .json(&["get", "pods", "-n", "infra", "-l", "app=node-agent"])
        .await;
    let mut nodes: Vec<&str> = pods["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["spec"]["nodeName"].as_str())
        .collect();
    nodes.sort_unstable();
    nodes.dedup();
    assert_eq!(
        nodes.len(),
        4,
        "one pod on each of the four nodes: {nodes:?}"
    );

    eu.ok(&[
        "set",
        "image",
        "ds/node-agent",
        "agent=nginx:1.28",
        "-n",
        "infra",
    ])
    .await;
    eu.ok(&[
        "rollout",
        "status",
        "ds/node-agent",
        "-n",
        "infra",
        "--timeout=60s",
    ])
    .await;
    eu.until(
        "every node-agent pod on 1.28",
        &["get", "pods", "-n", "infra", "-l", "app=node-agent"],
        |list| {
            let items = list["items"].as_array()?;
            (items.len() == 4
                && items
                    .iter()
                    .all(|p| p["spec"]["containers"][0]["image"] == "nginx:1.28"))
            .then_some(())
        },
    )
    .await;

    let web = ["get", "pods", "-n", "infra", "-l", "app=web"];
    eu.ok(&[
        "rollout",
        "status",
        "sts/web",
        "-n",
        "infra",
        "--timeout=60s",
    ])
    .await;
    assert_eq!(
        live_names(&eu.json(&web).await),
        ["web-0", "web-1", "web-2"]
    );
    let events = eu.json(&["get", "events", "-n", "infra"]).await;
    let created: Vec<&str> = events["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            e["reason"] == "SuccessfulCreate" && e["involvedObject"]["kind"] == "StatefulSet"
        })
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert_eq!(
        created,
        [
            "create Pod web-0 in StatefulSet web successful",
            "create Pod web-1 in StatefulSet web successful",
            "create Pod web-2 in StatefulSet web successful"
        ],
        "pods are created in ordinal order"
    );

    eu.ok(&["scale", "sts/web", "--replicas=5", "-n", "infra"])
        .await;
    eu.ok(&[
        "rollout",
        "status",
        "sts/web",
        "-n",
        "infra",
        "--timeout=60s",
    ])
    .await;
    assert_eq!(
        live_names(&eu.json(&web).await),
        ["web-0", "web-1", "web-2", "web-3", "web-4"]
    );
    eu.ok(&["scale", "sts/web", "--replicas=2", "-n", "infra"])
        .await;
    eu.until("web scaled down to two", &web, |list| {
        (live_names(list) == ["web-0", "web-1"]).then_some(())
    })
    .await;

    eu.ok(&["set", "image", "sts/web", "web=nginx:1.28", "-n", "infra"])
        .await;
    eu.ok(&[
        "rollout",
        "status",
        "sts/web",
        "-n",
        "infra",
        "--timeout=60s",
    ])
    .await;
    let sts = eu.json(&["get", "sts/web", "-n", "infra"]).await;
    assert_eq!(
        sts["status"]["currentRevision"],
        sts["status"]["updateRevision"]
    );
    assert_eq!(sts["status"]["updatedReplicas"], 2);
    let pods = eu.json(&web).await;
    assert!(
        pods["items"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|p| p["spec"]["containers"][0]["image"] == "nginx:1.28"),
        "{pods:#}"
    );
}
