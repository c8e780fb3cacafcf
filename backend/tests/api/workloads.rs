//! Deploying seed 002's migrated workload through the API on the default
//! sandbox fleet: invalid input changes nothing, a same-project deploy
//! becomes Available, a cross-project pull is diagnosed with its grant, a
//! missing pull secret is offered and fixes the rollout, both
//! `imagePullSecrets` modes work, deleting a migration leaves nothing
//! behind, managers are refused, and the audit log never holds a secret.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Response, StatusCode};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Pod, Secret, Service, ServiceAccount};
use kube::api::{Api, ListParams, PostParams};
use serde_json::{Value, json};
use shared::workloads::MigrationStatus;
use shared::workloads::api::{DoctorReport, Migration, Preview};
use shared::workloads::doctor::Cause;
use shared::workloads::rollout::RolloutState;
use shared::{ErrorCode, Role};

use crate::support::{Session, TestConsole, api_error, body_json, json_request};

const WAIT: Duration = Duration::from_secs(40);

/// Seed 002's `deployment_spec.yaml` with `IMAGE` for its image.
const SPEC: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  creationTimestamp: null
  labels:
    app: quickstart-instance
  name: quickstart-instance
spec:
  replicas: 1
  selector:
    matchLabels:
      app: quickstart-instance
  strategy: {}
  template:
    metadata:
      creationTimestamp: null
      labels:
        app: quickstart-instance
    spec:
      containers:
      - image: IMAGE
        name: quickstart-instance
        resources:
          requests: {cpu: 50m, memory: 64Mi}
status: {}
---
apiVersion: v1
kind: Service
metadata:
  name: quickstart-instance
spec:
  selector:
    app: quickstart-instance
  ports:
  - port: 80
    targetPort: 8080
";

pub(crate) const PROJECT_A_IMAGE: &str = "gcr.io/project-a/quickstart-instance:v1.0.0";

/// A service account key as `gcloud iam service-accounts keys create` writes it.
const KEY: &str = r#"{
  "type": "service_account",
  "project_id": "project-a",
  "private_key_id": "4f2c",
  "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-TOP-SECRET\n-----END PRIVATE KEY-----\n",
  "client_email": "m4a-install@project-a.iam.gserviceaccount.com",
  "client_id": "1"
}"#;

fn spec(image: &str) -> String {
    SPEC.replace("IMAGE", image)
}

fn deploy_body(cluster: &str, namespace: &str, image: &str) -> Value {
    json!({"cluster": cluster, "namespace": namespace, "spec": spec(image)})
}

fn with_key(mut body: Value, mode: &str) -> Value {
    body["pull_secret"] = json!({"mode": mode, "json_key": KEY});
    body
}

pub(crate) async fn send(
    console: &TestConsole,
    session: &Session,
    method: Method,
    path: &str,
    body: &Value,
) -> Response<Body> {
    console
        .send(json_request(method, path, body, Some(session)))
        .await
}

/// A kube client for one member, as the console's registry makes it.
pub(crate) async fn kube(console: &TestConsole, member: &str) -> kube::Client {
    let kubeconfig = console.kubeconfig.as_deref().unwrap();
    let registry = backend::cluster::Registry::load(kubeconfig, None)
        .await
        .unwrap();
    registry
        .members
        .into_iter()
        .find(|r| r.member.name.as_str() == member)
        .map(|r| r.client.unwrap())
        .unwrap()
}

pub(crate) async fn create_namespace(client: &kube::Client, name: &str) {
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .unwrap();
}

/// A sandbox console, an operator, and namespace `apps` on `members`.
async fn console_with(members: &[&str]) -> (TestConsole, Session) {
    let console = TestConsole::with_sandbox().await;
    for member in members {
        create_namespace(&kube(&console, member).await, "apps").await;
    }
    let operator = console.signed_in("operator", Role::Operator, false).await;
    (console, operator)
}

async fn deploy(console: &TestConsole, session: &Session, body: &Value) -> Migration {
    let response = send(
        console,
        session,
        Method::POST,
        "/api/workloads/migrations",
        body,
    )
    .await;
    let status = response.status();
    let json = body_json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    serde_json::from_value(json).unwrap()
}

