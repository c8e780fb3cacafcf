//! Starting the default fleet and reading what the controller made.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Event, Service};
use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, PostParams};
use sandbox::FleetOptions;
use sandbox::ingress::DERIVED_LABEL;
use sandbox::scenario::Scenario;
use serde_json::{Value, json};
use shared::ingress::derived_service_name;

use crate::common;

pub(crate) const MEMBERS: [&str; 6] = [
    "gke-us",
    "gke-eu",
    "gke-asia-1",
    "gke-asia-2",
    "onprem-vmware-1",
    "baremetal-1",
];

pub(crate) async fn start(test: &str) -> common::TestFleet {
    common::start_with(
        &format!("ingress-{test}"),
        FleetOptions::from_scenario(Scenario::default_fleet(), None),
    )
    .await
}

pub(crate) fn resource(kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: "networking.gke.io".into(),
        version: "v1".into(),
        api_version: "networking.gke.io/v1".into(),
        kind: kind.into(),
        plural: plural.into(),
    }
}

pub(crate) fn mcs_api(client: &Client) -> Api<DynamicObject> {
    Api::namespaced_with(
        client.clone(),
        "blue",
        &resource("MultiClusterService", "multiclusterservices"),
    )
}

pub(crate) fn mci_api(client: &Client) -> Api<DynamicObject> {
    Api::namespaced_with(
        client.clone(),
        "blue",
        &resource("MultiClusterIngress", "multiclusteringresses"),
    )
}

/// A MultiClusterService of namespace blue selecting `app: <name>`.
pub(crate) fn mcs(name: &str, links: &[&str]) -> DynamicObject {
    let mut spec = json!({"template": {"spec": {
        "selector": {"app": name},
        "ports": [{"name": "web", "protocol": "TCP", "port": 80, "targetPort": 80}]
    }}});
    if !links.is_empty() {
        let clusters: Vec<Value> = links.iter().map(|l| json!({"link": l})).collect();
        spec["clusters"] = json!(clusters);
    }
    serde_json::from_value(json!({
        "apiVersion": "networking.gke.io/v1", "kind": "MultiClusterService",
        "metadata": {"name": name, "namespace": "blue"},
        "spec": spec
    }))
    .expect("a MultiClusterService")
}

/// The seed's `foo`: linked to gke-eu and gke-asia-1.
pub(crate) fn seed_foo() -> DynamicObject {
    mcs(
        "foo",
        &["europe-west1-c/gke-eu", "asia-northeast1-a/gke-asia-1"],
    )
}

/// The seed's ingress: a default backend and foo/bar host rules.
pub(crate) fn seed_ingress(name: &str, default_backend: &str) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "networking.gke.io/v1", "kind": "MultiClusterIngress",
        "metadata": {"name": name, "namespace": "blue"},
        "spec": {"template": {"spec": {
            "backend": {"serviceName": default_backend, "servicePort": 80},
            "rules": [
                {"host": "foo.example.com", "backend": {"serviceName": "foo", "servicePort": 80}},
                {"host": "bar.example.com", "backend": {"serviceName": "bar", "servicePort": 80}}
            ]
        }}}
    }))
    .expect("a MultiClusterIngress")
}

pub(crate) async fn create(api: &Api<DynamicObject>, object: &DynamicObject) {
    api.create(&PostParams::default(), object)
        .await
        .expect("created");
}

pub(crate) struct Clients(BTreeMap<&'static str, Client>);

impl Clients {
    pub(crate) async fn of(fleet: &common::TestFleet) -> Self {
        Self::at(&fleet.kubeconfig).await
    }

    /// Clients of every member through the kubeconfig at `path`.
    pub(crate) async fn at(path: &std::path::Path) -> Self {
        let mut clients = BTreeMap::new();
        for member in MEMBERS {
            clients.insert(member, common::client(path, member).await);
        }
        Self(clients)
    }

    pub(crate) fn get(&self, member: &str) -> &Client {
        &self.0[member]
    }

    /// The derived Services on each member: member → (namespace/name →
    /// the Service).
    pub(crate) async fn derived(&self) -> BTreeMap<&'static str, BTreeMap<String, Service>> {
        let mut out = BTreeMap::new();
        for (member, client) in &self.0 {
            let services: Api<Service> = Api::all(client.clone());
            let listed = services
                .list(&ListParams::default().labels(DERIVED_LABEL))
                .await
                .expect("services listed");
            let by_name = listed
                .items
                .into_iter()
                .map(|s| {
                    let key = format!(
                        "{}/{}",
                        s.metadata.namespace.clone().unwrap_or_default(),
                        s.metadata.name.clone().unwrap_or_default()
                    );
                    (key, s)
                })
                .collect();
            out.insert(*member, by_name);
        }
        out
    }

    /// The members with a derived Service of `mcs` in blue.
    pub(crate) async fn holding(&self, mcs: &str) -> Vec<&'static str> {
        let key = format!("blue/{}", derived_service_name("blue", mcs));
        self.derived()
            .await
            .into_iter()
            .filter(|(_, services)| services.contains_key(&key))
            .map(|(member, _)| member)
            .collect()
    }
}

/// Polls until `holding(mcs)` is `want`, failing after a while.
pub(crate) async fn wait_holding(clients: &Clients, mcs: &str, want: &[&str]) -> Duration {
    let started = Instant::now();
    loop {
        let holding = clients.holding(mcs).await;
        if holding == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "derived {mcs} on {holding:?}, wanted {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Warning Events about `name` in blue on the config cluster `client`.
pub(crate) async fn warnings(client: &Client, name: &str) -> Vec<(String, String)> {
    let events: Api<Event> = Api::namespaced(client.clone(), "blue");
    events
        .list(&ListParams::default())
        .await
        .expect("events listed")
        .items
        .into_iter()
        .filter(|e| {
            e.involved_object.name.as_deref() == Some(name) && e.type_.as_deref() == Some("Warning")
        })
        .map(|e| (e.reason.unwrap_or_default(), e.message.unwrap_or_default()))
        .collect()
}

/// resourceVersion of every derived Service.
pub(crate) async fn versions(clients: &Clients) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (member, services) in clients.derived().await {
        for (key, svc) in services {
            out.insert(
                format!("{member}:{key}"),
                svc.metadata.resource_version.unwrap_or_default(),
            );
        }
    }
    out
}
