//! Multi-cluster ingress judged through the kube crate on the default
//! fleet (config cluster gke-us; namespace blue on gke-us, gke-eu,
//! gke-asia-1 and onprem-vmware-1, not on gke-asia-2 or baremetal-1):
//! derived Services follow the config cluster's MultiClusterServices and
//! their links, ingresses get VIPs, problems become Warning Events, and the
//! fleet API switches the config cluster.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Event, Namespace, Service};
use kube::Client;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams,
};
use sandbox::FleetOptions;
use sandbox::ingress::DERIVED_LABEL;
use sandbox::scenario::Scenario;
use serde_json::{Value, json};
use shared::ingress::derived_service_name;

const MEMBERS: [&str; 6] = [
    "gke-us",
    "gke-eu",
    "gke-asia-1",
    "gke-asia-2",
    "onprem-vmware-1",
    "baremetal-1",
];

async fn start(test: &str) -> common::TestFleet {
    common::start_with(
        &format!("ingress-{test}"),
        FleetOptions::from_scenario(Scenario::default_fleet(), None),
    )
    .await
}

fn resource(kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: "networking.gke.io".into(),
        version: "v1".into(),
        api_version: "networking.gke.io/v1".into(),
        kind: kind.into(),
        plural: plural.into(),
    }
}

fn mcs_api(client: &Client) -> Api<DynamicObject> {
    Api::namespaced_with(
        client.clone(),
        "blue",
        &resource("MultiClusterService", "multiclusterservices"),
    )
}

fn mci_api(client: &Client) -> Api<DynamicObject> {
    Api::namespaced_with(
        client.clone(),
        "blue",
        &resource("MultiClusterIngress", "multiclusteringresses"),
    )
}

