//! Bad requests get the error class a real apiserver gives (a `Status` with
//! its reason and code) and change nothing.

mod common;

use axum::http::Request;
use kube::Client;
use serde_json::{Value, json};

/// Sends a request and returns the failure's (code, reason, message, details).
async fn fails(
    client: &Client,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, String, String, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", content_type)
        .body(body)
        .expect("request");
    match client.request_text(request).await {
        Ok(text) => panic!("{method} {path} succeeded: {text}"),
        Err(kube::Error::Api(status)) => {
            let details = serde_json::to_value(&status.details).unwrap_or_default();
            (
                status.code,
                status.reason.clone(),
                status.message.clone(),
                details,
            )
        }
        Err(other) => panic!("{method} {path}: not an API status: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_with_real_reasons_and_change_nothing() {
    let fleet = common::start("bad-input", &["gke-eu"]).await;
    let client = fleet.client("gke-eu").await;
    let cluster = fleet.fleet.cluster("gke-eu").expect("cluster");
    let before = (cluster.store.current_rv(), cluster.store.len());
    let pods = "/api/v1/namespaces/default/pods";
    let pod = |name: &str, labels: Value| {
        serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}}))
        .expect("json")
    };

    let (code, reason, message, _) = fails(
        &client,
        "POST",
        pods,
        "application/json",
        b"{\"kind\": ".to_vec(),
    )
    .await;
    assert_eq!((code, reason.as_str()), (400, "BadRequest"), "{message}");

    let (code, reason, _, _) = fails(
        &client,
        "POST",
        pods,
        "application/yaml",
        b"kind: [unclosed".to_vec(),
    )
    .await;
    assert_eq!((code, reason.as_str()), (400, "BadRequest"));

    let (code, reason, _, _) = fails(
        &client,
        "GET",
        "/apis/nothing.example.com/v1/widgets",
        "",
        Vec::new(),
    )
    .await;
    assert_eq!((code, reason.as_str()), (404, "NotFound"));

    let (code, reason, message, details) = fails(
        &client,
        "POST",
        pods,
        "application/json",
        pod("Bad_Name", json!({})),
    )
    .await;
    assert_eq!((code, reason.as_str()), (422, "Invalid"), "{message}");
    assert!(message.contains("metadata.name"), "{message}");
    assert_eq!(details["causes"][0]["field"], "metadata.name", "{details}");

    let (code, reason, message, _) = fails(
        &client,
        "POST",
        pods,
        "application/json",
        pod("ok", json!({"app": "not a valid value!"})),
    )
    .await;
    assert_eq!((code, reason.as_str()), (422, "Invalid"), "{message}");
    assert!(message.contains("metadata.labels"), "{message}");

    let (code, reason, _, _) = fails(
        &client,
        "POST",
        "/api/v1/namespaces/missing/pods",
        "application/json",
        pod("ok", json!({})),
    )
    .await;
    assert_eq!((code, reason.as_str()), (404, "NotFound"));

    let (code, reason, _, _) = fails(&client, "POST", pods, "text/plain", b"hello".to_vec()).await;
    assert_eq!((code, reason.as_str()), (415, "UnsupportedMediaType"));

    let huge = vec![b' '; 3 * 1024 * 1024 + 1];
    let (code, _, _, _) = fails(&client, "POST", pods, "application/json", huge).await;
    assert_eq!(code, 413);

    let (code, reason, _, _) = fails(
        &client,
        "PATCH",
        &format!("{pods}/nothere"),
        "application/merge-patch+json",
        b"{}".to_vec(),
    )
    .await;
    assert_eq!((code, reason.as_str()), (404, "NotFound"));

    let (code, _, _, _) = fails(
        &client,
        "PUT",
        "/api/v1/namespaces/default",
        "application/json",
        serde_json::to_vec(
            &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}}),
        )
        .expect("json"),
    )
    .await;
    assert_eq!(code, 400);

    assert_eq!(
        (cluster.store.current_rv(), cluster.store.len()),
        before,
        "a refused request changed the store"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_from_a_compacted_version_is_told_it_is_gone() {
    let fleet = common::start("gone", &["gke-eu"]).await;
    let client = fleet.client("gke-eu").await;
    let cluster = fleet.fleet.cluster("gke-eu").expect("cluster");
    let old = cluster.store.current_rv();
    cluster.store.put("configmaps", "default", "x", json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"}}));
    cluster.store.compact();
    let request = Request::builder()
        .uri(format!("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={old}&timeoutSeconds=5"))
        .body(Vec::new())
        .expect("request");
    let text = client
        .request_text(request)
        .await
        .expect("the watch answers 200");
    let first: Value =
        serde_json::from_str(text.lines().next().expect("one event")).expect("json line");
    assert_eq!(first["type"], "ERROR");
    assert_eq!(first["object"]["code"], 410);
    assert_eq!(first["object"]["reason"], "Expired");
}
