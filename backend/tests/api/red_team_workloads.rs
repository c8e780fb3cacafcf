//! Red team: an operator deploying a "migrated workload" to read mesh CA
//! keys or to take over someone else's objects. Each attack is refused on
//! preview, deploy and take-over alike, and the cluster (read with kube)
//! is left exactly as it was: nothing applied, no migration recorded.

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, Service};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use shared::workloads::api::{Migration, Origin};
use shared::{ApiError, ErrorCode, Outcome, Role};

use crate::support::{Session, TestConsole, api_error, body_json};
use crate::workloads::{PROJECT_A_IMAGE, create_namespace, kube, migrations, send};

const PREVIEW: &str = "/api/workloads/preview";
const DEPLOY: &str = "/api/workloads/migrations";
const TAKEOVER: &str = "/api/workloads/takeover";

/// A Deployment `name` whose pod template is `pod` plus one container.
fn workload(name: &str, pod: Value) -> Value {
    let mut pod = pod;
    let container = json!({"name": name, "image": PROJECT_A_IMAGE});
    match pod["containers"].as_array_mut() {
        Some(list) => list.insert(0, container),
        None => pod["containers"] = json!([container]),
    }
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": pod}}
    })
}

fn service(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}})
}

/// A deploy request for `objects` (JSON documents are YAML too).
fn request(namespace: &str, objects: &[Value]) -> Value {
    let spec: Vec<String> = objects
        .iter()
        .map(|o| serde_json::to_string_pretty(o).unwrap())
        .collect();
    json!({"cluster": "gke-us", "namespace": namespace, "spec": spec.join("\n---\n")})
}

fn taking_over(mut body: Value, objects: &[&str]) -> Value {
    body["take_over"] = json!(objects);
    body
}

/// A sandbox console, an operator, and a client for gke-us.
async fn setup() -> (TestConsole, Session, kube::Client) {
    let console = TestConsole::with_sandbox().await;
    let client = kube(&console, "gke-us").await;
    let operator = console.signed_in("operator", Role::Operator, false).await;
    (console, operator, client)
}

async fn add_secret(client: &kube::Client, namespace: &str, name: &str) {
    let secrets = Api::<Secret>::namespaced(client.clone(), namespace);
    if secrets.get_opt(name).await.unwrap().is_some() {
        return;
    }
    let secret: Secret = serde_json::from_value(json!({
        "metadata": {"name": name},
        "stringData": {"ca-key.pem": "-----BEGIN RSA PRIVATE KEY-----\nCA-KEY\n"}
    }))
    .unwrap();
    secrets
        .create(&PostParams::default(), &secret)
        .await
        .unwrap();
}

/// What a namespace holds, as kube reads it: every Deployment, Service,
/// Secret and ConfigMap (`Kind name`) with its spec or data and labels
/// (not the server's bookkeeping or status, which controllers update).
async fn snapshot(client: &kube::Client, namespace: &str) -> BTreeMap<String, String> {
    fn lines<K: serde::Serialize>(kind: &str, items: Vec<K>) -> Vec<(String, String)> {
        items
            .iter()
            .map(|o| {
                let v = serde_json::to_value(o).unwrap();
                let content = [&v["spec"], &v["data"], &v["metadata"]["labels"]];
                (
                    format!("{kind} {}", v["metadata"]["name"].as_str().unwrap()),
                    serde_json::to_string(&content).unwrap(),
                )
            })
            .collect()
    }
    let all = ListParams::default();
    let mut out = BTreeMap::new();
    let deployments = Api::<Deployment>::namespaced(client.clone(), namespace);
    out.extend(lines(
        "Deployment",
        deployments.list(&all).await.unwrap().items,
    ));
    let services = Api::<Service>::namespaced(client.clone(), namespace);
    out.extend(lines("Service", services.list(&all).await.unwrap().items));
    let secrets = Api::<Secret>::namespaced(client.clone(), namespace);
    out.extend(lines("Secret", secrets.list(&all).await.unwrap().items));
    let maps = Api::<ConfigMap>::namespaced(client.clone(), namespace);
    out.extend(lines("ConfigMap", maps.list(&all).await.unwrap().items));
    out
}

