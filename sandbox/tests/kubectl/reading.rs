//! Reading: server-side tables, label selectors, watches and the output formats kubectl computes from the objects.

use serde_json::Value;

use super::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_is_1_37_on_both_sides() {
    let k = Kubectl::start("version").await;
    let v = k.json(&["version"]).await;
    assert_eq!(v["clientVersion"]["major"], "1", "{v}");
    assert_eq!(v["clientVersion"]["minor"], "37", "{v}");
    assert_eq!(v["serverVersion"]["minor"], "37", "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_prints_server_side_tables() {
    let k = Kubectl::start("tables").await;
    k.namespace("blue").await;
    k.pod("blue", "p1", "{app: foo}").await;
    k.create("deploy.yaml", DEPLOYMENT).await;

    let pods = k.ok(&["-n", "blue", "get", "pods"]).await;
    assert_eq!(
        header(&pods),
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        "{pods}"
    );
    assert_eq!(row(&pods, "p1")[..4], ["p1", "0/1", "Pending", "0"]);

    let wide = k.ok(&["-n", "blue", "get", "pods", "-o", "wide"]).await;
    assert_eq!(
        header(&wide),
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED",
            "NODE",
            "READINESS",
            "GATES"
        ],
        "{wide}"
    );

    let labelled = k.ok(&["-n", "blue", "get", "pods", "--show-labels"]).await;
    assert_eq!(header(&labelled).last(), Some(&"LABELS"), "{labelled}");
    assert_eq!(row(&labelled, "p1").last(), Some(&"app=foo"));

    let deploys = k.ok(&["-n", "blue", "get", "deployments"]).await;
    assert_eq!(
        header(&deploys),
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        "{deploys}"
    );
    // READY only: UP-TO-DATE follows whatever the controllers have done.
    assert_eq!(row(&deploys, "web")[1], "0/2", "{deploys}");
    let wide = k.ok(&["-n", "blue", "get", "deploy", "-o", "wide"]).await;
    assert_eq!(
        row(&wide, "web")[5..],
        ["web", "nginx:1.27", "app=web"],
        "{wide}"
    );

    let namespaces = k.ok(&["get", "namespaces"]).await;
    assert_eq!(header(&namespaces), ["NAME", "STATUS", "AGE"]);
    for ns in ["blue", "default", "kube-system"] {
        assert_eq!(row(&namespaces, ns)[1], "Active", "{namespaces}");
    }

    let everywhere = k.ok(&["get", "pods", "-A"]).await;
    assert_eq!(header(&everywhere)[..2], ["NAMESPACE", "NAME"]);
    assert_eq!(row(&everywhere, "blue")[1], "p1");

    // `all` is a category from discovery, not a kind.
    let all = k.ok(&["-n", "blue", "get", "all", "-o", "name"]).await;
    let all: Vec<&str> = all.lines().collect();
    assert!(all.contains(&"pod/p1"), "{all:?}");
    assert!(all.contains(&"deployment.apps/web"), "{all:?}");

    // The table came from the server: the other cluster has no such pod.
    let other = k.on("gke-us").ok(&["-n", "default", "get", "pods"]).await;
    assert!(!other.contains("p1"), "{other}");
    let missing = k.on("gke-us").fails(&["get", "namespace", "blue"]).await;
    assert!(
        missing.contains(r#"namespaces "blue" not found"#),
        "{missing}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn label_selectors_equality_and_set_based() {
    let k = Kubectl::start("selectors").await;
    k.namespace("blue").await;
    k.pod("blue", "foo-1", "{app: foo, tier: web}").await;
    k.pod("blue", "foo-2", "{app: foo, tier: db}").await;
    k.pod("blue", "bar-1", "{app: bar}").await;

    let select = |selector: &'static str| {
        let k = &k;
        async move {
            k.names(&["-n", "blue", "get", "pods", "-l", selector])
                .await
        }
    };
    assert_eq!(select("app=foo").await, ["foo-1", "foo-2"]);
    assert_eq!(select("app!=foo").await, ["bar-1"]);
    assert_eq!(select("app=foo,tier=db").await, ["foo-2"]);
    assert_eq!(select("app in (foo,bar),tier").await, ["foo-1", "foo-2"]);
    assert_eq!(select("tier notin (web)").await, ["bar-1", "foo-2"]);
    assert_eq!(select("!tier").await, ["bar-1"]);
    assert!(select("app=nothing").await.is_empty());

    let table = k
        .ok(&["-n", "blue", "get", "pods", "-l", "app in (bar)"])
        .await;
    assert_eq!(table.lines().count(), 2, "{table}");

    let bad = k
        .fails(&["-n", "blue", "get", "pods", "-l", "app in"])
        .await;
    assert!(bad.contains("unable to parse requirement"), "{bad}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_watch_sees_changes() {
    let k = Kubectl::start("watch").await;
    k.namespace("blue").await;
    k.pod("blue", "p1", "{app: foo}").await;

    let mut watch = Watch::start(
        &k,
        &[
            "-n",
            "blue",
            "get",
            "pods",
            "-w",
            "--output-watch-events",
            "--show-labels",
        ],
    );
    watch
        .wait_for("the existing pod", |l| {
            words(l).starts_with(&["ADDED", "p1"])
        })
        .await;
    assert_eq!(
        watch.seen[0].split_whitespace().collect::<Vec<_>>(),
        [
            "EVENT", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "LABELS"
        ]
    );
    k.ok(&["-n", "blue", "label", "pod", "p1", "stage=canary"])
        .await;
    watch
        .wait_for("the label change", |l| {
            words(l).starts_with(&["MODIFIED", "p1"]) && l.ends_with("app=foo,stage=canary")
        })
        .await;
    k.pod("blue", "p2", "{app: bar}").await;
    watch
        .wait_for("the new pod", |l| {
            words(l).starts_with(&["ADDED", "p2", "0/1", "Pending"])
        })
        .await;
    k.ok(&["-n", "blue", "delete", "pod", "p2"]).await;
    watch
        .wait_for("the deletion", |l| words(l).starts_with(&["DELETED", "p2"]))
        .await;
    drop(watch);

    // The same as JSON objects, filtered by a selector.
    let mut watch = Watch::start(
        &k,
        &[
            "-n", "blue", "get", "pods", "-w", "-l", "app=foo", "-o", "json",
        ],
    );
    watch.wait_for("the first object", |l| l == "}").await;
    k.pod("blue", "p3", "{app: foo-not}").await;
    k.ok(&["-n", "blue", "annotate", "pod", "p1", "note=watched"])
        .await;
    watch
        .wait_for("the annotation", |l| l.contains(r#""note": "watched""#))
        .await;
    watch.wait_for("the end of that object", |l| l == "}").await;
    let objects: Vec<Value> = serde_json::Deserializer::from_str(&watch.seen.join("\n"))
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .expect("a stream of JSON objects");
    // Only p1 matches the selector; p3 never shows.
    assert!(
        objects.iter().all(|o| o["metadata"]["name"] == "p1"),
        "{objects:#?}"
    );
    let last = objects.last().expect("objects");
    assert_eq!(last["metadata"]["annotations"]["note"], "watched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_formats_jsonpath_yaml_and_names() {
    let k = Kubectl::start("output").await;
    k.namespace("blue").await;
    k.pod("blue", "p1", "{app: foo}").await;
    k.pod("blue", "p2", "{app: bar}").await;
    k.create("deploy.yaml", DEPLOYMENT).await;

    let names = k
        .ok(&[
            "-n",
            "blue",
            "get",
            "pods",
            "-l",
            "app in (foo,bar)",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ])
        .await;
    assert_eq!(names, "p1 p2");
    let pairs = k
        .ok(&[
            "-n",
            "blue",
            "get",
            "pods",
            "-l",
            "app in (foo,bar)",
            "-o",
            r#"jsonpath={range .items[*]}{.metadata.name}={.metadata.labels.app}{"\n"}{end}"#,
        ])
        .await;
    assert_eq!(pairs, "p1=foo\np2=bar\n");
    let image = k
        .ok(&[
            "-n",
            "blue",
            "get",
            "deploy",
            "web",
            "-o",
            r#"jsonpath={.spec.template.spec.containers[?(@.name=="web")].image}"#,
        ])
        .await;
    assert_eq!(image, "nginx:1.27");
    let uid = k
        .ok(&[
            "-n",
            "blue",
            "get",
            "pod",
            "p1",
            "-o",
            "jsonpath={.metadata.uid}",
        ])
        .await;
    let pod = k.json(&["-n", "blue", "get", "pod", "p1"]).await;
    assert_eq!(pod["metadata"]["uid"], uid.as_str());

    let yaml = k
        .ok(&["-n", "blue", "get", "deploy", "web", "-o", "yaml"])
        .await;
    let from_yaml: Value = serde_yaml::from_str(&yaml).expect("yaml");
    assert_eq!(from_yaml["kind"], "Deployment");
    assert_eq!(from_yaml["spec"]["replicas"], 2);

    let listed = k
        .ok(&[
            "-n",
            "blue",
            "get",
            "pod/p2",
            "deployment/web",
            "pod/p1",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(listed, "pod/p2\ndeployment.apps/web\npod/p1\n");

    // Defaulting adds values, never nulls for fields the client left out
    // (the kubelet's `lastProbeTime: null` is what real pods carry too).
    for (kind, name) in [("pod", "p1"), ("deploy", "web")] {
        let object = k.json(&["-n", "blue", "get", kind, name]).await;
        let nulls = null_fields(&object, "");
        assert!(
            nulls
                .iter()
                .all(|f| f.ends_with(".creationTimestamp") || f.ends_with(".lastProbeTime")),
            "{kind} {name} has null fields {nulls:?}"
        );
    }

    let columns = k
        .ok(&[
            "-n",
            "blue",
            "get",
            "pods",
            "-o",
            "custom-columns=NAME:.metadata.name,APP:.metadata.labels.app,PHASE:.status.phase",
        ])
        .await;
    assert_eq!(row(&columns, "p2"), ["p2", "bar", "Pending"]);
}
