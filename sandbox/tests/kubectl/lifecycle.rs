//! Deletion, namespaces, refusals that change nothing, and custom kinds coming and going in discovery.

use serde_json::{Value, json};

use super::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_several_kinds_ignoring_the_missing() {
    let k = Kubectl::start("delete").await;
    k.namespace("blue").await;
    k.pod("blue", "p1", "{app: foo}").await;
    k.pod("blue", "p2", "{app: foo}").await;
    k.pod("blue", "p3", "{app: bar}").await;
    k.create("deploy.yaml", DEPLOYMENT).await;
    k.create(
        "more.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1, namespace: blue}\ndata: {a: \"1\"}\n---\n\
         apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: blue}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: mesh-reader}\nrules: []\n",
    )
    .await;

    let out = k
        .ok(&[
            "-n",
            "blue",
            "delete",
            "pod/p1",
            "configmap/c1",
            "deployment/web",
            "service/web",
            "clusterrole/mesh-reader",
            "service/ghost",
            "secret/ghost",
            "--ignore-not-found",
        ])
        .await;
    for gone in [
        r#"pod "p1" deleted"#,
        r#"configmap "c1" deleted"#,
        r#"deployment.apps "web" deleted"#,
        r#"service "web" deleted"#,
        r#"clusterrole.rbac.authorization.k8s.io "mesh-reader" deleted"#,
    ] {
        assert!(out.contains(gone), "{gone} missing from\n{out}");
    }
    assert!(!out.contains("ghost"), "{out}");
    // (Pods by selector: the Deployment's own pods may come and go.)
    let mine = ["-n", "blue", "get", "pods", "-l", "app in (foo,bar)"];
    assert_eq!(k.names(&mine).await, ["p2", "p3"]);
    let left = k.names(&["-n", "blue", "get", "cm,deploy,svc"]).await;
    assert!(!left.iter().any(|n| n == "c1" || n == "web"), "{left:?}");
    let roles = k.names(&["get", "clusterroles"]).await;
    assert!(!roles.contains(&"mesh-reader".to_owned()), "{roles:?}");

    // Without --ignore-not-found a missing object is an error.
    let err = k.fails(&["-n", "blue", "delete", "pod", "p1"]).await;
    assert!(err.contains(r#"pods "p1" not found"#), "{err}");
    // By selector.
    let out = k
        .ok(&["-n", "blue", "delete", "pods", "-l", "app=foo"])
        .await;
    assert!(out.contains(r#"pod "p2" deleted"#), "{out}");
    assert_eq!(k.names(&mine).await, ["p3"]);
    // By file, twice.
    let file = k.manifest(
        "gone.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p3, namespace: blue}\n",
    );
    k.ok(&["delete", "-f", &file]).await;
    let again = k.ok(&["delete", "-f", &file, "--ignore-not-found"]).await;
    assert_eq!(again.trim(), "");
    assert!(k.names(&mine).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_namespace_removes_its_contents() {
    let k = Kubectl::start("namespace").await;
    k.namespace("blue").await;
    k.namespace("green").await;
    for ns in ["blue", "green"] {
        k.pod(ns, "p1", "{app: foo}").await;
        k.create(
            &format!("cm-{ns}.yaml"),
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c1, namespace: {ns}}}\ndata: {{a: \"1\"}}\n"
            ),
        )
        .await;
    }
    assert_eq!(
        k.names(&["-n", "blue", "get", "serviceaccounts"]).await,
        ["default"]
    );

    let out = k.ok(&["delete", "namespace", "blue"]).await;
    assert_eq!(out.trim(), r#"namespace "blue" deleted"#);
    let err = k.fails(&["get", "namespace", "blue"]).await;
    assert!(err.contains(r#"namespaces "blue" not found"#), "{err}");
    assert!(
        k.names(&["-n", "blue", "get", "pods,configmaps,serviceaccounts"])
            .await
            .is_empty()
    );
    let everywhere = k.json(&["get", "pods", "-A"]).await;
    let namespaces: Vec<&Value> = everywhere["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| &p["metadata"]["namespace"])
        .collect();
    assert_eq!(namespaces, [&json!("green")]);
    let green = k.names(&["-n", "green", "get", "pods,configmaps"]).await;
    assert!(green.starts_with(&["p1".into(), "c1".into()]), "{green:?}");

    // A namespace of the same name starts empty.
    k.namespace("blue").await;
    assert!(k.names(&["-n", "blue", "get", "pods"]).await.is_empty());
    assert_eq!(
        k.names(&["-n", "blue", "get", "serviceaccounts"]).await,
        ["default"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_names_and_labels_are_refused_and_change_nothing() {
    let k = Kubectl::start("invalid").await;
    k.namespace("blue").await;
    // A ConfigMap: no controller writes it, so its resourceVersion must stay.
    k.create(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1, namespace: blue, labels: {app: foo}}\n",
    )
    .await;
    let before = k.json(&["-n", "blue", "get", "cm", "c1"]).await;

    let bad_name = k.manifest(
        "bad-name.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name, namespace: blue}\ndata: {a: \"1\"}\n",
    );
    let err = k
        .fails(&["create", "-f", &bad_name, "--validate=false"])
        .await;
    assert!(
        err.contains(
            r#"The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain"#
        ),
        "{err}"
    );
    let configmaps = k.names(&["-n", "blue", "get", "configmaps"]).await;
    assert!(
        !configmaps.iter().any(|n| n == "Bad_Name"),
        "{configmaps:?}"
    );

    let bad_namespace = k.manifest(
        "bad-ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: mesh.blue}\n",
    );
    let err = k
        .fails(&["create", "-f", &bad_namespace, "--validate=false"])
        .await;
    assert!(
        err.contains(
            r#"The Namespace "mesh.blue" is invalid: metadata.name: Invalid value: "mesh.blue": a lowercase RFC 1123 label"#
        ),
        "{err}"
    );
    let namespaces = k.names(&["get", "namespaces"]).await;
    assert!(
        !namespaces.iter().any(|n| n == "mesh.blue"),
        "{namespaces:?}"
    );

    // kubectl checks label values itself; the server checks what a patch sends.
    let err = k
        .fails(&[
            "-n",
            "blue",
            "patch",
            "cm",
            "c1",
            "--type",
            "merge",
            "-p",
            r#"{"metadata":{"labels":{"app":"-bad-"}}}"#,
        ])
        .await;
    assert!(
        err.contains(r#"The ConfigMap "c1" is invalid: metadata.labels: Invalid value: "-bad-""#),
        "{err}"
    );
    let err = k
        .fails(&["-n", "blue", "label", "cm", "c1", "bad key!=x"])
        .await;
    assert!(
        err.contains(
            r#"The ConfigMap "c1" is invalid: metadata.labels: Invalid value: "bad key!""#
        ),
        "{err}"
    );
    let after = k.json(&["-n", "blue", "get", "cm", "c1"]).await;
    assert_eq!(labels(&after), json!({"app": "foo"}));
    assert_eq!(
        after["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );

    // A kind the server does not serve, and an object that is not there.
    let err = k.fails(&["get", "frobnicators"]).await;
    assert!(
        err.contains(r#"the server doesn't have a resource type "frobnicators""#),
        "{err}"
    );
    let err = k.fails(&["-n", "blue", "get", "pod", "nope"]).await;
    assert!(
        err.contains(r#"Error from server (NotFound): pods "nope" not found"#),
        "{err}"
    );
    // Creating in a namespace that does not exist.
    let stray = k.manifest(
        "stray.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1, namespace: nowhere}\n",
    );
    let err = k.fails(&["create", "-f", &stray, "--validate=false"]).await;
    assert!(err.contains(r#"namespaces "nowhere" not found"#), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_resources_lists_custom_kinds() {
    let k = Kubectl::start("api-resources").await;
    let before = k.ok(&["api-resources", "-o", "name"]).await;
    for builtin in [
        "pods",
        "deployments.apps",
        "certificatesigningrequests.certificates.k8s.io",
        "customresourcedefinitions.apiextensions.k8s.io",
    ] {
        assert!(
            before.lines().any(|l| l == builtin),
            "{builtin} in\n{before}"
        );
    }
    // Every member serves multi-cluster ingress's kinds from the start.
    for installed in [
        "multiclusterservices.networking.gke.io",
        "multiclusteringresses.networking.gke.io",
    ] {
        assert!(
            before.lines().any(|l| l == installed),
            "{installed} in\n{before}"
        );
    }
    assert!(!before.contains("backendconfigs"), "{before}");

    k.create("crd.yaml", BACKEND_CONFIG_CRD).await;
    let table = k.ok(&["api-resources"]).await;
    assert_eq!(
        header(&table),
        ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    );
    assert_eq!(
        row(&table, "multiclusterservices"),
        [
            "multiclusterservices",
            "mcs",
            "networking.gke.io/v1",
            "true",
            "MultiClusterService"
        ]
    );
    assert_eq!(
        row(&table, "backendconfigs"),
        [
            "backendconfigs",
            "bc",
            "cloud.google.com/v1",
            "true",
            "BackendConfig"
        ]
    );
    let group = k
        .ok(&[
            "api-resources",
            "--api-group=networking.gke.io",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(
        group,
        "multiclusteringresses.networking.gke.io\nmulticlusterservices.networking.gke.io\n"
    );
    let versions = k.ok(&["api-versions"]).await;
    assert!(
        versions.lines().any(|l| l == "cloud.google.com/v1"),
        "{versions}"
    );

    // The new kind is usable at once, by its short name.
    k.namespace("blue").await;
    k.create(
        "bc.yaml",
        "apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata: {name: foo, namespace: blue}\nspec: {timeoutSec: 40}\n",
    )
    .await;
    assert_eq!(k.names(&["-n", "blue", "get", "bc"]).await, ["foo"]);
    let category = k.ok(&["-n", "blue", "get", "mesh", "-o", "name"]).await;
    assert_eq!(category, "backendconfig.cloud.google.com/foo\n");

    // Deleting the CRD removes the kind and its objects.
    k.ok(&["delete", "crd", "backendconfigs.cloud.google.com"])
        .await;
    let after = k.ok(&["api-resources", "-o", "name"]).await;
    assert!(!after.contains("backendconfigs"), "{after}");
    let err = k.fails(&["-n", "blue", "get", "bc"]).await;
    assert!(
        err.contains(r#"the server doesn't have a resource type "bc""#),
        "{err}"
    );
}
