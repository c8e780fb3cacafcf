//! The controllers judged through the kube crate: a Deployment becomes a
//! ReplicaSet and Running, Ready pods on nodes; an image change rolls out
//! within maxSurge/maxUnavailable; an undo reuses the old ReplicaSet; scale
//! works; pods that fit nowhere stay Pending with the scheduler's words;
//! Services get Endpoints; deleting a Deployment collects its children.

mod common;

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Endpoints, Event, Namespace, Node, Pod, Service};
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Polls `$body` (an `Option`) until it is `Some`, failing after a while.
macro_rules! eventually {
    ($what:expr, $body:expr) => {{
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(v) = async { $body }.await {
                break v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {}", $what);
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }};
}

/// Starts the fleet and, until `Fleet::start` runs them itself, the
/// controllers of every cluster.
async fn start(
    test: &str,
    clusters: &[&str],
) -> (common::TestFleet, Vec<tokio::task::JoinHandle<()>>) {
    // The fleet runs every cluster's controllers itself.
    (common::start(test, clusters).await, Vec::new())
}

fn typed<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("a valid object")
}

async fn namespace(client: &Client, name: &str) {
    let api: Api<Namespace> = Api::all(client.clone());
    api.create(
        &PostParams::default(),
        &typed(json!({"metadata": {"name": name}})),
    )
    .await
    .expect("namespace created");
}

/// Registers a node as a kubelet does: the object, then its status
/// (the apiserver drops status sent on create).
async fn node(client: &Client, name: &str, cpu: &str, ip: &str) {
    let api: Api<Node> = Api::all(client.clone());
    let node = json!({"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}}});
    api.create(&PostParams::default(), &typed(node))
        .await
        .expect("node created");
    let status = json!({"status": {
        "allocatable": {"cpu": cpu, "memory": "8Gi", "pods": "110"},
        "capacity": {"cpu": cpu, "memory": "8Gi", "pods": "110"},
        "conditions": [{"type": "Ready", "status": "True"}],
        "addresses": [{"type": "InternalIP", "address": ip}]
    }});
    api.patch_status(name, &PatchParams::default(), &Patch::Merge(status))
        .await
        .expect("node status set");
}

async fn nodes(client: &Client, count: usize, cpu: &str) {
    for i in 1..=count {
        node(
            client,
            &format!("node-{i}"),
            cpu,
            &format!("10.128.0.{}", i + 10),
        )
        .await;
    }
}

fn deployment(name: &str, replicas: i32, image: &str, cpu: &str) -> Deployment {
    typed(json!({
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{
                    "name": "app", "image": image,
                    "ports": [{"name": "http", "containerPort": 8080}],
                    "resources": {"requests": {"cpu": cpu, "memory": "64Mi"}}
                }]}
            }
        }
    }))
}

/// The deployment once its rollout is complete (what `kubectl rollout
/// status` waits for).
async fn rolled_out(api: &Api<Deployment>, name: &str, replicas: i32) -> Deployment {
    eventually!(format!("{name} rolled out with {replicas} replicas"), {
        let d = api.get(name).await.expect("deployment");
        let status = d.status.clone().unwrap_or_default();
        let progressed = status.conditions.iter().flatten().any(|c| {
            c.type_.as_deref() == Some("Progressing")
                && c.reason.as_deref() == Some("NewReplicaSetAvailable")
        });
        let done = status.observed_generation >= d.metadata.generation
            && status.updated_replicas.unwrap_or(0) == replicas
            && status.replicas.unwrap_or(0) == replicas
            && status.available_replicas.unwrap_or(0) == replicas
            && progressed;
        done.then_some(d)
    })
}

async fn pods_of(api: &Api<Pod>, app: &str) -> Vec<Pod> {
    api.list(&ListParams::default().labels(&format!("app={app}")))
        .await
        .expect("pods listed")
        .items
}

async fn replica_sets(api: &Api<ReplicaSet>, app: &str) -> Vec<ReplicaSet> {
    let mut items = api
        .list(&ListParams::default().labels(&format!("app={app}")))
        .await
        .expect("replica sets listed")
        .items;
    items.sort_by_key(|rs| revision(&rs.metadata.annotations));
    items
}