async fn migration(console: &TestConsole, session: &Session, id: &str) -> MigrationStatus {
    let response = console
        .get_as(&format!("/api/workloads/migrations/{id}"), Some(session))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

/// Polls the migration until its rollout is `state`.
async fn rollout(
    console: &TestConsole,
    session: &Session,
    id: &str,
    state: RolloutState,
) -> MigrationStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        let status = migration(console, session, id).await;
        if status.state == state {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "waited for {state:?}; last status: {status:#?}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn doctor(console: &TestConsole, session: &Session, id: &str) -> DoctorReport {
    let response = console
        .get_as(
            &format!("/api/workloads/migrations/{id}/doctor"),
            Some(session),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

pub(crate) async fn migrations(console: &TestConsole, session: &Session) -> Vec<MigrationStatus> {
    let response = console
        .get_as("/api/workloads/migrations", Some(session))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

/// Names of the objects of kind `K` in `apps`.
async fn names<K>(client: &kube::Client) -> Vec<String>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
    <K as kube::Resource>::DynamicType: Default,
{
    Api::<K>::namespaced(client.clone(), "apps")
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|o| o.meta().name.clone().unwrap_or_default())
        .collect()
}

async fn default_pull_secrets(client: &kube::Client) -> Vec<String> {
    let sa = Api::<ServiceAccount>::namespaced(client.clone(), "apps")
        .get("default")
        .await
        .unwrap();
    sa.image_pull_secrets
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.name)
        .collect()
}

#[tokio::test]
async fn invalid_input_is_refused_and_changes_nothing() {
    let (console, op) = console_with(&["gke-us"]).await;
    let good = deploy_body("gke-us", "apps", PROJECT_A_IMAGE);
    let mut bad_yaml = good.clone();
    bad_yaml["spec"] = json!(format!(
        "{}---\nkind: Service\nmetadata: {{name: x\n",
        spec(PROJECT_A_IMAGE)
    ));
    let mut no_containers = good.clone();
    no_containers["spec"] = json!(spec(PROJECT_A_IMAGE).replace(
        "      containers:\n      - image: gcr.io/project-a/quickstart-instance:v1.0.0\n        name: quickstart-instance\n        resources:\n          requests: {cpu: 50m, memory: 64Mi}\n",
        "      containers: []\n"
    ));
    let no_host = deploy_body("gke-us", "apps", "quickstart-instance:v1.0.0");
    let mut bad_key = with_key(good.clone(), "pod_template");
    bad_key["pull_secret"]["json_key"] = json!(KEY.replace("\"client_email\"", "\"email\""));
    let cases = [
        (&bad_yaml, "line 39: not valid YAML"),
        (
            &no_containers,
            "line 20: Deployment/quickstart-instance has no containers",
        ),
        (
            &no_host,
            "line 21: image \"quickstart-instance:v1.0.0\" does not name its registry host",
        ),
        (&bad_key, "the JSON key has no client_email"),
    ];
    for path in ["/api/workloads/preview", "/api/workloads/migrations"] {
        for (body, expected) in &cases {
            let response = send(&console, &op, Method::POST, path, body).await;
            assert_eq!(
                response.status(),
                StatusCode::BAD_REQUEST,
                "{path} {expected}"
            );
            let error = api_error(response).await;
            assert!(
                error.message.contains(expected),
                "{path}: {}",
                error.message
            );
        }
        let mut missing = with_key(good.clone(), "service_account");
        missing["namespace"] = json!("nowhere");
        let response = send(&console, &op, Method::POST, path, &missing).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let error = api_error(response).await;
        assert_eq!(error.code, ErrorCode::NotFound);
        assert_eq!(error.cluster.as_deref(), Some("gke-us"));
        assert_eq!(error.message, "namespace nowhere does not exist on gke-us");
        let mut unknown = good.clone();
        unknown["cluster"] = json!("gke-mars");
        let response = send(&console, &op, Method::POST, path, &unknown).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    let oversized = deploy_body("gke-us", "apps", &"a".repeat(700 * 1024));
    let response = send(
        &console,
        &op,
        Method::POST,
        "/api/workloads/migrations",
        &oversized,
    )
    .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let client = kube(&console, "gke-us").await;
    assert!(names::<Deployment>(&client).await.is_empty());
    assert!(names::<Service>(&client).await.is_empty());
    assert!(names::<Secret>(&client).await.is_empty());
    assert!(default_pull_secrets(&client).await.is_empty());
    assert!(migrations(&console, &op).await.is_empty());
}

#[tokio::test]
async fn a_same_project_deploy_becomes_available() {
    let (console, op) = console_with(&["gke-us"]).await;
    let body = deploy_body("gke-us", "apps", PROJECT_A_IMAGE);
    let response = send(&console, &op, Method::POST, "/api/workloads/preview", &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let preview: Preview = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(preview.name, "quickstart-instance");
    assert_eq!(preview.images[0].image, PROJECT_A_IMAGE);
    let access = serde_json::to_value(&preview.registries).unwrap();
    assert_eq!(
        access[0]["registry"]["kind"],
        json!({"type": "gcr", "project": "project-a"})
    );
    assert_eq!(access[0]["need"]["need"], "ready", "{access}");
    let titles: Vec<&str> = preview.changes.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Deployment apps/quickstart-instance",
            "Service apps/quickstart-instance"
        ]
    );
    assert!(
        preview
            .changes
            .iter()
            .all(|c| c.change == shared::diff::ChangeKind::Create)
    );
    // A preview is a dry run.
    assert!(
        names::<Deployment>(&kube(&console, "gke-us").await)
            .await
            .is_empty()
    );

    let created = deploy(&console, &op, &body).await;
    assert_eq!(created.cluster, "gke-us");
    assert_eq!(created.created_by, "operator");
    let objects: Vec<String> = created.objects.iter().map(|o| o.title()).collect();
    assert_eq!(
        objects,
        [
            "Deployment/quickstart-instance",
            "Service/quickstart-instance"
        ]
    );
    let status = rollout(&console, &op, &created.id, RolloutState::Available).await;
    assert_eq!(status.workloads[0].available, 1);
    assert!(status.pods.iter().all(|p| p.ready), "{status:#?}");
    assert!(
        status
            .events
            .iter()
            .any(|e| e.reason == "Pulled" && e.object.starts_with("Pod/quickstart-instance-")),
        "{:#?}",
        status.events
    );
    assert!(
        doctor(&console, &op, &created.id)
            .await
            .diagnoses
            .is_empty()
    );
    let listed = migrations(&console, &op).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].state, RolloutState::Available);
    // Deploying again updates the same migration.
    let again = deploy(&console, &op, &body).await;
    assert_eq!(again.id, created.id);
    assert_eq!(migrations(&console, &op).await.len(), 1);
}

