//! Derived Services follow the config cluster's MultiClusterServices and
//! their links; what stands in the way is a Warning Event.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, Namespace, Service};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use sandbox::ingress::DERIVED_LABEL;
use serde_json::{Value, json};
use shared::ingress::derived_service_name;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_mcs_derives_on_its_links_only_and_follows_them() {
    let t = start("links").await;
    let clients = Clients::of(&t).await;
    let config = clients.get("gke-us");
    let api = mcs_api(config);

    create(&api, &seed_foo()).await;
    let took = wait_holding(&clients, "foo", &["gke-asia-1", "gke-eu"]).await;
    assert!(took < Duration::from_secs(1), "converged in {took:?}");

    let derived = clients.derived().await;
    let name = derived_service_name("blue", "foo");
    let svc = &derived["gke-eu"][&format!("blue/{name}")];
    let spec = svc.spec.as_ref().expect("a spec");
    assert_eq!(spec.cluster_ip.as_deref(), Some("None"), "headless");
    assert_eq!(
        spec.selector,
        Some([("app".to_owned(), "foo".to_owned())].into())
    );
    let ports = spec.ports.as_ref().expect("ports");
    assert_eq!(ports.len(), 1);
    assert_eq!((ports[0].name.as_deref(), ports[0].port), (Some("web"), 80));
    let annotations = svc.metadata.annotations.as_ref().expect("annotations");
    assert_eq!(
        annotations["networking.gke.io/multiclusterservice-parent"],
        r#"{"Namespace":"blue","Name":"foo"}"#
    );
    assert_eq!(
        annotations["cloud.google.com/neg"],
        r#"{"exposed_ports":{"80":{}}}"#
    );
    let neg_status: Value =
        serde_json::from_str(&annotations["cloud.google.com/neg-status"]).expect("JSON");
    assert_eq!(neg_status["zones"], json!(["europe-west1-c"]));
    assert!(neg_status["network_endpoint_groups"]["80"].is_string());
    assert!(derived["gke-asia-2"].is_empty() && derived["gke-us"].is_empty());

    // Re-reconciling writes nothing: an MCS change that does not touch
    // selector, ports or links leaves every derived Service as it was.
    let before = versions(&clients).await;
    api.patch(
        "foo",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {"team": "blue"}}})),
    )
    .await
    .expect("labelled");
    t.fleet.hub().reconciled().await;
    t.fleet.hub().reconciled().await;
    assert_eq!(versions(&clients).await, before);

    // A derived Service deleted by hand comes back.
    let eu_services: Api<Service> = Api::namespaced(clients.get("gke-eu").clone(), "blue");
    eu_services
        .delete(&name, &DeleteParams::default())
        .await
        .expect("deleted");
    wait_holding(&clients, "foo", &["gke-asia-1", "gke-eu"]).await;

    // Deselecting gke-asia-1 removes its derived Service only.
    api.patch(
        "foo",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"clusters": [{"link": "europe-west1-c/gke-eu"}]}})),
    )
    .await
    .expect("patched");
    wait_holding(&clients, "foo", &["gke-eu"]).await;

    // A port change reaches the derived Service in place.
    api.patch(
        "foo",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"template": {"spec": {
            "selector": {"app": "foo"},
            "ports": [{"name": "web", "protocol": "TCP", "port": 8080, "targetPort": 80}]
        }}}})),
    )
    .await
    .expect("patched");
    t.fleet.hub().reconciled().await;
    let svc = eu_services.get(&name).await.expect("still there");
    assert_eq!(svc.spec.unwrap().ports.unwrap()[0].port, 8080);

    // Deleting the MCS removes everything derived from it.
    api.delete("foo", &DeleteParams::default())
        .await
        .expect("deleted");
    wait_holding(&clients, "foo", &[]).await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_clusters_every_member_with_the_namespace_serves() {
    let t = start("all").await;
    let clients = Clients::of(&t).await;
    let api = mcs_api(clients.get("gke-us"));
    create(&api, &mcs("bar", &[])).await;
    wait_holding(
        &clients,
        "bar",
        &["gke-asia-1", "gke-eu", "gke-us", "onprem-vmware-1"],
    )
    .await;
    // Not linked by name, so no member was meant to serve it: no warning.
    t.fleet.hub().reconciled().await;
    assert_eq!(warnings(clients.get("gke-us"), "bar").await, []);

    // The namespace appearing on gke-asia-2 brings it in.
    let namespaces: Api<Namespace> = Api::all(clients.get("gke-asia-2").clone());
    namespaces
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "blue"}})).expect("a namespace"),
        )
        .await
        .expect("namespace created");
    wait_holding(
        &clients,
        "bar",
        &[
            "gke-asia-1",
            "gke-asia-2",
            "gke-eu",
            "gke-us",
            "onprem-vmware-1",
        ],
    )
    .await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linked_member_without_the_namespace_gets_a_warning_and_no_service() {
    let t = start("namespace").await;
    let clients = Clients::of(&t).await;
    let config = clients.get("gke-us");
    create(
        &mcs_api(config),
        &mcs(
            "foo",
            &["europe-west1-c/gke-eu", "asia-northeast1-a/gke-asia-2"],
        ),
    )
    .await;
    wait_holding(&clients, "foo", &["gke-eu"]).await;
    t.fleet.hub().reconciled().await;
    let warned = warnings(config, "foo").await;
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert_eq!(warned[0].0, "NamespaceMissing");
    assert!(
        warned[0]
            .1
            .contains("namespace blue does not exist on asia-northeast1-a/gke-asia-2"),
        "{warned:?}"
    );
    let asia2: Api<Service> = Api::all(clients.get("gke-asia-2").clone());
    assert!(
        asia2
            .list(&ListParams::default().labels(DERIVED_LABEL))
            .await
            .expect("listed")
            .items
            .is_empty()
    );
    // Held, not repeated: more passes record nothing new.
    t.fleet.hub().reconciled().await;
    let events: Api<Event> = Api::namespaced(config.clone(), "blue");
    let counts: Vec<i32> = events
        .list(&ListParams::default())
        .await
        .expect("listed")
        .items
        .into_iter()
        .filter(|e| e.reason.as_deref() == Some("NamespaceMissing"))
        .map(|e| e.count.unwrap_or(1))
        .collect();
    assert_eq!(counts, [1]);

    // A link naming no member is a warning too.
    create(&mcs_api(config), &mcs("lost", &["europe-west1-b/gke-eu"])).await;
    t.fleet.hub().reconciled().await;
    let warned = warnings(config, "lost").await;
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert_eq!(warned[0].0, "UnknownCluster");
    assert!(
        warned[0].1.contains("gke-eu is in europe-west1-c"),
        "{warned:?}"
    );
    assert_eq!(clients.holding("lost").await, Vec::<&str>::new());
}
