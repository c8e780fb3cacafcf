//! Declarative writes: client-side apply twice on a Deployment and a custom resource, strict field validation, and server-side apply with its conflicts.

use serde_json::{Value, json};

use super::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_twice_creates_then_updates_a_deployment() {
    let k = Kubectl::start("apply-deploy").await;
    k.namespace("blue").await;
    let first = k.manifest(
        "v1.yaml",
        &DEPLOYMENT.replace(
            "env: [{name: A, value: \"1\"}]",
            "env: [{name: A, value: \"1\"}, {name: B, value: \"2\"}]",
        ),
    );
    let out = k.ok(&["apply", "-f", &first]).await;
    assert_eq!(out.trim(), "deployment.apps/web created");
    let created = k.json(&["-n", "blue", "get", "deploy", "web"]).await;
    assert_eq!(created["metadata"]["generation"], 1);
    let last_applied =
        created["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .as_str()
            .expect("last-applied-configuration annotation");
    let last_applied: Value = serde_json::from_str(last_applied).expect("json");
    assert_eq!(last_applied["spec"]["replicas"], 2);

    // Someone else's change, which the second apply must keep.
    k.ok(&[
        "-n",
        "blue",
        "annotate",
        "deploy",
        "web",
        "owner=platform-team",
    ])
    .await;

    let second = k.manifest(
        "v2.yaml",
        &DEPLOYMENT
            .replace("replicas: 2", "replicas: 3")
            .replace("nginx:1.27", "nginx:1.28"),
    );
    let out = k.ok(&["apply", "-f", &second]).await;
    assert_eq!(out.trim(), "deployment.apps/web configured");
    let updated = k.json(&["-n", "blue", "get", "deploy", "web"]).await;
    assert_eq!(updated["metadata"]["uid"], created["metadata"]["uid"]);
    assert_eq!(updated["metadata"]["generation"], 2);
    assert_eq!(updated["spec"]["replicas"], 3);
    let container = &updated["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "nginx:1.28");
    // B was in the last applied configuration and is not any more.
    assert_eq!(container["env"], json!([{"name": "A", "value": "1"}]));
    assert_eq!(updated["metadata"]["annotations"]["owner"], "platform-team");

    let unchanged = k.ok(&["apply", "-f", &second]).await;
    assert_eq!(unchanged.trim(), "deployment.apps/web unchanged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_validation_refuses_unknown_fields_of_builtin_kinds() {
    let k = Kubectl::start("strict").await;
    k.namespace("blue").await;
    let typo = k.manifest(
        "typo.yaml",
        &DEPLOYMENT.replace("  replicas: 2", "  replicass: 2"),
    );
    // kubectl's default validation asks the server for fieldValidation=Strict.
    let err = k.fails(&["apply", "-f", &typo]).await;
    assert!(
        err.contains(
            r#"Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replicass""#
        ),
        "{err}"
    );
    assert!(k.names(&["-n", "blue", "get", "deploy"]).await.is_empty());
    // Without validation the unknown field is dropped, as typed decoding does.
    k.ok(&["create", "-f", &typo, "--validate=false"]).await;
    let d = k.json(&["-n", "blue", "get", "deploy", "web"]).await;
    assert!(d["spec"].get("replicass").is_none(), "{d}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_twice_creates_then_updates_a_custom_resource() {
    let k = Kubectl::start("apply-cr").await;
    k.namespace("blue").await;
    // The MultiClusterService CRD is installed in every member.

    let mcs = |clusters: &str, port: u16, extra_label: &str| {
        format!(
            "apiVersion: networking.gke.io/v1\nkind: MultiClusterService\nmetadata:\n  name: foo\n  namespace: blue\n  labels: {{app: foo{extra_label}}}\n\
             spec:\n  clusters: {clusters}\n  template:\n    spec:\n      ports: [{{name: web, protocol: TCP, port: {port}}}]\n"
        )
    };
    let first = k.manifest(
        "mcs-v1.yaml",
        &mcs("[{link: europe-west1-c/gke-eu}]", 80, ", stage: canary"),
    );
    let out = k.ok(&["apply", "-f", &first]).await;
    assert_eq!(
        out.trim(),
        "multiclusterservice.networking.gke.io/foo created"
    );
    let created = k.json(&["-n", "blue", "get", "mcs", "foo"]).await;
    assert_eq!(created["metadata"]["generation"], 1);
    assert_eq!(
        created["spec"]["clusters"],
        json!([{"link": "europe-west1-c/gke-eu"}])
    );

    let second = k.manifest(
        "mcs-v2.yaml",
        &mcs(
            "[{link: europe-west1-c/gke-eu}, {link: us-central1-a/gke-us}]",
            8080,
            "",
        ),
    );
    let out = k.ok(&["apply", "-f", &second]).await;
    assert_eq!(
        out.trim(),
        "multiclusterservice.networking.gke.io/foo configured"
    );
    let updated = k
        .json(&[
            "-n",
            "blue",
            "get",
            "multiclusterservices.networking.gke.io",
            "foo",
        ])
        .await;
    assert_eq!(updated["metadata"]["uid"], created["metadata"]["uid"]);
    assert_eq!(updated["metadata"]["generation"], 2);
    assert_eq!(labels(&updated), json!({"app": "foo"}));
    assert_eq!(
        updated["spec"],
        json!({
            "clusters": [{"link": "europe-west1-c/gke-eu"}, {"link": "us-central1-a/gke-us"}],
            "template": {"spec": {"ports": [{"name": "web", "protocol": "TCP", "port": 8080}]}}
        })
    );

    // Validation against the CRD's schema: unknown fields are refused
    // (kubectl asks for fieldValidation=Strict) and nothing is created.
    let bogus = k.manifest(
        "mcs-bogus.yaml",
        &(mcs("[]", 80, "").replace("name: foo", "name: bar") + "  bogus: 1\n"),
    );
    let err = k.fails(&["apply", "-f", &bogus]).await;
    assert!(
        err.contains(
            r#"MultiClusterService in version "v1" cannot be handled as a MultiClusterService: strict decoding error: unknown field "spec.bogus""#
        ),
        "{err}"
    );
    // A wrong type is Invalid, naming the field.
    let wrong = k.manifest(
        "mcs-wrong.yaml",
        &mcs("[{link: 7}]", 80, "").replace("name: foo", "name: bar"),
    );
    let err = k.fails(&["apply", "-f", &wrong]).await;
    assert!(
        err.contains(r#"is invalid: spec.clusters[0].link: Invalid value"#),
        "{err}"
    );
    assert_eq!(k.names(&["-n", "blue", "get", "mcs"]).await, ["foo"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_server_side_with_a_conflict_and_force() {
    let k = Kubectl::start("apply-ssa").await;
    k.namespace("blue").await;
    let config = |a: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mesh\n  namespace: blue\ndata:\n  a: \"{a}\"\n  b: \"2\"\n"
        )
    };
    let mine = k.manifest("mine.yaml", &config("1"));
    let out = k.ok(&["apply", "--server-side", "-f", &mine]).await;
    assert_eq!(out.trim(), "configmap/mesh serverside-applied");
    let cm = k
        .json(&["-n", "blue", "get", "cm", "mesh", "--show-managed-fields"])
        .await;
    assert_eq!(cm["data"], json!({"a": "1", "b": "2"}));
    let managers = &cm["metadata"]["managedFields"];
    assert_eq!(managers[0]["manager"], "kubectl", "{managers}");
    assert_eq!(managers[0]["operation"], "Apply", "{managers}");
    assert!(
        managers[0]["fieldsV1"]["f:data"]["f:a"].is_object(),
        "{managers}"
    );
    // Applying the same again is a no-op: nothing is written.
    k.ok(&["apply", "--server-side", "-f", &mine]).await;
    let again = k.json(&["-n", "blue", "get", "cm", "mesh"]).await;
    assert_eq!(
        again["metadata"]["resourceVersion"],
        cm["metadata"]["resourceVersion"]
    );

    // Another manager wants a different value for a field kubectl owns.
    let theirs = k.manifest("theirs.yaml", &config("9"));
    let err = k
        .fails(&[
            "apply",
            "--server-side",
            "--field-manager=meshdeck",
            "-f",
            &theirs,
        ])
        .await;
    assert!(
        err.contains(r#"Apply failed with 1 conflict: conflict with "kubectl" using v1: .data.a"#),
        "{err}"
    );
    let unchanged = k.json(&["-n", "blue", "get", "cm", "mesh"]).await;
    assert_eq!(unchanged["data"]["a"], "1");

    k.ok(&[
        "apply",
        "--server-side",
        "--field-manager=meshdeck",
        "--force-conflicts",
        "-f",
        &theirs,
    ])
    .await;
    let forced = k
        .json(&["-n", "blue", "get", "cm", "mesh", "--show-managed-fields"])
        .await;
    assert_eq!(forced["data"], json!({"a": "9", "b": "2"}));
    let owners = |field: &str| -> Vec<String> {
        forced["metadata"]["managedFields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["fieldsV1"]["f:data"].get(field).is_some())
            .map(|m| m["manager"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(owners("f:a"), ["meshdeck"], "{forced}");
    let mut shared = owners("f:b");
    shared.sort();
    assert_eq!(shared, ["kubectl", "meshdeck"], "{forced}");
}
