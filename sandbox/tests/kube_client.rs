//! The kube crate as a judge of the sandbox: typed and dynamic APIs,
//! discovery in both forms, optimistic concurrency, server-side apply
//! conflicts, and a watcher that survives a 410 and a dropped connection.

mod common;

use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::{Discovery, Scope};
use kube::runtime::watcher;
use kube::{Client, Config};
use serde_json::json;

async fn namespace(client: &Client, name: &str) {
    let api: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace =
        serde_json::from_value(json!({"metadata": {"name": name}})).expect("a Namespace");
    api.create(&PostParams::default(), &ns)
        .await
        .expect("namespace created");
}

fn pod(name: &str, app: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"app": app}},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}
    }))
    .expect("a Pod")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_api_round_trips_and_rejects_stale_writes() {
    let fleet = common::start("kube-typed", &["gke-eu"]).await;
    let client = fleet.client("gke-eu").await;
    namespace(&client, "blue").await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "blue");
    pods.create(&PostParams::default(), &pod("foo-1", "foo"))
        .await
        .unwrap();
    pods.create(&PostParams::default(), &pod("bar-1", "bar"))
        .await
        .unwrap();

    let foo = pods
        .list(&ListParams::default().labels("app in (foo)"))
        .await
        .unwrap();
    assert_eq!(foo.items.len(), 1);
    assert_eq!(foo.items[0].metadata.name.as_deref(), Some("foo-1"));
    assert!(foo.items[0].metadata.uid.is_some());

    let duplicate = pods
        .create(&PostParams::default(), &pod("foo-1", "foo"))
        .await
        .unwrap_err();
    assert!(
        matches!(duplicate, kube::Error::Api(ref s) if s.code == 409 && s.reason == "AlreadyExists"),
        "{duplicate:?}"
    );

    // Two writers read the same version; the second write must lose. A
    // ConfigMap, because the cluster's controllers also write pods.
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "blue");
    let map: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "settings"}, "data": {"tier": "none"}}))
            .unwrap();
    maps.create(&PostParams::default(), &map).await.unwrap();
    let first = maps.get("settings").await.unwrap();
    let mut a = first.clone();
    a.data
        .get_or_insert_default()
        .insert("tier".into(), "a".into());
    maps.replace("settings", &PostParams::default(), &a)
        .await
        .unwrap();
    let mut b = first;
    b.data
        .get_or_insert_default()
        .insert("tier".into(), "b".into());
    let stale = maps
        .replace("settings", &PostParams::default(), &b)
        .await
        .unwrap_err();
    assert!(
        matches!(stale, kube::Error::Api(ref s) if s.code == 409 && s.reason == "Conflict"),
        "{stale:?}"
    );
    let stored = maps.get("settings").await.unwrap();
    assert_eq!(stored.data.unwrap()["tier"], "a");

    let invalid = pods
        .create(&PostParams::default(), &pod("Not_Valid", "foo"))
        .await
        .unwrap_err();
    assert!(
        matches!(invalid, kube::Error::Api(ref s) if s.code == 422 && s.reason == "Invalid"),
        "{invalid:?}"
    );
    assert_eq!(
        pods.list(&ListParams::default()).await.unwrap().items.len(),
        2
    );

    pods.delete("bar-1", &DeleteParams::default())
        .await
        .unwrap();
    let gone = pods.get("bar-1").await.unwrap_err();
    assert!(
        matches!(gone, kube::Error::Api(ref s) if s.code == 404),
        "{gone:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patches_and_server_side_apply_conflicts() {
    let fleet = common::start("kube-patch", &["gke-eu"]).await;
    let client = fleet.client("gke-eu").await;
    namespace(&client, "blue").await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "blue");
    let manifest = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "foo", "namespace": "blue"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "foo"}},
            "template": {"metadata": {"labels": {"app": "foo"}},
                "spec": {"containers": [
                    {"name": "foo", "image": "nginx:1.27", "env": [{"name": "A", "value": "1"}]},
                    {"name": "side", "image": "busybox:1"}]}}}
    });
    let ops = PatchParams::apply("ops-team");
    deployments
        .patch("foo", &ops, &Patch::Apply(&manifest))
        .await
        .unwrap();

    // Strategic merge by container name keeps the other container and env.
    let strategic = json!({"spec": {"template": {"spec": {"containers": [{"name": "foo", "image": "nginx:1.28"}]}}}});
    deployments
        .patch(
            "foo",
            &PatchParams::default(),
            &Patch::Strategic(&strategic),
        )
        .await
        .unwrap();
    let d = deployments.get("foo").await.unwrap();
    let pod_spec = d.spec.template.spec.unwrap();
    assert_eq!(pod_spec.containers.len(), 2);
    assert_eq!(pod_spec.containers[0].image.as_deref(), Some("nginx:1.28"));
    assert_eq!(pod_spec.containers[0].env.as_ref().unwrap()[0].name, "A");

    // Another manager applying a field ops-team owns conflicts…
    let scale = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "foo", "namespace": "blue"}, "spec": {"replicas": 5}});
    let other = PatchParams::apply("autoscaler");
    let conflict = deployments
        .patch("foo", &other, &Patch::Apply(&scale))
        .await
        .unwrap_err();
    assert!(
        matches!(conflict, kube::Error::Api(ref s) if s.code == 409 && s.message.contains("ops-team")),
        "{conflict:?}"
    );
    // The Status lists each conflicting field with its manager.
    let kube::Error::Api(status) = &conflict else {
        unreachable!()
    };
    let causes = &status.details.as_ref().unwrap().causes;
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(causes[0].reason, "FieldManagerConflict");
    assert_eq!(
        causes[0].message,
        "conflict with \"ops-team\" using apps/v1"
    );
    assert_eq!(causes[0].field, ".spec.replicas");
    assert_eq!(deployments.get("foo").await.unwrap().spec.replicas, Some(2));
    // …unless forced, which moves ownership.
    deployments
        .patch("foo", &other.force(), &Patch::Apply(&scale))
        .await
        .unwrap();
    let d = deployments.get("foo").await.unwrap();
    assert_eq!(d.spec.replicas, Some(5));
    let managers: Vec<String> = d
        .metadata
        .managed_fields
        .unwrap()
        .into_iter()
        .filter_map(|m| m.manager)
        .collect();
    assert!(managers.contains(&"autoscaler".to_owned()), "{managers:?}");

    let merge = json!({"metadata": {"labels": {"team": "ops"}}});
    deployments
        .patch("foo", &PatchParams::default(), &Patch::Merge(&merge))
        .await
        .unwrap();
    let d = deployments.get("foo").await.unwrap();
    assert_eq!(d.metadata.labels.unwrap()["team"], "ops");
    assert_eq!(d.spec.replicas, Some(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applied_resource_version_is_a_precondition() {
    let fleet = common::start("kube-apply-rv", &["gke-eu"]).await;
    let client = fleet.client("gke-eu").await;
    namespace(&client, "blue").await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "blue");
    let manifest = |tier: &str, rv: Option<&str>| {
        let mut m = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "blue"}, "data": {"tier": tier}});
        if let Some(rv) = rv {
            m["metadata"]["resourceVersion"] = json!(rv);
        }
        m
    };
    let console = PatchParams::apply("console");
    let first = maps
        .patch("settings", &console, &Patch::Apply(&manifest("a", None)))
        .await
        .unwrap();
    let seen = first.metadata.resource_version.clone().unwrap();
    // Someone else changes it after it was read…
    maps.patch(
        "settings",
        &PatchParams::apply("console"),
        &Patch::Apply(&manifest("b", None)),
    )
    .await
    .unwrap();
    // …so an apply made against the version read is refused, dry run too.
    for params in [console.clone(), console.clone().dry_run()] {
        let stale = maps
            .patch(
                "settings",
                &params,
                &Patch::Apply(&manifest("c", Some(&seen))),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(stale, kube::Error::Api(ref s) if s.code == 409 && s.reason == "Conflict" && s.message.contains("has been modified")),
            "{stale:?}"
        );
    }
    let now = maps.get("settings").await.unwrap();
    assert_eq!(now.data.as_ref().unwrap()["tier"], "b");
    // Against the current version it goes through.
    let current = now.metadata.resource_version.clone().unwrap();
    let applied = maps
        .patch(
            "settings",
            &console,
            &Patch::Apply(&manifest("c", Some(&current))),
        )
        .await
        .unwrap();
    assert_eq!(applied.data.unwrap()["tier"], "c");
    assert_ne!(applied.metadata.resource_version, Some(current));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_in_both_forms_and_dynamic_custom_resources() {
    let fleet = common::start("kube-discovery", &["gke-eu"]).await;
    let client = fleet.client("gke-eu").await;
    let crds: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &kube::discovery::ApiResource::erase::<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition>(&()),
    );
    // Multi-cluster ingress's CRDs are installed in every member; this
    // one is not.
    let crd: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "backendconfigs.cloud.google.com"},
        "spec": {"group": "cloud.google.com", "scope": "Namespaced",
            "names": {"plural": "backendconfigs", "singular": "backendconfig", "kind": "BackendConfig"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {"timeoutSec": {"type": "integer"}}}}}},
                "subresources": {"status": {}}}]}
    })).unwrap();
    crds.create(&PostParams::default(), &crd).await.unwrap();

    for discovery in [
        Discovery::new(client.clone()).run().await.unwrap(),
        Discovery::new(client.clone())
            .run_aggregated()
            .await
            .unwrap(),
    ] {
        let groups: Vec<String> = discovery.groups().map(|g| g.name().to_owned()).collect();
        assert!(groups.contains(&"apps".to_owned()), "{groups:?}");
        let (deploy, caps) = discovery
            .groups()
            .find(|g| g.name() == "apps")
            .and_then(|g| {
                g.recommended_resources()
                    .into_iter()
                    .find(|(r, _)| r.kind == "Deployment")
            })
            .expect("Deployment discovered");
        assert_eq!(deploy.plural, "deployments");
        assert_eq!(caps.scope, Scope::Namespaced);
        assert!(discovery.has_group("networking.gke.io"), "{groups:?}");
        assert!(discovery.has_group("cloud.google.com"), "{groups:?}");
    }

    let discovery = Discovery::new(client.clone())
        .run_aggregated()
        .await
        .unwrap();
    let (mcs, _) = discovery
        .groups()
        .find(|g| g.name() == "networking.gke.io")
        .and_then(|g| g.recommended_kind("MultiClusterService"))
        .expect("custom kind discovered");
    namespace(&client, "blue").await;
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "blue", &mcs);
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "networking.gke.io/v1", "kind": "MultiClusterService",
        "metadata": {"name": "foo"}, "spec": {"template": {"spec": {"selector": {"app": "foo"}}}}
    }))
    .unwrap();
    api.create(&PostParams::default(), &object).await.unwrap();
    let stored = api.get("foo").await.unwrap();
    assert_eq!(
        stored.data["spec"]["template"]["spec"]["selector"]["app"],
        "foo"
    );
}