#[tokio::test]
async fn a_cross_project_pull_is_diagnosed_with_its_grant() {
    let (console, op) = console_with(&["gke-asia-2"]).await;
    let body = deploy_body("gke-asia-2", "apps", PROJECT_A_IMAGE);
    let response = send(&console, &op, Method::POST, "/api/workloads/preview", &body).await;
    let preview = body_json(response).await;
    let need = &preview["registries"][0]["need"];
    assert_eq!(need["need"], "pull_secret", "{preview}");
    assert_eq!(
        need["grant"],
        "gsutil iam ch serviceAccount:739104825531-compute@developer.gserviceaccount.com:objectViewer gs://artifacts.project-a.appspot.com"
    );
    let created = deploy(&console, &op, &body).await;
    let failed = rollout(&console, &op, &created.id, RolloutState::Failed).await;
    assert!(
        failed.pods.iter().any(|p| matches!(
            p.waiting.as_deref(),
            Some("ErrImagePull" | "ImagePullBackOff")
        )),
        "{failed:#?}"
    );
    let report = doctor(&console, &op, &created.id).await;
    assert!(!report.diagnoses.is_empty());
    let d = &report.diagnoses[0];
    assert_eq!(
        d.cause,
        Cause::CrossProject {
            owner: "project-a".into(),
            reader: "project-b".into(),
            service_account: "739104825531-compute@developer.gserviceaccount.com".into()
        }
    );
    assert_eq!(
        d.command.as_deref(),
        Some(
            "gsutil iam ch serviceAccount:739104825531-compute@developer.gserviceaccount.com:objectViewer gs://artifacts.project-a.appspot.com"
        )
    );
    assert!(
        d.evidence.as_deref().unwrap().contains("403 Forbidden"),
        "{d:#?}"
    );
    assert_eq!(d.fix.as_ref().unwrap().secret_name, "gcr-json-key");
    // Running the command (the registry's grant) lets the pod start.
    let sandbox = console.sandbox.as_ref().unwrap();
    sandbox
        .cluster("gke-asia-2")
        .unwrap()
        .profile()
        .registries
        .grant("project-a", "project-b");
    rollout(&console, &op, &created.id, RolloutState::Available).await;
}