/// Nothing the deploy named was changed or created in `namespace` since
/// `before` (the sandbox's own controllers may add objects of theirs).
async fn untouched(client: &kube::Client, namespace: &str, before: &BTreeMap<String, String>) {
    let after = snapshot(client, namespace).await;
    for (object, content) in before {
        assert_eq!(after.get(object), Some(content), "{object} changed");
    }
    for object in after.keys().filter(|k| !before.contains_key(*k)) {
        assert!(
            !object.ends_with(" migrated") && !object.ends_with(" foo-config"),
            "{object} was created"
        );
    }
}

/// Creates `namespace` unless the sandbox has it.
async fn ensure_namespace(client: &kube::Client, namespace: &str) {
    let namespaces = Api::<Namespace>::all(client.clone());
    if namespaces.get_opt(namespace).await.unwrap().is_none() {
        create_namespace(client, namespace).await;
    }
}

/// Sends `body` to preview, deploy and take-over: each is a 400 naming
/// every field of `fields`; returns the deploy's error.
async fn refused_everywhere(
    console: &TestConsole,
    op: &Session,
    body: &Value,
    fields: &[&str],
) -> ApiError {
    let takeover = taking_over(body.clone(), &["Deployment x/y"]);
    let mut deployed = None;
    for (path, body) in [(PREVIEW, body), (DEPLOY, body), (TAKEOVER, &takeover)] {
        let response = send(console, op, Method::POST, path, body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let error = api_error(response).await;
        let named: Vec<&str> = error
            .fields
            .iter()
            .flatten()
            .map(|f| f.field.as_str())
            .collect();
        for field in fields {
            assert!(named.contains(field), "{path}: {field} not in {named:?}");
        }
        if path == DEPLOY {
            deployed = Some(error);
        }
    }
    deployed.unwrap()
}

/// No migration, and the deploy's refusal in the audit log.
async fn nothing_recorded(console: &TestConsole, op: &Session) {
    assert!(migrations(console, op).await.is_empty());
    for action in ["workload.preview", "workload.deploy", "workload.takeover"] {
        let audit = console.audit(op, &format!("action={action}")).await;
        assert!(!audit.entries.is_empty(), "{action} not audited");
        assert!(
            audit.entries.iter().all(|e| e.outcome == Outcome::Failure
                && e.params.iter().any(|p| p.starts_with("error="))),
            "{audit:?}"
        );
    }
}

/// The reported attack: into istio-system, as istiod, mounting cacerts.
#[tokio::test]
async fn istio_system_as_istiod_with_cacerts_is_refused() {
    let (console, op, client) = setup().await;
    ensure_namespace(&client, "istio-system").await;
    add_secret(&client, "istio-system", "cacerts").await;
    let before = snapshot(&client, "istio-system").await;
    let pod = json!({"serviceAccountName": "istiod",
        "volumes": [{"name": "cacerts", "secret": {"secretName": "cacerts"}}]});
    let body = request("istio-system", &[workload("migrated", pod)]);
    let at = "Deployment/migrated.spec.template.spec";
    let error = refused_everywhere(
        &console,
        &op,
        &body,
        &[
            "namespace",
            &format!("{at}.serviceAccountName"),
            &format!("{at}.volumes[0].secret.secretName"),
        ],
    )
    .await;
    assert!(
        error
            .message
            .contains("namespace istio-system holds a mesh control plane"),
        "{}",
        error.message
    );
    for namespace in ["kube-system", "gke-system"] {
        let elsewhere = request(namespace, &[workload("migrated", json!({}))]);
        refused_everywhere(&console, &op, &elsewhere, &["namespace"]).await;
    }
    untouched(&client, "istio-system", &before).await;
    let kube_system = Api::<Deployment>::namespaced(client.clone(), "kube-system");
    assert!(kube_system.get_opt("migrated").await.unwrap().is_none());
    nothing_recorded(&console, &op).await;
}

/// Any namespace holding a CA's Secret or ConfigMap is out of reach: the
/// backend reads the live namespace.
#[tokio::test]
async fn a_namespace_holding_ca_material_is_refused() {
    let (console, op, client) = setup().await;
    create_namespace(&client, "ca-copy").await;
    add_secret(&client, "ca-copy", "istio-ca-cert").await;
    create_namespace(&client, "trust").await;
    let map: ConfigMap = serde_json::from_value(
        json!({"metadata": {"name": "istio-ca-cert-csr"}, "data": {"k": "v"}}),
    )
    .unwrap();
    Api::<ConfigMap>::namespaced(client.clone(), "trust")
        .create(&PostParams::default(), &map)
        .await
        .unwrap();
    for (namespace, held) in [
        ("ca-copy", "Secret istio-ca-cert"),
        ("trust", "ConfigMap istio-ca-cert-csr"),
    ] {
        let before = snapshot(&client, namespace).await;
        let body = request(
            namespace,
            &[workload("migrated", json!({})), service("migrated")],
        );
        let error = refused_everywhere(&console, &op, &body, &["namespace"]).await;
        assert!(
            error
                .message
                .contains(&format!("holds mesh CA material ({held})")),
            "{}",
            error.message
        );
        untouched(&client, namespace, &before).await;
    }
    nothing_recorded(&console, &op).await;
}

#[tokio::test]
async fn mesh_service_accounts_are_refused() {
    let (console, op, client) = setup().await;
    create_namespace(&client, "apps").await;
    let before = snapshot(&client, "apps").await;
    for account in ["istiod", "istiod-asm-1106-2", "istio-ingressgateway"] {
        let body = request(
            "apps",
            &[workload("migrated", json!({"serviceAccountName": account}))],
        );
        let error = refused_everywhere(
            &console,
            &op,
            &body,
            &["Deployment/migrated.spec.template.spec.serviceAccountName"],
        )
        .await;
        assert!(
            error
                .message
                .contains(&format!("pods may not run as {account}"))
        );
    }
    untouched(&client, "apps", &before).await;
    nothing_recorded(&console, &op).await;
}

#[tokio::test]
async fn secrets_and_tokens_the_migration_did_not_create_are_refused() {
    let (console, op, client) = setup().await;
    create_namespace(&client, "apps").await;
    add_secret(&client, "apps", "db-password").await;
    let before = snapshot(&client, "apps").await;
    let pod = json!({
        "volumes": [
            {"name": "db", "secret": {"secretName": "db-password"}},
            {"name": "token", "projected": {"sources": [
                {"serviceAccountToken": {"path": "token", "audience": "istio-ca"}}]}}
        ],
    });
    let mut deployment = workload("migrated", pod);
    deployment["spec"]["template"]["spec"]["containers"][0]["envFrom"] =
        json!([{"secretRef": {"name": "db-password"}}]);
    let at = "Deployment/migrated.spec.template.spec";
    refused_everywhere(
        &console,
        &op,
        &request("apps", &[deployment]),
        &[
            &format!("{at}.volumes[0].secret.secretName"),
            &format!("{at}.volumes[1].projected.sources[0].serviceAccountToken"),
            &format!("{at}.containers[0].envFrom[0].secretRef.name"),
        ],
    )
    .await;
    untouched(&client, "apps", &before).await;
    nothing_recorded(&console, &op).await;
}

#[tokio::test]
async fn host_path_is_refused() {
    let (console, op, client) = setup().await;
    create_namespace(&client, "apps").await;
    let pod = json!({"volumes": [{"name": "node", "hostPath": {"path": "/etc/kubernetes/pki"}}]});
    refused_everywhere(
        &console,
        &op,
        &request("apps", &[workload("migrated", pod)]),
        &["Deployment/migrated.spec.template.spec.volumes[0].hostPath"],
    )
    .await;
    untouched(&client, "apps", &BTreeMap::new()).await;
    nothing_recorded(&console, &op).await;
}

#[tokio::test]
async fn privileged_containers_are_refused() {
    let (console, op, client) = setup().await;
    create_namespace(&client, "apps").await;
    let pod = json!({"initContainers": [{"name": "root", "image": PROJECT_A_IMAGE,
        "securityContext": {"privileged": true}}]});
    refused_everywhere(
        &console,
        &op,
        &request("apps", &[workload("migrated", pod)]),
        &["Deployment/migrated.spec.template.spec.initContainers[0].securityContext.privileged"],
    )
    .await;
    untouched(&client, "apps", &BTreeMap::new()).await;
    nothing_recorded(&console, &op).await;
}

#[tokio::test]
async fn host_network_and_pid_are_refused() {
    let (console, op, client) = setup().await;
    create_namespace(&client, "apps").await;
    let pod = json!({"hostNetwork": true, "hostPID": true});
    let at = "Deployment/migrated.spec.template.spec";
    refused_everywhere(
        &console,
        &op,
        &request("apps", &[workload("migrated", pod)]),
        &[&format!("{at}.hostNetwork"), &format!("{at}.hostPID")],
    )
    .await;
    untouched(&client, "apps", &BTreeMap::new()).await;
    nothing_recorded(&console, &op).await;
}

/// The seed's `blue/foo` (Deployment and Service) on gke-us, applied by
/// the sandbox's `scenario` field manager, not by the console.
const FOO_IMAGE: &str = "gcr.io/google-samples/hello-app:1.0";

async fn blue_foo(client: &kube::Client) -> Api<Deployment> {
    let deployments = Api::<Deployment>::namespaced(client.clone(), "blue");
    let original = deployments.get("foo").await.unwrap();
    assert_eq!(image(&original), FOO_IMAGE);
    assert!(
        managers(&original).contains(&"scenario".to_owned()),
        "{:?}",
        managers(&original)
    );
    deployments
}

fn config(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}})
}

