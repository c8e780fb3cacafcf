//! A fleet started from a scenario keeps its state, CA, tokens and ports
//! across a restart, and the scenario seeds only a fresh cluster.

mod common;

use k8s_openapi::api::authentication::v1::{TokenRequest, TokenReview};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Node, Pod, ServiceAccount};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use sandbox::scenario::Scenario;
use sandbox::{Fleet, FleetOptions};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_survives_a_restart_and_the_scenario_seeds_only_once() {
    let dir = std::env::temp_dir().join(format!("meshdeck-sandbox-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let kubeconfig = dir.join("kubeconfig");
    let start = || async {
        let options =
            FleetOptions::from_scenario(Scenario::default_fleet(), Some(dir.join("state")));
        let fleet = Fleet::start(options).await.expect("fleet starts");
        fleet
            .write_kubeconfig(&kubeconfig)
            .expect("kubeconfig written");
        fleet
    };

    let fleet = start().await;
    let written = std::fs::read_to_string(&kubeconfig).unwrap();
    let c = common::client(&kubeconfig, "gke-eu").await;
    let nodes = Api::<Node>::all(c.clone())
        .list(&ListParams::default())
        .await
        .unwrap();
    assert_eq!(nodes.items.len(), 4, "gke-eu's node pool from the scenario");
    let small = common::client(&kubeconfig, "baremetal-1").await;
    assert_eq!(
        Api::<Node>::all(small)
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        3
    );
    let namespaces: Api<Namespace> = Api::all(c.clone());
    let blue = namespaces.get("blue").await.unwrap();
    assert_eq!(blue.metadata.labels.unwrap()["istio-injection"], "enabled");

    let maps: Api<ConfigMap> = Api::namespaced(c.clone(), "blue");
    let map: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "kept"}, "data": {"k": "v"}})).unwrap();
    maps.create(&PostParams::default(), &map).await.unwrap();
    let deployments: Api<k8s_openapi::api::apps::v1::Deployment> =
        Api::namespaced(c.clone(), "blue");
    deployments
        .delete("bar", &DeleteParams::default())
        .await
        .unwrap();
    // A change the controllers carry out: foo scaled to three running pods.
    deployments
        .patch(
            "foo",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .unwrap();
    let pods: Api<Pod> = Api::namespaced(c.clone(), "blue");
    let foo = ListParams::default().labels("app=foo");
    let mut running = Vec::new();
    for _ in 0..300 {
        running = running_pods(&pods, &foo).await;
        if running.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(running.len(), 3, "foo scaled to three running pods");
    // A service account token (what Vault holds as its token reviewer).
    let token = request_token(&c).await;
    assert!(reviewed(&c, &token).await, "good before the restart");
    drop(fleet);

    let _fleet = start().await;
    assert_eq!(
        std::fs::read_to_string(&kubeconfig).unwrap(),
        written,
        "same CA, tokens and ports"
    );
    let c = common::client(&kubeconfig, "gke-eu").await;
    let maps: Api<ConfigMap> = Api::namespaced(c.clone(), "blue");
    assert_eq!(maps.get("kept").await.unwrap().data.unwrap()["k"], "v");
    let deployments: Api<k8s_openapi::api::apps::v1::Deployment> =
        Api::namespaced(c.clone(), "blue");
    assert!(
        deployments.get_opt("bar").await.unwrap().is_none(),
        "the scenario re-created a deleted object"
    );
    assert!(deployments.get_opt("foo").await.unwrap().is_some());
    assert!(
        reviewed(&c, &token).await,
        "tokens signed before the restart stay good"
    );
    let pods: Api<Pod> = Api::namespaced(c, "blue");
    assert_eq!(
        running_pods(&pods, &foo).await,
        running,
        "the same three pods still run"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A token for blue's `default` service account (`kubectl create token`).
async fn request_token(client: &kube::Client) -> String {
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), "blue");
    let request: TokenRequest =
        serde_json::from_value(json!({"spec": {"audiences": []}})).expect("a TokenRequest");
    accounts
        .create_token_request("default", &PostParams::default(), &request)
        .await
        .expect("a token for blue's default account")
        .status
        .and_then(|s| s.token)
        .expect("the request answered with a token")
}

/// Whether the cluster says `token` is good.
async fn reviewed(client: &kube::Client, token: &str) -> bool {
    let reviews: Api<TokenReview> = Api::all(client.clone());
    let review: TokenReview =
        serde_json::from_value(json!({"spec": {"token": token}})).expect("a TokenReview");
    reviews
        .create(&PostParams::default(), &review)
        .await
        .expect("the cluster answers a review")
        .status
        .and_then(|s| s.authenticated)
        .unwrap_or(false)
}

/// Names of the Running and Ready pods `params` selects, sorted.
async fn running_pods(pods: &Api<Pod>, params: &ListParams) -> Vec<String> {
    let mut names: Vec<String> = pods
        .list(params)
        .await
        .expect("pods listed")
        .items
        .into_iter()
        .filter(|p| {
            let status = p.status.as_ref();
            status.and_then(|s| s.phase.as_deref()) == Some("Running")
                && status
                    .and_then(|s| s.conditions.as_ref())
                    .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
        })
        .filter_map(|p| p.metadata.name)
        .collect();
    names.sort();
    names
}
