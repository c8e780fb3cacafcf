//! Faults put on one cluster, through the library and the admin endpoint:
//! an unreachable cluster refuses connections (and cuts open ones) while
//! the others answer, and answers again on the same address once
//! restored; latency delays requests; failing writes answer a `Status`
//! while reads still work.

mod common;

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, ListParams, PostParams, WatchParams};
use sandbox::FleetOptions;
use sandbox::faults::Fault;
use serde_json::json;

/// Guards against a hang, never a measure of speed.
const PATIENCE: Duration = Duration::from_secs(60);

fn config_map(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}})).expect("configmap")
}

async fn namespaces(client: &kube::Client) -> Result<usize, kube::Error> {
    Api::<Namespace>::all(client.clone())
        .list(&ListParams::default())
        .await
        .map(|l| l.items.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_cluster_refuses_connections_while_the_others_answer() {
    let t = common::start("faults-unreachable", &["gke-eu", "gke-us"]).await;
    let eu = t.client("gke-eu").await;
    let us = t.client("gke-us").await;
    assert!(namespaces(&eu).await.is_ok());
    let addr = t.fleet.member("gke-eu").expect("member").addr;

    let maps: Api<ConfigMap> = Api::namespaced(eu.clone(), "default");
    let mut watch = maps
        .watch(&WatchParams::default().timeout(290), "0")
        .await
        .expect("watch opens")
        .boxed();

    let faults = t.fleet.cluster("gke-eu").expect("cluster").faults();
    faults.set(Fault::Unreachable);
    faults.applied().await;

    let refused = tokio::net::TcpStream::connect(addr).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused, "{refused}");

    // The open watch is cut (kube reports a cut connection as the end of
    // the stream) and cannot be opened again.
    tokio::time::timeout(PATIENCE, async {
        while let Some(Ok(_)) = watch.next().await {}
    })
    .await
    .expect("the watch is cut");
    let reopened = maps.watch(&WatchParams::default(), "0").await;
    assert!(
        reopened.is_err(),
        "a watch opened on an unreachable cluster"
    );

    // A client that had connections and a new one both fail to connect:
    // no HTTP status, the connection itself fails.
    for client in [eu.clone(), t.client("gke-eu").await] {
        let err = namespaces(&client).await.unwrap_err();
        assert!(!matches!(err, kube::Error::Api(_)), "{err:?}");
        assert!(
            common::caused_by_io(&err, ErrorKind::ConnectionRefused)
                || common::caused_by_io(&err, ErrorKind::ConnectionReset),
            "{err:?}"
        );
    }
    assert!(t.fleet.cluster("gke-eu").unwrap().is_unreachable());
    assert!(namespaces(&us).await.is_ok(), "the other cluster answers");

    faults.restore();
    faults.applied().await;
    assert_eq!(t.fleet.member("gke-eu").unwrap().addr, addr);
    assert!(namespaces(&eu).await.is_ok(), "the old client reconnects");
    assert!(namespaces(&t.client("gke-eu").await).await.is_ok());

    // The Cluster shorthand does the same.
    let cluster = t.fleet.cluster("gke-us").unwrap();
    cluster.set_unreachable(true);
    cluster.faults().applied().await;
    assert!(namespaces(&t.client("gke-us").await).await.is_err());
    cluster.set_unreachable(false);
    cluster.faults().applied().await;
    assert!(namespaces(&us).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_cluster_answers_after_the_latency() {
    let t = common::start("faults-latency", &["gke-eu"]).await;
    let eu = t.client("gke-eu").await;
    assert!(namespaces(&eu).await.is_ok());
    let faults = t.fleet.cluster("gke-eu").unwrap().faults();
    faults.set(Fault::Latency(Duration::from_millis(400)));
    let start = Instant::now();
    assert!(namespaces(&eu).await.is_ok());
    assert!(
        start.elapsed() >= Duration::from_millis(400),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(faults.current().latency_ms, 400);
    faults.restore();
    assert!(faults.current().is_healthy());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_writes_answer_a_status_and_reads_still_work() {
    let t = common::start("faults-writes", &["gke-eu"]).await;
    let eu = t.client("gke-eu").await;
    let maps: Api<ConfigMap> = Api::namespaced(eu.clone(), "default");
    let faults = t.fleet.cluster("gke-eu").unwrap().faults();

    // kube retries a 503 (15 times, backing off up to minutes) unless told
    // not to; this client sees the first answer.
    let once: Api<ConfigMap> = Api::namespaced(t.client_without_retries("gke-eu").await, "default");
    faults.set(Fault::FailWrites {
        fraction: 1.0,
        status: 503,
        seed: 1,
    });
    match once.create(&PostParams::default(), &config_map("a")).await {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 503);
            assert_eq!(status.reason, "ServiceUnavailable");
        }
        other => panic!("expected a 503 Status, got {other:?}"),
    }
    assert!(
        maps.list(&ListParams::default()).await.is_ok(),
        "reads work"
    );
    assert!(maps.get_opt("a").await.unwrap().is_none());

    faults.set(Fault::FailWrites {
        fraction: 0.5,
        status: 500,
        seed: 7,
    });
    let mut failed = 0;
    let mut created = 0;
    for i in 0..40 {
        match maps
            .create(&PostParams::default(), &config_map(&format!("m{i}")))
            .await
        {
            Ok(_) => created += 1,
            Err(kube::Error::Api(status)) => {
                assert_eq!(status.code, 500, "{status:?}");
                failed += 1;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(
        failed > 0 && created > 0,
        "{failed} failed, {created} created"
    );
    let listed = maps.list(&ListParams::default()).await.unwrap();
    assert_eq!(listed.items.len(), created);

    faults.restore();
    maps.create(&PostParams::default(), &config_map("after"))
        .await
        .expect("writes work again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_endpoint_sets_and_restores_faults() {
    let mut options = FleetOptions::in_memory(&["gke-eu", "gke-us"]);
    options.admin = Some("127.0.0.1:0".parse().unwrap());
    let t = common::start_with("faults-admin", options).await;
    let admin = t.fleet.admin.expect("admin endpoint");
    let written = std::fs::read_to_string(t.dir.join("state").join(sandbox::fleet::ADMIN_FILE))
        .expect("sandbox-admin.json in the state dir");
    let written: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(written["admin"], format!("http://{admin}"));
    assert_eq!(
        written["url"], written["admin"],
        "the name of earlier runs too"
    );
    assert!(
        t.dir.join(sandbox::fleet::ADMIN_FILE).exists(),
        "beside the kubeconfig"
    );

    let (code, clusters) = common::admin(admin, "GET", "/clusters", "").await;
    assert_eq!(code, 200);
    assert_eq!(clusters[0]["name"], "gke-eu");
    assert_eq!(
        clusters[0]["server"],
        t.fleet.member("gke-eu").unwrap().server
    );
    assert_eq!(clusters[0]["faults"]["unreachable"], false);

    let eu_addr = t.fleet.member("gke-eu").unwrap().addr;
    let (code, body) = common::admin(
        admin,
        "PUT",
        "/clusters/gke-eu/faults",
        r#"{"unreachable":true}"#,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["faults"]["unreachable"], true);
    assert_eq!(
        tokio::net::TcpStream::connect(eu_addr)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::ConnectionRefused
    );
    assert!(namespaces(&t.client("gke-us").await).await.is_ok());

    let (code, body) = common::admin(
        admin,
        "PUT",
        "/clusters/gke-us/faults",
        r#"{"latencyMs":50,"failWrites":0.25,"failStatus":500,"seed":3}"#,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let us = t.fleet.cluster("gke-us").unwrap().faults().current();
    assert_eq!(
        (us.latency_ms, us.fail_writes, us.fail_status, us.seed),
        (50, 0.25, 500, 3)
    );

    let (code, body) = common::admin(admin, "DELETE", "/clusters/gke-eu/faults", "").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["faults"]["unreachable"], false);
    assert!(namespaces(&t.client("gke-eu").await).await.is_ok());
    let (_, body) = common::admin(admin, "GET", "/clusters/gke-us/faults", "").await;
    assert_eq!(body["faults"]["latencyMs"], 50);

    let (code, body) = common::admin(admin, "PUT", "/clusters/nope/faults", "{}").await;
    assert_eq!(code, 404);
    assert!(body["message"].as_str().unwrap().contains("nope"), "{body}");
    let (code, _) = common::admin(admin, "DELETE", "/clusters/nope/faults", "").await;
    assert_eq!(code, 404);
    for (bad, named) in [
        (r#"{"latency":5}"#, "latency"),
        (r#"{"failWrites":2}"#, "failWrites"),
        (r#"{"failStatus":404}"#, "failStatus"),
        ("not json", "invalid faults"),
        ("", "JSON object"),
    ] {
        let (code, body) = common::admin(admin, "PUT", "/clusters/gke-us/faults", bad).await;
        assert_eq!(code, 400, "{bad}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(named), "{bad}: {message}");
    }

    let mut open = FleetOptions::in_memory(&["x"]);
    open.admin = Some("0.0.0.0:0".parse().unwrap());
    let err = sandbox::Fleet::start(open).await.err().expect("refused");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

/// DNS rebinding and cross-origin pages: a browser may reach loopback, but
/// the admin endpoint serves only requests addressed to it there by name
/// or address, and no page of another origin; a refused request changes
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_endpoint_refuses_foreign_hosts_and_cross_origin_requests() {
    let mut options = FleetOptions::in_memory(&["gke-eu"]);
    options.admin = Some("127.0.0.1:0".parse().unwrap());
    let t = common::start_with("faults-admin-origin", options).await;
    let admin = t.fleet.admin.expect("admin endpoint");
    let port = admin.port();
    let rebound = format!("evil.example:{port}");
    let other_port = format!("127.0.0.1:{}", port.wrapping_add(1));
    let attacks: [&[(&str, &str)]; 6] = [
        &[("host", &rebound)],
        &[("host", "evil.example")],
        &[("host", &other_port)],
        &[("origin", "http://evil.example")],
        &[("origin", "null")],
        &[("sec-fetch-site", "cross-site")],
    ];
    let down = r#"{"unreachable":true}"#;
    for headers in attacks {
        let (code, body) =
            common::admin_with(admin, "PUT", "/clusters/gke-eu/faults", headers, down).await;
        assert_eq!(code, 403, "{headers:?}: {body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("refused") || m.contains("Host")),
            "{headers:?}: {body}"
        );
        let (code, _) = common::admin_with(admin, "GET", "/clusters", headers, "").await;
        assert_eq!(code, 403, "reading too: {headers:?}");
        let (code, _) =
            common::admin_with(admin, "DELETE", "/clusters/gke-eu/faults", headers, "").await;
        assert_eq!(code, 403, "{headers:?}");
    }
    let eu = t.fleet.cluster("gke-eu").unwrap();
    assert_eq!(eu.faults().current(), sandbox::faults::FaultSet::default());
    assert!(namespaces(&t.client("gke-eu").await).await.is_ok());

    // Loopback by name, and the endpoint's own origin, are served.
    let localhost = format!("localhost:{port}");
    let own_origin = format!("http://{admin}");
    for headers in [
        &[("host", localhost.as_str())][..],
        &[
            ("origin", own_origin.as_str()),
            ("sec-fetch-site", "same-origin"),
        ],
    ] {
        let (code, body) = common::admin_with(admin, "GET", "/clusters", headers, "").await;
        assert_eq!(code, 200, "{headers:?}: {body}");
    }
}
