//! Speed and memory of one sandbox cluster, measured through its HTTPS API
//! with the kube crate as the client. Prints: LIST of 10k pods (p50/p99),
//! write→watch event latency (p50/p99), resident memory per 10k stored pods.
//!
//! `cargo bench -p meshdeck-sandbox --bench fleet`

use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use kube::api::{Api, PostParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use sandbox::{Fleet, FleetOptions};
use serde_json::json;

const PODS: usize = 10_000;
const LIST_RUNS: usize = 30;
const WATCH_RUNS: usize = 300;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn pod(i: usize) -> serde_json::Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("web-{i:05}"), "namespace": "blue",
            "labels": {"app": "web", "istio.io/rev": "asm-1106-2", "pod-template-hash": "5d8f7c9b4"}},
        "spec": {"nodeName": format!("node-{}", i % 8), "containers": [
            {"name": "web", "image": "gcr.io/project-a/web:1.4.2", "ports": [{"containerPort": 8080, "name": "http"}]},
            {"name": "istio-proxy", "image": "gcr.io/gke-release/asm/proxyv2:1.10.6-asm.2"}]},
        "status": {"phase": "Running", "podIP": format!("10.8.{}.{}", i / 250, i % 250)}
    })
}

#[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
#[tokio::main]
async fn main() {
    let fleet = Fleet::start(FleetOptions::in_memory(&["bench"]))
        .await
        .expect("fleet");
    let dir = std::env::temp_dir().join(format!("meshdeck-bench-{}", std::process::id()));
    let path = dir.join("kubeconfig");
    fleet.write_kubeconfig(&path).expect("kubeconfig");
    let kubeconfig = Kubeconfig::read_from(&path).expect("kubeconfig parses");
    let options = KubeConfigOptions {
        context: Some("bench".into()),
        ..Default::default()
    };
    let client = Client::try_from(
        Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .expect("config"),
    )
    .expect("client");
    let _ = std::fs::remove_dir_all(&dir);

    let namespaces: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace =
        serde_json::from_value(json!({"metadata": {"name": "blue"}})).expect("namespace");
    namespaces
        .create(&PostParams::default(), &ns)
        .await
        .expect("namespace created");

    let cluster = fleet.cluster("bench").expect("cluster");
    let before = rss_kib();
    for i in 0..PODS {
        let object = pod(i);
        let name = object["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        cluster.store.put("pods", "blue", &name, object);
    }
    let after = rss_kib();
    println!(
        "resident memory for {PODS} stored pods: {} KiB",
        after.saturating_sub(before)
    );

    let pods: Api<Pod> = Api::namespaced(client.clone(), "blue");
    let mut lists = Vec::new();
    for _ in 0..LIST_RUNS {
        let start = Instant::now();
        let listed = pods.list(&Default::default()).await.expect("list");
        lists.push(start.elapsed());
        assert_eq!(listed.items.len(), PODS);
    }
    println!(
        "LIST {PODS} pods (kube client, incl. decoding): p50 {:?}  p99 {:?}",
        percentile(&mut lists, 0.5),
        percentile(&mut lists, 0.99)
    );

    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "blue");
    let rv = cluster.store.current_rv().to_string();
    let mut events = maps
        .watch(&WatchParams::default().timeout(290), &rv)
        .await
        .expect("watch")
        .boxed();
    let mut latencies = Vec::new();
    for i in 0..WATCH_RUNS {
        let name = format!("probe-{i}");
        let map: ConfigMap =
            serde_json::from_value(json!({"metadata": {"name": name}})).expect("configmap");
        let start = Instant::now();
        maps.create(&PostParams::default(), &map)
            .await
            .expect("create");
        loop {
            match events.try_next().await.expect("watch stream") {
                Some(WatchEvent::Added(c)) if c.metadata.name.as_deref() == Some(name.as_str()) => {
                    break;
                }
                Some(_) => {}
                None => panic!("watch ended"),
            }
        }
        latencies.push(start.elapsed());
    }
    println!(
        "create → watch event (round trip incl. the create): p50 {:?}  p99 {:?}",
        percentile(&mut latencies, 0.5),
        percentile(&mut latencies, 0.99)
    );
}