fn revision(annotations: &Option<std::collections::BTreeMap<String, String>>) -> i64 {
    annotations
        .as_ref()
        .and_then(|a| a.get("deployment.kubernetes.io/revision"))
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

async fn reasons_about(api: &Api<Event>, name: &str) -> Vec<String> {
    api.list(&ListParams::default())
        .await
        .expect("events listed")
        .items
        .into_iter()
        .filter(|e| e.involved_object.name.as_deref() == Some(name))
        .filter_map(|e| e.reason)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_rolls_out_updates_undoes_scales_and_is_collected() {
    let (fleet, _controllers) = start("workloads-rollout", &["gke-eu"]).await;
    let client = fleet.client("gke-eu").await;
    nodes(&client, 3, "2").await;
    namespace(&client, "blue").await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "blue");
    let sets: Api<ReplicaSet> = Api::namespaced(client.clone(), "blue");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "blue");
    let events: Api<Event> = Api::namespaced(client.clone(), "blue");

    deployments
        .create(
            &PostParams::default(),
            &deployment("foo", 3, "nginx:1.27", "100m"),
        )
        .await
        .expect("deployment created");
    let d = rolled_out(&deployments, "foo", 3).await;
    assert_eq!(revision(&d.metadata.annotations), 1);
    let status = d.status.expect("status");
    assert_eq!(status.ready_replicas, Some(3));
    assert!(
        status
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_.as_deref() == Some("Available") && c.status.as_deref() == Some("True"))
    );

    let rs = replica_sets(&sets, "foo").await;
    assert_eq!(rs.len(), 1);
    let first = rs[0].clone();
    let first_name = first.metadata.name.clone().expect("name");
    let hash = first
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get("pod-template-hash"))
        .cloned()
        .expect("hash label");
    assert_eq!(first_name, format!("foo-{hash}"));
    let owner = &first.metadata.owner_references.as_ref().expect("owner")[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str(), owner.controller),
        ("Deployment", "foo", Some(true))
    );
    assert_eq!(revision(&first.metadata.annotations), 1);

    let running = pods_of(&pods, "foo").await;
    assert_eq!(running.len(), 3);
    for pod in &running {
        let name = pod.metadata.name.as_deref().expect("name");
        assert!(
            name.starts_with(&format!("{first_name}-")) && name.len() == first_name.len() + 6,
            "{name}"
        );
        let status = pod.status.as_ref().expect("status");
        assert_eq!(status.phase.as_deref(), Some("Running"));
        assert!(
            status
                .pod_ip
                .as_deref()
                .is_some_and(|ip| ip.starts_with("10.244.")),
            "{status:?}"
        );
        assert!(
            status
                .host_ip
                .as_deref()
                .is_some_and(|ip| ip.starts_with("10.128.0."))
        );
        assert!(
            pod.spec
                .as_ref()
                .and_then(|s| s.node_name.as_deref())
                .is_some_and(|n| n.starts_with("node-"))
        );
        let cs = &status
            .container_statuses
            .as_ref()
            .expect("container statuses")[0];
        assert!(cs.ready && cs.started == Some(true) && cs.restart_count == 0);
        assert_eq!(cs.image, "docker.io/library/nginx:1.27");
        assert!(cs.image_id.starts_with("docker.io/library/nginx@sha256:"));
        assert!(
            cs.state
                .as_ref()
                .and_then(|s| s.running.as_ref())
                .is_some_and(|r| r.started_at.is_some())
        );
        for kind in ["PodScheduled", "Initialized", "ContainersReady", "Ready"] {
            assert!(
                status
                    .conditions
                    .iter()
                    .flatten()
                    .any(|c| c.type_ == kind && c.status == "True"),
                "{kind}"
            );
        }
    }
    let pod_name = running[0].metadata.name.clone().expect("name");
    let reasons = reasons_about(&events, &pod_name).await;
    for reason in ["Scheduled", "Pulled", "Created", "Started"] {
        assert!(
            reasons.iter().any(|r| r == reason),
            "{reason} in {reasons:?}"
        );
    }
    assert!(
        reasons_about(&events, "foo")
            .await
            .iter()
            .any(|r| r == "ScalingReplicaSet")
    );

    // A new image rolls out: a second ReplicaSet takes over, never more than
    // replicas + maxSurge pods nor fewer than replicas - maxUnavailable available.
    let image = json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.28"}]}}}});
    deployments
        .patch("foo", &PatchParams::default(), &Patch::Strategic(&image))
        .await
        .expect("image changed");
    let d = eventually!("the rollout to finish", {
        let d = deployments.get("foo").await.expect("deployment");
        let status = d.status.clone().unwrap_or_default();
        assert!(
            status.replicas.unwrap_or(0) <= 4,
            "surge exceeded: {status:?}"
        );
        assert!(
            status.available_replicas.unwrap_or(0) >= 2,
            "too many unavailable: {status:?}"
        );
        let done = status.observed_generation == d.metadata.generation
            && status.updated_replicas == Some(3)
            && status.replicas == Some(3)
            && status.available_replicas == Some(3);
        done.then_some(d)
    });
    assert_eq!(revision(&d.metadata.annotations), 2);
    let rs = replica_sets(&sets, "foo").await;
    assert_eq!(rs.len(), 2);
    assert_eq!(rs[0].metadata.name.as_deref(), Some(first_name.as_str()));
    assert_eq!(rs[0].spec.replicas, Some(0));
    assert_eq!(rs[1].spec.replicas, Some(3));
    assert_eq!(revision(&rs[1].metadata.annotations), 2);
    let images: Vec<String> = pods_of(&pods, "foo")
        .await
        .iter()
        .filter_map(|p| p.spec.as_ref()?.containers.first()?.image.clone())
        .collect();
    assert_eq!(images, vec!["nginx:1.28"; 3]);
    assert!(
        reasons_about(&events, &pod_name)
            .await
            .iter()
            .any(|r| r == "Killing")
    );

    // `kubectl rollout undo`: the previous template is patched back, and
    // the old ReplicaSet becomes revision 3.
    let mut template = serde_json::to_value(&rs[0].spec.template).expect("template");
    template["metadata"]["labels"]
        .as_object_mut()
        .expect("labels")
        .remove("pod-template-hash");
    let undo = json!([
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": {"deployment.kubernetes.io/revision": "2"}}
    ]);
    deployments
        .patch(
            "foo",
            &PatchParams::default(),
            &Patch::<Value>::Json(serde_json::from_value(undo).expect("json patch")),
        )
        .await
        .expect("undo patched");
    let d = rolled_out(&deployments, "foo", 3).await;
    assert_eq!(revision(&d.metadata.annotations), 3);
    let rs = replica_sets(&sets, "foo").await;
    assert_eq!(rs.len(), 2, "the old ReplicaSet is reused");
    assert_eq!(rs[1].metadata.name.as_deref(), Some(first_name.as_str()));
    assert_eq!(revision(&rs[1].metadata.annotations), 3);
    assert_eq!(
        rs[1]
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("deployment.kubernetes.io/revision-history"))
            .map(String::as_str),
        Some("1")
    );

    // Scale up and down through the scale subresource's effect on spec.
    for replicas in [5, 2] {
        deployments
            .patch(
                "foo",
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": {"replicas": replicas}})),
            )
            .await
            .expect("scaled");
        rolled_out(&deployments, "foo", replicas).await;
        let count = eventually!("pods to match the scale", {
            let n = pods_of(&pods, "foo").await.len();
            (n == usize::try_from(replicas).unwrap_or(0)).then_some(n)
        });
        assert_eq!(count, usize::try_from(replicas).unwrap_or(0));
    }

    deployments
        .delete("foo", &DeleteParams::default())
        .await
        .expect("deleted");
    eventually!("ReplicaSets and pods to be collected", {
        let gone =
            replica_sets(&sets, "foo").await.is_empty() && pods_of(&pods, "foo").await.is_empty();
        gone.then_some(())
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_that_fit_nowhere_stay_pending_until_a_node_fits() {
    let (fleet, _controllers) = start("workloads-pending", &["gke-eu", "empty"]).await;
    let client = fleet.client("gke-eu").await;
    nodes(&client, 3, "2").await;
    namespace(&client, "blue").await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "blue");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "blue");
    let events: Api<Event> = Api::namespaced(client.clone(), "blue");
    deployments
        .create(
            &PostParams::default(),
            &deployment("big", 1, "nginx:1.27", "4"),
        )
        .await
        .expect("deployment created");
    let (name, message) = eventually!("the pod to be unschedulable", {
        pods_of(&pods, "big").await.into_iter().find_map(|p| {
            let c = p
                .status?
                .conditions?
                .into_iter()
                .find(|c| c.type_ == "PodScheduled")?;
            (c.status == "False").then(|| {
                (
                    p.metadata.name.unwrap_or_default(),
                    c.message.unwrap_or_default(),
                )
            })
        })
    });
    assert_eq!(
        message,
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    );
    let failed = eventually!("a FailedScheduling event", {
        let list = events.list(&ListParams::default()).await.expect("events");
        list.items.into_iter().find(|e| {
            e.involved_object.name.as_deref() == Some(name.as_str())
                && e.reason.as_deref() == Some("FailedScheduling")
        })
    });
    assert_eq!(failed.type_.as_deref(), Some("Warning"));
    assert_eq!(failed.message.as_deref(), Some(message.as_str()));
    let pod = pods.get(&name).await.expect("pod");
    assert_eq!(pod.status.and_then(|s| s.phase).as_deref(), Some("Pending"));
    let d = deployments.get("big").await.expect("deployment");
    let status = d.status.expect("status");
    assert_eq!(status.available_replicas.unwrap_or(0), 0, "{status:?}");
    assert_eq!(status.unavailable_replicas, Some(1));

    // A node big enough arrives: the pod is scheduled there and runs.
    node(&client, "node-big", "8", "10.128.0.99").await;
    rolled_out(&deployments, "big", 1).await;
    let pod = pods.get(&name).await.expect("pod");
    assert_eq!(
        pod.spec.and_then(|s| s.node_name).as_deref(),
        Some("node-big")
    );

    // A cluster without nodes schedules nothing.
    let empty = fleet.client("empty").await;
    let bare: Api<Pod> = Api::namespaced(empty, "default");
    bare.create(
        &PostParams::default(),
        &typed(json!({"metadata": {"name": "lonely"},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})),
    )
    .await
    .expect("pod created");
    let message = eventually!("the lonely pod to be unschedulable", {
        let p = bare.get("lonely").await.expect("pod");
        p.status?
            .conditions?
            .into_iter()
            .find(|c| c.type_ == "PodScheduled" && c.status == "False")?
            .message
    });
    assert_eq!(message, "no nodes available to schedule pods");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_get_endpoints_of_their_ready_pods() {
    let (fleet, _controllers) = start("workloads-endpoints", &["gke-eu"]).await;
    let client = fleet.client("gke-eu").await;
    nodes(&client, 2, "4").await;
    namespace(&client, "blue").await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "blue");
    let services: Api<Service> = Api::namespaced(client.clone(), "blue");
    let endpoints: Api<Endpoints> = Api::namespaced(client.clone(), "blue");
    services
        .create(&PostParams::default(), &typed(json!({"metadata": {"name": "foo", "labels": {"app": "foo"}},
            "spec": {"selector": {"app": "foo"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}})))
        .await
        .expect("service created");
    deployments
        .create(
            &PostParams::default(),
            &deployment("foo", 2, "nginx:1.27", "100m"),
        )
        .await
        .expect("deployment created");
    let ep = eventually!("two ready endpoints", {
        let ep = endpoints.get_opt("foo").await.expect("endpoints read")?;
        let ready = ep
            .subsets
            .iter()
            .flatten()
            .flat_map(|s| s.addresses.iter().flatten())
            .count();
        (ready == 2).then_some(ep)
    });
    let subset = &ep.subsets.expect("subsets")[0];
    let port = &subset.ports.as_ref().expect("ports")[0];
    assert_eq!((port.name.as_deref(), port.port), (Some("http"), 8080));
    assert!(subset.addresses.iter().flatten().all(|a| {
        a.target_ref
            .as_ref()
            .is_some_and(|r| r.kind.as_deref() == Some("Pod"))
    }));

    deployments
        .patch(
            "foo",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 0}})),
        )
        .await
        .expect("scaled to zero");
    eventually!("the endpoints to empty", {
        let ep = endpoints.get("foo").await.expect("endpoints");
        ep.subsets.unwrap_or_default().is_empty().then_some(())
    });
    services
        .delete("foo", &DeleteParams::default())
        .await
        .expect("service deleted");
    eventually!("the endpoints to go with the service", {
        endpoints
            .get_opt("foo")
            .await
            .expect("endpoints read")
            .is_none()
            .then_some(())
    });
}

