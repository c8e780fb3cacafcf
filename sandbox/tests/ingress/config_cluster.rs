//! The fleet API (found through fleet.yaml) says and changes which member
//! is the config cluster; the controller follows at once.

use serde_json::{Value, json};

use crate::common;
use crate::support::*;

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
    refuses_foreign_hosts_and_cross_origin_requests(&t, addr, feature).await;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_cluster_and_derived_services_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!(
        "meshdeck-sandbox-ingress-restart-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let kubeconfig = dir.join("kubeconfig");
    let start = || async {
        let options = sandbox::FleetOptions::from_scenario(
            sandbox::scenario::Scenario::default_fleet(),
            Some(dir.join("state")),
        );
        let fleet = sandbox::Fleet::start(options).await.expect("fleet starts");
        fleet.write_kubeconfig(&kubeconfig).expect("written");
        fleet
    };
    let fleet = start().await;
    let hub_url = fleet.hub_url();
    fleet.set_config_cluster("gke-eu").expect("a member");
    let before = Clients::at(&kubeconfig).await;
    create(&mcs_api(before.get("gke-eu")), &seed_foo()).await;
    wait_holding(&before, "foo", &["gke-asia-1", "gke-eu"]).await;
    let versions_before = versions(&before).await;
    drop(fleet);

    let fleet = start().await;
    assert_eq!(fleet.config_cluster().as_deref(), Some("gke-eu"));
    assert_eq!(fleet.hub_url(), hub_url, "the fleet API keeps its port");
    let described: Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("fleet.yaml")).expect("written"))
            .expect("YAML");
    assert_eq!(described["configCluster"], "gke-eu");
    fleet.hub().reconciled().await;
    let after = Clients::at(&kubeconfig).await;
    assert_eq!(
        versions(&after).await,
        versions_before,
        "a fresh controller finds nothing to change"
    );
    drop(fleet);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The fleet API takes no credentials, so it answers only requests
/// addressed to it on loopback and no page of another origin (DNS
/// rebinding, cross-origin posts); a refused switch changes nothing. (Run
/// within the switching test: another fleet beside it would slow the
/// others' convergence.)
async fn refuses_foreign_hosts_and_cross_origin_requests(
    t: &common::TestFleet,
    addr: std::net::SocketAddr,
    feature: &str,
) {
    let before = t.fleet.config_cluster();
    let target = if before.as_deref() == Some("gke-eu") {
        "gke-us"
    } else {
        "gke-eu"
    };
    let switch = json!({"spec": {"multiclusteringress": {"configMembership":
        format!("projects/project-a/locations/global/memberships/{target}")}}})
    .to_string();
    let rebound = format!("evil.example:{}", addr.port());
    let attacks: [&[(&str, &str)]; 3] = [
        &[("host", &rebound)],
        &[("origin", "http://evil.example")],
        &[("sec-fetch-site", "cross-site")],
    ];
    for headers in attacks {
        let (code, body) = common::admin_with(addr, "PATCH", feature, headers, &switch).await;
        assert_eq!(code, 403, "{headers:?}: {body}");
        assert_eq!(body["error"]["status"], "PERMISSION_DENIED", "{body}");
        let (code, _) = common::admin_with(addr, "GET", feature, headers, "").await;
        assert_eq!(code, 403, "reading too: {headers:?}");
    }
    assert_eq!(t.fleet.config_cluster(), before, "nothing changed");

    let (code, body) = common::admin_with(
        addr,
        "GET",
        feature,
        &[("host", &format!("localhost:{}", addr.port()))],
        "",
    )
    .await;
    assert_eq!(code, 200, "loopback by name: {body}");
}