#[tokio::test]
async fn a_missing_pull_secret_is_offered_and_fixes_the_rollout() {
    let (console, op) = console_with(&["gke-us"]).await;
    let image = "registry.example.com/migrated/quickstart-instance:v1.0.0";
    let created = deploy(&console, &op, &deploy_body("gke-us", "apps", image)).await;
    rollout(&console, &op, &created.id, RolloutState::Failed).await;
    let report = doctor(&console, &op, &created.id).await;
    let d = &report.diagnoses[0];
    assert_eq!(d.cause, Cause::MissingPullSecret { named: None });
    let fix = d.fix.clone().unwrap();
    assert_eq!(fix.secret_name, "registry-example-com-pull");
    assert_eq!(serde_json::to_value(fix.credential).unwrap(), "basic_auth");
    let request = json!({"pull_secret": {
        "mode": "pod_template",
        "basic": {"server": "registry.example.com", "username": "deploy", "password": "hunter2-secret"},
    }});
    let path = format!("/api/workloads/migrations/{}/registry-access", created.id);
    let response = send(&console, &op, Method::POST, &path, &request).await;
    let status = response.status();
    let fixed = body_json(response).await;
    assert_eq!(status, StatusCode::OK, "{fixed}");
    assert!(!fixed.to_string().contains("hunter2"));
    assert_eq!(fixed["objects"][0]["kind"], "Secret");
    rollout(&console, &op, &created.id, RolloutState::Available).await;
    let audit = console.audit(&op, "action=workload.registry_access").await;
    let text = serde_json::to_string(&audit).unwrap();
    assert!(
        text.contains("pull_secret=registry-example-com-pull"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

#[tokio::test]
async fn both_pull_secret_modes_reach_the_pods_and_delete_leaves_nothing() {
    let console = TestConsole::with_sandbox().await;
    let client = kube(&console, "gke-asia-2").await;
    create_namespace(&client, "apps").await;
    let op = console.signed_in("operator", Role::Operator, false).await;

    // The default service account's imagePullSecrets.
    let body = with_key(
        deploy_body("gke-asia-2", "apps", PROJECT_A_IMAGE),
        "service_account",
    );
    let response = send(&console, &op, Method::POST, "/api/workloads/preview", &body).await;
    let text = String::from_utf8(crate::support::body_bytes(response).await).unwrap();
    assert!(
        !text.contains("TOP-SECRET") && !text.contains("dockerconfigjson\":"),
        "{text}"
    );
    let preview: Preview = serde_json::from_str(&text).unwrap();
    let titles: Vec<&str> = preview.changes.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Secret apps/gcr-json-key",
            "ServiceAccount apps/default",
            "Deployment apps/quickstart-instance",
            "Service apps/quickstart-instance"
        ]
    );
    let secret_lines = format!("{:?}", preview.changes[0].lines);
    assert!(
        secret_lines.contains("kubernetes.io/dockerconfigjson"),
        "{secret_lines}"
    );
    assert!(
        format!("{:?}", preview.changes[1].lines).contains("Added(\"- name: gcr-json-key\")"),
        "{:?}",
        preview.changes[1].lines
    );
    assert_eq!(
        preview.registries[0].need,
        shared::workloads::access::AccessNeed::Ready {
            reason: "the pull secret gcr-json-key has credentials for gcr.io".into()
        }
    );
    let by_account = deploy(&console, &op, &body).await;
    assert_eq!(
        by_account.service_account_secret.as_deref(),
        Some("gcr-json-key")
    );
    rollout(&console, &op, &by_account.id, RolloutState::Available).await;
    assert_eq!(default_pull_secrets(&client).await, ["gcr-json-key"]);
    let deployment = Api::<Deployment>::namespaced(client.clone(), "apps")
        .get("quickstart-instance")
        .await
        .unwrap();
    let template = deployment.spec.template.spec.unwrap();
    assert!(template.image_pull_secrets.unwrap_or_default().is_empty());
    let pods = Api::<Pod>::namespaced(client.clone(), "apps")
        .list(&ListParams::default().labels("app=quickstart-instance"))
        .await
        .unwrap();
    assert!(pods.items.iter().all(|p| {
        p.spec
            .as_ref()
            .unwrap()
            .image_pull_secrets
            .as_ref()
            .is_some_and(|s| s[0].name == "gcr-json-key")
    }));

    let path = format!("/api/workloads/migrations/{}", by_account.id);
    let response = send(&console, &op, Method::DELETE, &path, &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let deleted: Vec<String> = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(
        deleted,
        [
            "Service/quickstart-instance",
            "Deployment/quickstart-instance",
            "Secret/gcr-json-key"
        ]
    );
    assert!(default_pull_secrets(&client).await.is_empty());
    assert!(names::<Deployment>(&client).await.is_empty());
    assert!(names::<Service>(&client).await.is_empty());
    assert!(names::<Secret>(&client).await.is_empty());
    let deadline = Instant::now() + WAIT;
    while !names::<Pod>(&client).await.is_empty() {
        assert!(Instant::now() < deadline, "pods left behind");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(migrations(&console, &op).await.is_empty());

    // The pod templates' imagePullSecrets.
    let body = with_key(
        deploy_body("gke-asia-2", "apps", PROJECT_A_IMAGE),
        "pod_template",
    );
    let in_template = deploy(&console, &op, &body).await;
    assert_eq!(in_template.service_account_secret, None);
    rollout(&console, &op, &in_template.id, RolloutState::Available).await;
    assert!(default_pull_secrets(&client).await.is_empty());
    let deployment = Api::<Deployment>::namespaced(client.clone(), "apps")
        .get("quickstart-instance")
        .await
        .unwrap();
    let template = deployment.spec.template.spec.unwrap();
    assert_eq!(template.image_pull_secrets.unwrap()[0].name, "gcr-json-key");

    // The audit log names what was done, never the key.
    let audit = console.audit(&op, "action=workload.deploy").await;
    let text = serde_json::to_string(&audit).unwrap();
    assert!(
        !text.contains("TOP-SECRET") && !text.contains("PRIVATE KEY"),
        "{text}"
    );
    assert!(
        text.contains("secret_mode=service_account") && text.contains("secret_mode=pod_template"),
        "{text}"
    );
    assert!(
        text.contains("gke-asia-2") && text.contains("Deployment/quickstart-instance"),
        "{text}"
    );
    let deletes = console.audit(&op, "action=workload.delete").await;
    assert_eq!(deletes.entries.len(), 1, "{deletes:?}");
}

#[tokio::test]
async fn managers_read_but_cannot_deploy_or_delete() {
    let (console, op) = console_with(&["gke-us"]).await;
    let created = deploy(
        &console,
        &op,
        &deploy_body("gke-us", "apps", PROJECT_A_IMAGE),
    )
    .await;
    let manager = console.signed_in("manager", Role::Manager, false).await;
    let body = deploy_body("gke-us", "apps", PROJECT_A_IMAGE);
    let path = format!("/api/workloads/migrations/{}", created.id);
    let access = format!("{path}/registry-access");
    for (method, path) in [
        (Method::POST, "/api/workloads/preview"),
        (Method::POST, "/api/workloads/migrations"),
        (Method::DELETE, path.as_str()),
        (Method::POST, access.as_str()),
    ] {
        let response = send(&console, &manager, method.clone(), path, &body).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path}");
        let error = api_error(response).await;
        assert!(
            error.message.contains("needs the operator role"),
            "{}",
            error.message
        );
    }
    assert_eq!(migrations(&console, &manager).await.len(), 1);
    assert_eq!(
        migration(&console, &manager, &created.id)
            .await
            .migration
            .id,
        created.id
    );
    let denied = console.audit(&op, "action=workload.delete").await;
    assert_eq!(denied.entries.len(), 1);
    assert_eq!(denied.entries[0].outcome, shared::Outcome::Denied);
    assert_eq!(
        names::<Deployment>(&kube(&console, "gke-us").await).await,
        ["quickstart-instance"]
    );
}