fn istiod(name: &str, revision: &str, image: &str) -> Deployment {
    typed(json!({
        "metadata": {"name": name, "labels": {"app": "istiod", "istio.io/rev": revision}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "istiod", "istio.io/rev": revision}},
            "template": {
                "metadata": {"labels": {"app": "istiod", "istio.io/rev": revision}},
                "spec": {"containers": [{"name": "discovery", "image": image}]}
            }
        }
    }))
}

/// An injector configuration as Istio writes it: `namespace_selector`
/// picks the namespaces it serves, `service` answers it.
fn injector(
    name: &str,
    revision: &str,
    hook: &str,
    service: &str,
    namespace_selector: Value,
) -> Value {
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": name, "labels": {"istio.io/rev": revision}},
        "webhooks": [{
            "name": hook, "admissionReviewVersions": ["v1"], "sideEffects": "None",
            "clientConfig": {"service": {"name": service, "namespace": "istio-system", "path": "/inject", "port": 443}},
            "namespaceSelector": namespace_selector,
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}]
        }]
    })
}

/// The Service in front of istiod `name` of `revision`.
fn istiod_service(name: &str, revision: &str) -> Service {
    typed(json!({
        "metadata": {"name": name},
        "spec": {
            "selector": {"app": "istiod", "istio.io/rev": revision},
            "ports": [{"name": "https-webhook", "port": 443, "targetPort": 15017}]
        }
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_restart_after_relabel_reinjects_the_new_revision() {
    let (fleet, _controllers) = start("workloads-injection", &["gke-eu"]).await;
    let client = fleet.client("gke-eu").await;
    nodes(&client, 3, "4").await;
    namespace(&client, "istio-system").await;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &PostParams::default(),
            &typed(json!({"metadata": {"name": "blue", "labels": {"istio-injection": "enabled"}}})),
        )
        .await
        .expect("namespace created");
    let hooks: Api<kube::api::DynamicObject> = Api::all_with(
        client.clone(),
        &kube::api::ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
            "admissionregistration.k8s.io",
            "v1",
            "MutatingWebhookConfiguration",
        )),
    );
    for hook in [
        injector(
            "istio-sidecar-injector",
            "default",
            "namespace.sidecar-injector.istio.io",
            "istiod",
            json!({"matchLabels": {"istio-injection": "enabled"}}),
        ),
        injector(
            "istio-sidecar-injector-asm-1106-2",
            "asm-1106-2",
            "rev.namespace.sidecar-injector.istio.io",
            "istiod-asm-1106-2",
            json!({"matchExpressions": [
                {"key": "istio.io/rev", "operator": "In", "values": ["asm-1106-2"]},
                {"key": "istio-injection", "operator": "DoesNotExist"}
            ]}),
        ),
    ] {
        hooks
            .create(&PostParams::default(), &typed(hook))
            .await
            .expect("webhook created");
    }
    let system: Api<Deployment> = Api::namespaced(client.clone(), "istio-system");
    let system_services: Api<Service> = Api::namespaced(client.clone(), "istio-system");
    for (name, revision, image) in [
        ("istiod", "default", "docker.io/istio/pilot:1.9.5"),
        (
            "istiod-asm-1106-2",
            "asm-1106-2",
            "gcr.io/gke-release/asm/pilot:1.10.6-asm.2",
        ),
    ] {
        system
            .create(&PostParams::default(), &istiod(name, revision, image))
            .await
            .expect("istiod created");
        system_services
            .create(&PostParams::default(), &istiod_service(name, revision))
            .await
            .expect("istiod's Service created");
        rolled_out(&system, name, 1).await;
    }

    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "blue");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "blue");
    deployments
        .create(
            &PostParams::default(),
            &deployment("foo", 2, "nginx:1.27", "100m"),
        )
        .await
        .expect("deployment created");
    rolled_out(&deployments, "foo", 2).await;
    let proxies = |pods: &[Pod]| -> Vec<(String, String)> {
        pods.iter()
            .map(|p| {
                let rev = p
                    .metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("istio.io/rev"))
                    .cloned()
                    .unwrap_or_default();
                let proxy = p
                    .spec
                    .as_ref()
                    .and_then(|s| s.containers.iter().find(|c| c.name == "istio-proxy"))
                    .and_then(|c| c.image.clone())
                    .unwrap_or_default();
                (rev, proxy)
            })
            .collect()
    };
    assert_eq!(
        proxies(&pods_of(&pods, "foo").await),
        vec![
            (
                "default".to_owned(),
                "docker.io/istio/proxyv2:1.9.5".to_owned()
            );
            2
        ]
    );

    // Relabel as the migration does, then `kubectl rollout restart`.
    namespaces
        .patch(
            "blue",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"istio-injection": null, "istio.io/rev": "asm-1106-2"}}})),
        )
        .await
        .expect("relabelled");
    let restart = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-23T10:00:00Z"}}}}});
    deployments
        .patch("foo", &PatchParams::default(), &Patch::Strategic(&restart))
        .await
        .expect("restarted");
    let d = rolled_out(&deployments, "foo", 2).await;
    assert_eq!(revision(&d.metadata.annotations), 2);
    let after = eventually!("only new pods to remain", {
        let list = pods_of(&pods, "foo").await;
        (list.len() == 2).then_some(list)
    });
    assert_eq!(
        proxies(&after),
        vec![
            (
                "asm-1106-2".to_owned(),
                "gcr.io/gke-release/asm/proxyv2:1.10.6-asm.2".to_owned()
            );
            2
        ]
    );
    let ready = after.iter().all(|p| {
        p.status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .is_some_and(|cs| cs.len() == 2 && cs.iter().all(|c| c.ready))
    });
    assert!(ready, "both containers of every pod are ready");
}