/// A MultiClusterService of namespace blue selecting `app: <name>`.
fn mcs(name: &str, links: &[&str]) -> DynamicObject {
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
fn seed_foo() -> DynamicObject {
    mcs(
        "foo",
        &["europe-west1-c/gke-eu", "asia-northeast1-a/gke-asia-1"],
    )
}

/// The seed's ingress: a default backend and foo/bar host rules.
fn seed_ingress(name: &str, default_backend: &str) -> DynamicObject {
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

async fn create(api: &Api<DynamicObject>, object: &DynamicObject) {
    api.create(&PostParams::default(), object)
        .await
        .expect("created");
}

struct Clients(BTreeMap<&'static str, Client>);

impl Clients {
    async fn of(fleet: &common::TestFleet) -> Self {
        let mut clients = BTreeMap::new();
        for member in MEMBERS {
            clients.insert(member, fleet.client(member).await);
        }
        Self(clients)
    }

    fn get(&self, member: &str) -> &Client {
        &self.0[member]
    }

    /// The derived Services on each member: member → (namespace/name →
    /// the Service).
    async fn derived(&self) -> BTreeMap<&'static str, BTreeMap<String, Service>> {
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
    async fn holding(&self, mcs: &str) -> Vec<&'static str> {
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
async fn wait_holding(clients: &Clients, mcs: &str, want: &[&str]) -> Duration {
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
async fn warnings(client: &Client, name: &str) -> Vec<(String, String)> {
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
async fn versions(clients: &Clients) -> BTreeMap<String, String> {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingresses_get_vips_and_missing_backends_are_warned() {
    let t = start("vip").await;
    let clients = Clients::of(&t).await;
    let config = clients.get("gke-us");
    let services = mcs_api(config);
    for name in ["foo", "bar", "default-backend"] {
        create(&services, &mcs(name, &[])).await;
    }
    let ingresses = mci_api(config);
    create(
        &ingresses,
        &seed_ingress("foobar-ingress", "default-backend"),
    )
    .await;
    create(&ingresses, &seed_ingress("broken-ingress", "missing")).await;
    t.fleet.hub().reconciled().await;

    let vip = |o: &DynamicObject| o.data["status"]["VIP"].as_str().map(str::to_owned);
    let foobar = ingresses.get("foobar-ingress").await.expect("there");
    let broken = ingresses.get("broken-ingress").await.expect("there");
    let (a, b) = (vip(&foobar).expect("a VIP"), vip(&broken).expect("a VIP"));
    for ip in [&a, &b] {
        let ip: std::net::Ipv4Addr = ip.parse().expect("an address");
        assert_eq!(ip.octets()[..3], [203, 0, 113], "{ip} in 203.0.113.0/24");
    }
    assert_ne!(a, b, "no two ingresses share a VIP");
    assert_eq!(warnings(config, "foobar-ingress").await, []);
    let warned = warnings(config, "broken-ingress").await;
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert_eq!(warned[0].0, "BackendNotFound");
    assert!(
        warned[0].1.contains(r#"no MultiClusterService "missing""#),
        "{warned:?}"
    );

    // Stable: more passes change neither the VIP nor the object.
    let rv = foobar.metadata.resource_version.clone();
    t.fleet.hub().reconciled().await;
    let again = ingresses.get("foobar-ingress").await.expect("there");
    assert_eq!(again.metadata.resource_version, rv);
    assert_eq!(vip(&again), Some(a.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_api_switches_the_config_cluster() {
    let t = start("switch").await;
    let clients = Clients::of(&t).await;
    create(&mcs_api(clients.get("gke-us")), &seed_foo()).await;
    // The same kind of resource in a member that is not the config
    // cluster is not the controller's to read.
    create(&mcs_api(clients.get("gke-eu")), &mcs("baz", &[])).await;
    wait_holding(&clients, "foo", &["gke-asia-1", "gke-eu"]).await;
    t.fleet.hub().reconciled().await;
    assert_eq!(clients.holding("baz").await, Vec::<&str>::new());

    // Where the fleet API is: fleet.yaml says so.
    let described: Value = serde_yaml::from_str(
        &std::fs::read_to_string(t.dir.join("fleet.yaml")).expect("fleet.yaml"),
    )
    .expect("YAML");
    let endpoint = described["hub"]["endpoint"].as_str().expect("hub.endpoint");
    assert_eq!(Some(endpoint.to_owned()), t.fleet.hub_url());
    assert_eq!(described["configCluster"], "gke-us");
    let addr: std::net::SocketAddr = endpoint
        .strip_prefix("http://")
        .expect("http")
        .parse()
        .expect("host:port");
    let feature = "/v1/projects/project-a/locations/global/features/multiclusteringress";

    let (code, body) = common::admin(addr, "GET", feature, "").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        body["spec"]["multiclusteringress"]["configMembership"],
        "projects/project-a/locations/global/memberships/gke-us"
    );

    // An unknown member is refused, saying which are members.
    let patch = |member: &str| {
        json!({"spec": {"multiclusteringress": {"configMembership":
            format!("projects/project-a/locations/global/memberships/{member}")}}})
        .to_string()
    };
    let (code, body) = common::admin(addr, "PATCH", feature, &patch("gke-mars")).await;
    assert_eq!(code, 400, "{body}");
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(
        message.contains("\"gke-mars\" is not a member of the fleet") && message.contains("gke-eu"),
        "{message}"
    );
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
    let (code, body) = common::admin(addr, "PATCH", feature, "{\"spec\": {}}").await;
    assert_eq!(code, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("configMembership is missing")),
        "{body}"
    );
    assert_eq!(t.fleet.config_cluster().as_deref(), Some("gke-us"));

    // Switching to gke-eu: its objects are the source now.
    let (code, body) = common::admin(addr, "PATCH", feature, &patch("gke-eu")).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["done"], true);
    assert_eq!(
        body["response"]["spec"]["multiclusteringress"]["configMembership"],
        "projects/project-a/locations/global/memberships/gke-eu"
    );
    wait_holding(&clients, "foo", &[]).await;
    wait_holding(
        &clients,
        "baz",
        &["gke-asia-1", "gke-eu", "gke-us", "onprem-vmware-1"],
    )
    .await;
    let (_, body) = common::admin(addr, "GET", feature, "").await;
    assert_eq!(
        body["spec"]["multiclusteringress"]["configMembership"],
        "projects/project-a/locations/global/memberships/gke-eu"
    );
    // Kept in the state directory and in the fleet description.
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(t.dir.join("state").join("sandbox-hub.json")).expect("saved"),
    )
    .expect("JSON");
    assert_eq!(state["configCluster"], "gke-eu");
    let described: Value = serde_yaml::from_str(
        &std::fs::read_to_string(t.dir.join("fleet.yaml")).expect("fleet.yaml"),
    )
    .expect("YAML");
    assert_eq!(described["configCluster"], "gke-eu");

    // The library call does the same.
    t.fleet.set_config_cluster("gke-us").expect("a member");
    wait_holding(&clients, "foo", &["gke-asia-1", "gke-eu"]).await;
    wait_holding(&clients, "baz", &[]).await;
    assert!(t.fleet.set_config_cluster("gke-mars").is_err());
    assert_eq!(t.fleet.config_cluster().as_deref(), Some("gke-us"));
}
