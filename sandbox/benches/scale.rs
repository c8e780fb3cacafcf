//! A generated fleet at scale, in memory: how long generation takes, the
//! resident memory it costs (after generation and after the controllers'
//! first pass), and a LIST of every pod of every cluster at once through
//! the kube crate.
//!
//! `cargo bench -p meshdeck-sandbox --bench scale` (default 50x2000, seed
//! 7; `SCALE=10x500 SEED=3` to change).

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use sandbox::scale::ScaleSpec;
use sandbox::{Fleet, FleetOptions};

const LIST_RUNS: usize = 5;

fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024
}

/// Waits until no cluster's store changes for a second: the controllers'
/// first pass over the fleet is over.
async fn settle(fleet: &Fleet) -> Duration {
    let start = Instant::now();
    let versions = || -> Vec<u64> {
        fleet
            .members
            .iter()
            .map(|m| m.cluster.store.current_rv())
            .collect()
    };
    let mut last = versions();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = versions();
        if now == last {
            return start.elapsed().saturating_sub(Duration::from_secs(1));
        }
        last = now;
    }
}

#[expect(clippy::print_stdout, reason = "a benchmark prints its figures")]
#[tokio::main]
async fn main() {
    let mut spec: ScaleSpec = std::env::var("SCALE")
        .unwrap_or_else(|_| "50x2000".into())
        .parse()
        .expect("SCALE is CLUSTERSxPODS");
    spec.seed = std::env::var("SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let before = rss_mib();
    let start = Instant::now();
    let fleet = Fleet::start(FleetOptions::scaled(spec))
        .await
        .expect("fleet");
    let generated = start.elapsed();
    let after = rss_mib();
    let pods: usize = fleet
        .members
        .iter()
        .map(|m| m.cluster.store.list("pods", None).0.len())
        .sum();
    println!(
        "scale {spec}: {pods} pods in {} clusters",
        fleet.members.len()
    );
    println!("generation (Fleet::start, in memory): {generated:?}");
    println!("resident memory: {before} MiB before, {after} MiB after generation");
    let settled = settle(&fleet).await;
    println!(
        "controllers' first pass over the fleet: {settled:?}; resident memory then {} MiB",
        rss_mib()
    );

    let dir = std::env::temp_dir().join(format!("meshdeck-bench-scale-{}", std::process::id()));
    let path = dir.join("kubeconfig");
    fleet.write_kubeconfig(&path).expect("kubeconfig");
    let kubeconfig = Kubeconfig::read_from(&path).expect("kubeconfig parses");
    let _ = std::fs::remove_dir_all(&dir);
    let mut clients = Vec::new();
    for m in &fleet.members {
        let options = KubeConfigOptions {
            context: Some(m.cluster.name.clone()),
            ..Default::default()
        };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
            .await
            .expect("config");
        clients.push(kube::Client::try_from(config).expect("client"));
    }
    let mut runs = Vec::new();
    for _ in 0..LIST_RUNS {
        let start = Instant::now();
        let lists = join_all(clients.iter().map(|c| {
            let api: Api<Pod> = Api::all(c.clone());
            async move { api.list(&ListParams::default()).await }
        }))
        .await;
        runs.push(start.elapsed());
        let listed: usize = lists
            .into_iter()
            .map(|l| l.expect("list").items.len())
            .sum();
        assert_eq!(listed, pods);
    }
    runs.sort();
    println!(
        "LIST all {pods} pods, every cluster at once (kube client, incl. decoding): min {:?}  median {:?}  max {:?} over {LIST_RUNS} runs",
        runs[0],
        runs[LIST_RUNS / 2],
        runs[LIST_RUNS - 1]
    );
    println!("resident memory at the end: {} MiB", rss_mib());
}