/// Waits for the watcher to report a ConfigMap with `name`.
async fn seen<S>(stream: &mut S, name: &str)
where
    S: futures_util::Stream<Item = Result<watcher::Event<ConfigMap>, watcher::Error>> + Unpin,
{
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(event) = stream.try_next().await.expect("watch keeps going") {
            let named = |c: &ConfigMap| c.metadata.name.as_deref() == Some(name);
            match event {
                watcher::Event::Apply(c) | watcher::Event::InitApply(c) if named(&c) => return,
                _ => {}
            }
        }
        panic!("watch ended");
    })
    .await;
    assert!(found.is_ok(), "the watcher never saw {name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_survives_a_dropped_connection_and_a_gone_version() {
    let fleet = common::start("kube-watch", &["gke-eu"]).await;
    let client = fleet.client("gke-eu").await;
    namespace(&client, "blue").await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "blue");
    let make = |name: &str| -> ConfigMap {
        serde_json::from_value(json!({"metadata": {"name": name}, "data": {"k": "v"}})).unwrap()
    };
    let mut stream = watcher(maps.clone(), watcher::Config::default()).boxed();

    maps.create(&PostParams::default(), &make("one"))
        .await
        .unwrap();
    seen(&mut stream, "one").await;

    let cluster = fleet.fleet.cluster("gke-eu").unwrap();
    cluster.drop_watches();
    maps.create(&PostParams::default(), &make("two"))
        .await
        .unwrap();
    seen(&mut stream, "two").await;

    // History forgotten, then the stream dropped: the resume version is
    // gone (410), so the watcher must re-list to see what happened.
    cluster.store.compact();
    cluster.drop_watches();
    maps.create(&PostParams::default(), &make("three"))
        .await
        .unwrap();
    seen(&mut stream, "three").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_lists_end_their_initial_events_with_a_bookmark() {
    let fleet = common::start("kube-streaming", &["gke-eu"]).await;
    let client = fleet.client("gke-eu").await;
    namespace(&client, "blue").await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "blue");
    let make = |name: &str| -> ConfigMap {
        serde_json::from_value(json!({"metadata": {"name": name}})).unwrap()
    };
    maps.create(&PostParams::default(), &make("before"))
        .await
        .unwrap();
    let mut stream = watcher(maps.clone(), watcher::Config::default().streaming_lists()).boxed();
    let mut initial = Vec::new();
    let init_done = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(event) = stream.try_next().await.unwrap() {
            match event {
                watcher::Event::InitApply(c) => initial.push(c.metadata.name.unwrap()),
                watcher::Event::InitDone => return,
                _ => {}
            }
        }
    })
    .await;
    assert!(init_done.is_ok(), "no initial-events-end bookmark");
    assert_eq!(initial, vec!["before".to_owned()]);
    maps.create(&PostParams::default(), &make("after"))
        .await
        .unwrap();
    seen(&mut stream, "after").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_the_token_are_unauthorized() {
    let fleet = common::start("kube-auth", &["gke-eu"]).await;
    let mut kubeconfig = Kubeconfig::read_from(&fleet.kubeconfig).unwrap();
    for user in &mut kubeconfig.auth_infos {
        if let Some(auth) = user.auth_info.as_mut() {
            auth.token = Some("wrong".to_owned().into());
        }
    }
    let options = KubeConfigOptions {
        context: Some("gke-eu".into()),
        ..Default::default()
    };
    let config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .unwrap();
    let client = Client::try_from(config).unwrap();
    let err = Api::<Namespace>::all(client)
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 401),
        "{err:?}"
    );
}
