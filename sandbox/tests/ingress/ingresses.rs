//! MultiClusterIngresses get VIPs; missing backends and quota overflow
//! are Warning Events.

use kube::api::{DeleteParams, DynamicObject};

use crate::support::*;

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
async fn the_hundred_and_first_of_a_kind_is_over_quota() {
    let t = start("quota").await;
    let clients = Clients::of(&t).await;
    let config = clients.get("gke-us");
    let services = mcs_api(config);
    // Named in creation order: quotas admit the oldest first.
    for i in 0..=100 {
        create(
            &services,
            &mcs(&format!("q{i:03}"), &["europe-west1-c/gke-eu"]),
        )
        .await;
    }
    wait_holding(&clients, "q099", &["gke-eu"]).await;
    t.fleet.hub().reconciled().await;
    assert_eq!(clients.holding("q100").await, Vec::<&str>::new());
    assert_eq!(clients.derived().await["gke-eu"].len(), 100);
    let warned = warnings(config, "q100").await;
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert_eq!(warned[0].0, "QuotaExceeded");
    assert!(
        warned[0]
            .1
            .contains("project project-a already has 100 MultiClusterService resources"),
        "{warned:?}"
    );
    assert_eq!(warnings(config, "q099").await, []);

    // One deleted, the next in line is admitted.
    services
        .delete("q000", &DeleteParams::default())
        .await
        .expect("deleted");
    wait_holding(&clients, "q100", &["gke-eu"]).await;
}