fn managers(deployment: &Deployment) -> Vec<String> {
    deployment
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .filter_map(|m| m.manager.clone())
        .collect()
}

fn image(deployment: &Deployment) -> String {
    let pod = deployment.spec.template.spec.as_ref().unwrap();
    pod.containers[0].image.clone().unwrap()
}

/// The reported take-over: a spec named like an existing Deployment.
#[tokio::test]
async fn a_spec_named_like_someone_elses_deployment_is_a_409_naming_its_owner() {
    let (console, op, client) = setup().await;
    let deployments = blue_foo(&client).await;
    let before = snapshot(&client, "blue").await;
    // Different values, and the very same ones: neither takes it.
    let mut same = deployments.get("foo").await.unwrap();
    same.metadata = kube::api::ObjectMeta {
        name: Some("foo".into()),
        labels: same.metadata.labels,
        ..Default::default()
    };
    same.status = None;
    let mut same = serde_json::to_value(same).unwrap();
    same["apiVersion"] = json!("apps/v1");
    same["kind"] = json!("Deployment");
    for spec in [workload("foo", json!({})), same] {
        let body = request("blue", &[spec, config("foo-config")]);
        for path in [PREVIEW, DEPLOY] {
            let response = send(&console, &op, Method::POST, path, &body).await;
            assert_eq!(response.status(), StatusCode::CONFLICT, "{path}");
            let error = api_error(response).await;
            assert_eq!(error.code, ErrorCode::Conflict);
            assert_eq!(error.cluster.as_deref(), Some("gke-us"));
            assert!(
                error.message.contains("Deployment blue/foo (managed by ")
                    && error.message.contains("scenario")
                    && error.message.contains("already exists"),
                "{}",
                error.message
            );
            assert!(error.message.contains("take it over explicitly"));
            let objects: Vec<&str> = error
                .fields
                .iter()
                .flatten()
                .map(|f| f.field.as_str())
                .collect();
            assert_eq!(objects, ["Deployment blue/foo"], "{path}");
        }
    }
    let original = deployments.get("foo").await.unwrap();
    assert_eq!(image(&original), FOO_IMAGE);
    assert!(
        !managers(&original).contains(&"meshdeck".to_owned()),
        "{:?}",
        managers(&original)
    );
    untouched(&client, "blue", &before).await;
    assert!(migrations(&console, &op).await.is_empty());
}

