//! Generated fleets: the same seed gives the same fleet, a different seed
//! another; a small one lists the right counts through the kube crate, with
//! pods settled (Running, Ready, injected by their namespace's revision)
//! and left alone by the controllers, which still act on changes.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, ListParams, Patch, PatchParams};
use sandbox::scale::ScaleSpec;
use sandbox::{Fleet, FleetOptions};
use serde_json::json;

const SMALL: ScaleSpec = ScaleSpec {
    clusters: 3,
    pods_per_cluster: 50,
    seed: 7,
};

/// Every stored pod of the fleet: (cluster, namespace, name).
fn pod_names(fleet: &Fleet) -> BTreeSet<(String, String, String)> {
    fleet
        .members
        .iter()
        .flat_map(|m| {
            let (pods, _) = m.cluster.store.list("pods", None);
            pods.iter()
                .map(|p| {
                    let meta = &p["metadata"];
                    (
                        m.cluster.name.clone(),
                        meta["namespace"].as_str().unwrap_or_default().to_owned(),
                        meta["name"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// (uid, resourceVersion) of every pod, ReplicaSet and Deployment.
fn versions(fleet: &Fleet) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for m in &fleet.members {
        for resource in ["pods", "replicasets.apps", "deployments.apps"] {
            for o in m.cluster.store.list(resource, None).0 {
                let meta = &o["metadata"];
                out.push((
                    meta["uid"].as_str().unwrap_or_default().to_owned(),
                    meta["resourceVersion"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                ));
            }
        }
    }
    out
}

/// Waits until the fleet's stores stop changing (the controllers' first
/// pass, which creates the Endpoints, is over).
async fn settle(fleet: &Fleet) {
    let versions = || -> Vec<u64> {
        fleet
            .members
            .iter()
            .map(|m| m.cluster.store.current_rv())
            .collect()
    };
    let mut last = versions();
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = versions();
        if now == last {
            return;
        }
        last = now;
    }
    panic!("the fleet kept changing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_makes_the_same_fleet() {
    assert_eq!(SMALL.cluster_names(), SMALL.cluster_names());
    let other = ScaleSpec { seed: 8, ..SMALL };
    assert_ne!(SMALL.cluster_names(), other.cluster_names());

    let a = Fleet::start(FleetOptions::scaled(SMALL)).await.unwrap();
    let b = Fleet::start(FleetOptions::scaled(SMALL)).await.unwrap();
    let c = Fleet::start(FleetOptions::scaled(other)).await.unwrap();
    let (a, b, c) = (pod_names(&a), pod_names(&b), pod_names(&c));
    assert_eq!(a.len(), 150);
    assert_eq!(a, b);
    assert_eq!(c.len(), 150);
    assert_ne!(a, c);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_generated_fleet_lists_settled_pods_the_controllers_leave_alone() {
    let t = common::start_with("scale", FleetOptions::scaled(SMALL)).await;
    assert_eq!(t.fleet.members.len(), 3);
    let fleet_yaml = std::fs::read_to_string(t.dir.join("fleet.yaml")).expect("fleet.yaml");
    for name in SMALL.cluster_names() {
        assert!(fleet_yaml.contains(&name), "{name} in fleet.yaml");
    }
    let before = versions(&t.fleet);
    settle(&t.fleet).await;

    for name in SMALL.cluster_names() {
        let client = t.client(&name).await;
        let pods = Api::<Pod>::all(client.clone())
            .list(&ListParams::default())
            .await
            .unwrap();
        assert_eq!(pods.items.len(), 50, "{name}");
        let namespaces = Api::<Namespace>::all(client.clone())
            .list(&ListParams::default())
            .await
            .unwrap();
        let labels_of = |ns: &str| {
            namespaces
                .items
                .iter()
                .find(|n| n.metadata.name.as_deref() == Some(ns))
                .and_then(|n| n.metadata.labels.clone())
                .unwrap_or_default()
        };
        for pod in &pods.items {
            let status = pod.status.as_ref().expect("status");
            assert_eq!(status.phase.as_deref(), Some("Running"));
            assert!(
                status
                    .conditions
                    .iter()
                    .flatten()
                    .any(|c| c.type_ == "Ready" && c.status == "True")
            );
            let spec = pod.spec.as_ref().expect("spec");
            assert!(spec.node_name.is_some());
            let ns = pod.metadata.namespace.as_deref().unwrap_or_default();
            let ns_labels = labels_of(ns);
            let pod_labels = pod.metadata.labels.clone().unwrap_or_default();
            let proxied = spec.containers.iter().any(|c| c.name == "istio-proxy");
            if let Some(rev) = ns_labels.get("istio.io/rev") {
                assert!(proxied, "{ns}/{:?}", pod.metadata.name);
                assert_eq!(pod_labels.get("istio.io/rev"), Some(rev));
            } else if ns_labels.get("istio-injection").map(String::as_str) == Some("enabled") {
                assert!(proxied, "{ns}/{:?}", pod.metadata.name);
                assert!(pod_labels.contains_key("istio.io/rev"));
            } else {
                assert!(!proxied, "{ns}/{:?}", pod.metadata.name);
            }
        }
        let deployments = Api::<Deployment>::all(client)
            .list(&ListParams::default())
            .await
            .unwrap();
        assert!(deployments.items.iter().all(|d| {
            let status = d.status.as_ref().expect("status");
            status.ready_replicas == d.spec.replicas
        }));
    }

    let after = versions(&t.fleet);
    assert_eq!(before, after, "the controllers rewrote settled objects");

    // The controllers still act: one more replica runs.
    let first = &SMALL.cluster_names()[0];
    let client = t.client(first).await;
    let deployment = Api::<Deployment>::all(client.clone())
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|d| d.metadata.namespace.as_deref() != Some("istio-system"))
        .expect("an application");
    let ns = deployment.metadata.namespace.clone().unwrap_or_default();
    let name = deployment.metadata.name.clone().unwrap_or_default();
    let replicas = deployment.spec.replicas.unwrap_or(0);
    let api: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    api.patch(
        &name,
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"replicas": replicas + 1}})),
    )
    .await
    .unwrap();
    for _ in 0..200 {
        let d = api.get(&name).await.unwrap();
        if d.status.and_then(|s| s.ready_replicas) == Some(replicas + 1) {
            let pods = Api::<Pod>::all(client).list(&ListParams::default()).await;
            assert_eq!(pods.unwrap().items.len(), 51);
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the scaled deployment never got its new replica ready");
}