/// An object the migration holds is never forced either: another
/// manager's change to it is a 409 naming that manager.
#[tokio::test]
async fn applies_never_force_a_conflict_names_the_other_manager() {
    let (console, op, client) = setup().await;
    create_namespace(&client, "apps").await;
    let body = request("apps", &[workload("web", json!({}))]);
    let response = send(&console, &op, Method::POST, DEPLOY, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let deployments = Api::<Deployment>::namespaced(client.clone(), "apps");
    let scale = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"}, "spec": {"replicas": 3}});
    deployments
        .patch(
            "web",
            &PatchParams::apply("hpa-by-hand").force(),
            &Patch::Apply(&scale),
        )
        .await
        .unwrap();
    for path in [PREVIEW, DEPLOY] {
        let response = send(&console, &op, Method::POST, path, &body).await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "{path}");
        let error = api_error(response).await;
        assert!(
            error.message.contains("conflict with \"hpa-by-hand\"")
                && error.message.contains(".spec.replicas"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("does not force"),
            "{}",
            error.message
        );
    }
    let web = deployments.get("web").await.unwrap();
    assert_eq!(web.spec.replicas, Some(3));
}

/// Taking over is a separate request naming exactly the objects; it is
/// audited, and deleting the migration leaves what it took over.
#[tokio::test]
async fn taking_over_is_confirmed_audited_and_deleting_keeps_the_original() {
    let (console, op, client) = setup().await;
    let deployments = blue_foo(&client).await;
    let before = snapshot(&client, "blue").await;
    let body = request(
        "blue",
        &[
            workload("foo", json!({})),
            service("foo"),
            config("foo-config"),
        ],
    );
    // Unconfirmed, or naming the wrong objects: refused, nothing changed.
    for (take_over, expected) in [
        (vec![], "name the objects to take over"),
        (
            vec!["Deployment blue/foo"],
            "other owners manage Service blue/foo",
        ),
        (
            vec![
                "Deployment blue/foo",
                "Service blue/foo",
                "ConfigMap blue/foo-config",
            ],
            "nothing needs taking over in ConfigMap blue/foo-config",
        ),
    ] {
        let response = send(
            &console,
            &op,
            Method::POST,
            TAKEOVER,
            &taking_over(body.clone(), &take_over),
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{take_over:?}");
        let error = api_error(response).await;
        assert!(error.message.contains(expected), "{}", error.message);
    }
    untouched(&client, "blue", &before).await;
    assert!(migrations(&console, &op).await.is_empty());

    let confirmed = taking_over(body.clone(), &["Deployment blue/foo", "Service blue/foo"]);
    let response = send(&console, &op, Method::POST, TAKEOVER, &confirmed).await;
    let status = response.status();
    let json = body_json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    let migration: Migration = serde_json::from_value(json).unwrap();
    let origins: Vec<(String, Origin)> = migration
        .objects
        .iter()
        .map(|o| (o.title(), o.origin))
        .collect();
    assert_eq!(
        origins,
        [
            ("Deployment/foo".to_owned(), Origin::TakenOver),
            ("Service/foo".to_owned(), Origin::TakenOver),
            ("ConfigMap/foo-config".to_owned(), Origin::Created)
        ]
    );
    let original = deployments.get("foo").await.unwrap();
    assert_eq!(image(&original), PROJECT_A_IMAGE);
    assert!(managers(&original).contains(&"meshdeck".to_owned()));
    let audit = console.audit(&op, "action=workload.takeover").await;
    let done: Vec<_> = audit
        .entries
        .iter()
        .filter(|e| e.outcome == Outcome::Success)
        .collect();
    assert_eq!(done.len(), 1, "{audit:?}");
    assert!(
        done[0]
            .params
            .contains(&"take_over=Deployment blue/foo".to_owned()),
        "{:?}",
        done[0]
    );
    assert!(
        done[0].targets.contains(&"Deployment/foo".to_owned()),
        "{:?}",
        done[0]
    );
    // Deploying again needs no take-over: the migration holds it now.
    let response = send(&console, &op, Method::POST, DEPLOY, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let path = format!("{DEPLOY}/{}", migration.id);
    let response = send(&console, &op, Method::DELETE, &path, &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let deleted: Vec<String> = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(deleted, ["ConfigMap/foo-config"]);
    assert!(
        deployments.get_opt("foo").await.unwrap().is_some(),
        "the original was deleted"
    );
    let services = Api::<Service>::namespaced(client.clone(), "blue");
    assert!(
        services.get_opt("foo").await.unwrap().is_some(),
        "the original was deleted"
    );
    let maps = Api::<ConfigMap>::namespaced(client.clone(), "blue");
    assert!(maps.get_opt("foo-config").await.unwrap().is_none());
    assert!(migrations(&console, &op).await.is_empty());
}

/// The doctor's fix re-applies a migration: it is held to the same rule
/// (no pull secret named like CA material).
#[tokio::test]
async fn the_doctors_fix_cannot_plant_ca_material() {
    let (console, op, client) = setup().await;
    create_namespace(&client, "apps").await;
    let response = send(
        &console,
        &op,
        Method::POST,
        DEPLOY,
        &request("apps", &[workload("web", json!({}))]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let migration: Migration = serde_json::from_value(body_json(response).await).unwrap();
    let before = snapshot(&client, "apps").await;
    let fix = json!({"pull_secret": {"mode": "pod_template", "name": "cacerts",
        "basic": {"server": "registry.example.com", "username": "u", "password": "p"}}});
    let path = format!("{DEPLOY}/{}/registry-access", migration.id);
    let response = send(&console, &op, Method::POST, &path, &fix).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error = api_error(response).await;
    assert_eq!(error.fields.unwrap()[0].field, "pull_secret.name");
    untouched(&client, "apps", &before).await;
    let secrets = Api::<Secret>::namespaced(client.clone(), "apps");
    assert!(secrets.get_opt("cacerts").await.unwrap().is_none());
}
