//! Multi-cluster ingress through the API on the default sandbox fleet
//! (config cluster gke-us; namespace blue everywhere but gke-asia-2 and
//! baremetal-1): the seed's `foo` yields derived Services on its two links
//! only and follows a deselection, an ingress gets a VIP and its routes,
//! invalid resources are refused on their fields and change nothing, the
//! config cluster switches only once the candidate holds the same
//! resources, managers read but cannot edit, and edits are audited.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, PostParams};
use serde_json::{Value, json};
use shared::ingress::api::{
    Comparison, ConfigClusterState, CopyReport, MciList, MciPreview, McsList, McsPreview,
    ReviewedChange,
};
use shared::ingress::{DifferenceKind, ExclusionReason, Selection, derived_service_name};
use shared::{ApiError, ErrorCode, FieldError, Outcome, Role, routes};

use crate::support::{Session, TestConsole, api_error, body_json, json_request};

const WAIT: Duration = Duration::from_secs(60);
const EU: &str = "europe-west1-c/gke-eu";
const ASIA_1: &str = "asia-northeast1-a/gke-asia-1";

/// The path of MultiClusterService `namespace/name`.
pub fn service_at(namespace: &str, name: &str) -> String {
    routes::fill(routes::INGRESS_SERVICE, &[&namespace, &name])
}

/// The path of MultiClusterIngress `namespace/name`.
pub fn ingress_at(namespace: &str, name: &str) -> String {
    routes::fill(routes::INGRESS_INGRESS, &[&namespace, &name])
}

/// A console on the default sandbox fleet once every member has synced
/// and its `blue` pods are Ready, and a signed-in operator.
pub async fn console() -> (TestConsole, Session) {
    let console = TestConsole::with_sandbox().await;
    let operator = console.signed_in("operator", Role::Operator, false).await;
    let deadline = Instant::now() + WAIT;
    loop {
        let response = console.get_as("/api/fleet", Some(&operator)).await;
        let fleet: shared::fleet::Fleet =
            serde_json::from_value(body_json(response).await).unwrap();
        // Synced, and the scenario's `blue` workloads up wherever they run:
        // previews count their pods.
        let settled = fleet.clusters.iter().all(|c| {
            c.reachability.is_reachable()
                && c.namespace("blue").is_none_or(|blue| {
                    let pods = blue.pod_total();
                    pods.total > 0 && pods.ready == pods.total
                })
        });
        if settled {
            break;
        }
        assert!(Instant::now() < deadline, "fleet never settled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (console, operator)
}

/// The members `/api/fleet` marks as the config cluster.
async fn fleet_config_clusters(console: &TestConsole, session: &Session) -> Vec<String> {
    let response = console.get_as("/api/fleet", Some(session)).await;
    let fleet: shared::fleet::Fleet = serde_json::from_value(body_json(response).await).unwrap();
    fleet
        .clusters
        .iter()
        .filter(|c| c.member.config_cluster)
        .map(|c| c.member.name.to_string())
        .collect()
}

/// A MultiClusterService of `namespace` selecting `app: <name>` on port 80.
pub fn mcs(namespace: &str, name: &str, links: &[&str]) -> Value {
    let mut spec = json!({"template": {"spec": {
        "selector": {"app": name},
        "ports": [{"name": "web", "protocol": "TCP", "port": 80, "targetPort": 80}]
    }}});
    if !links.is_empty() {
        let clusters: Vec<Value> = links.iter().map(|l| json!({"link": l})).collect();
        spec["clusters"] = json!(clusters);
    }
    json!({
        "apiVersion": "networking.gke.io/v1", "kind": "MultiClusterService",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec
    })
}

/// The seed's ingress: a default backend and the foo/bar host rules.
pub fn seed_ingress(default_backend: &str) -> Value {
    json!({
        "apiVersion": "networking.gke.io/v1", "kind": "MultiClusterIngress",
        "metadata": {"name": "foobar-ingress", "namespace": "blue"},
        "spec": {"template": {"spec": {
            "backend": {"serviceName": default_backend, "servicePort": 80},
            "rules": [
                {"host": "foo.example.com", "backend": {"serviceName": "foo", "servicePort": 80}},
                {"host": "bar.example.com", "backend": {"serviceName": "bar", "servicePort": 80}}
            ]
        }}}
    })
}

pub async fn send(
    console: &TestConsole,
    session: &Session,
    method: Method,
    path: &str,
    body: &Value,
) -> axum::response::Response {
    console
        .send(json_request(method, path, body, Some(session)))
        .await
}

/// The body of an apply of `object` reviewed against `resource_version`
/// (`None`: it did not exist).
pub fn applying(object: &Value, resource_version: Option<&str>) -> Value {
    match resource_version {
        Some(v) => json!({"object": object, "resource_version": v}),
        None => json!({"object": object}),
    }
}

/// Reviews `body` at `review` (a review route), expecting it reviewable.
pub async fn review_of(
    console: &TestConsole,
    session: &Session,
    review: &str,
    body: &Value,
) -> ReviewedChange {
    let response = send(console, session, Method::POST, review, body).await;
    let status = response.status();
    let json = body_json(response).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    serde_json::from_value(json).unwrap()
}

/// Reviews then PUTs a MultiClusterService with the version reviewed,
/// expecting it applied.
pub async fn put_mcs(console: &TestConsole, session: &Session, body: Value) -> ReviewedChange {
    let at = service_at(
        body["metadata"]["namespace"].as_str().unwrap(),
        body["metadata"]["name"].as_str().unwrap(),
    );
    let reviewed = review_of(console, session, routes::INGRESS_SERVICE_REVIEW, &body).await;
    let body = applying(&body, reviewed.resource_version.as_deref());
    let response = send(console, session, Method::PUT, &at, &body).await;
    let status = response.status();
    let json = body_json(response).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    serde_json::from_value(json).unwrap()
}

pub async fn get<T: serde::de::DeserializeOwned>(
    console: &TestConsole,
    session: &Session,
    path: &str,
) -> T {
    let response = console.get_as(path, Some(session)).await;
    let status = response.status();
    let json = body_json(response).await;
    assert_eq!(status, StatusCode::OK, "{path}: {json}");
    serde_json::from_value(json).unwrap()
}

/// Polls the preview of blue/`name` until `done` holds.
async fn preview_until(
    console: &TestConsole,
    session: &Session,
    name: &str,
    done: impl Fn(&McsPreview) -> bool,
) -> McsPreview {
    let deadline = Instant::now() + WAIT;
    loop {
        let p: McsPreview = get(console, session, &service_at("blue", name)).await;
        if done(&p) {
            return p;
        }
        assert!(Instant::now() < deadline, "never settled: {p:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Members whose derived Service exists, per the preview.
fn holding(p: &McsPreview) -> Vec<&str> {
    p.members
        .iter()
        .filter(|m| m.derived == Some(true))
        .map(|m| m.cluster.as_str())
        .collect()
}

fn settled(p: &McsPreview) -> bool {
    p.members
        .iter()
        .filter(|m| m.selection != Selection::Unverified)
        .all(|m| m.settled())
}

/// Whether the derived Service of blue/`mcs` exists on `cluster`, asked
/// of the cluster itself.
async fn derived_on(console: &TestConsole, cluster: &str, mcs: &str) -> bool {
    let client = console.state.fleet().client(cluster).unwrap();
    let services: Api<Service> = Api::namespaced(client, "blue");
    services
        .get_opt(&derived_service_name("blue", mcs))
        .await
        .unwrap()
        .is_some()
}

pub fn mcs_resource() -> ApiResource {
    ApiResource {
        group: "networking.gke.io".into(),
        version: "v1".into(),
        api_version: "networking.gke.io/v1".into(),
        kind: "MultiClusterService".into(),
        plural: "multiclusterservices".into(),
    }
}

/// The MultiClusterServices of `cluster`, as `namespace/name`.
pub async fn mcs_on(console: &TestConsole, cluster: &str) -> Vec<String> {
    let client = console.state.fleet().client(cluster).unwrap();
    let api: Api<DynamicObject> = Api::all_with(client, &mcs_resource());
    let mut names: Vec<String> = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o.metadata.namespace.clone().unwrap_or_default(),
                o.metadata.name.clone().unwrap_or_default()
            )
        })
        .collect();
    names.sort();
    names
}

/// The problems of a 400 refusal by validation: the one error body, its
/// `fields` set and its request id named.
async fn invalid(response: axum::response::Response) -> (ApiError, Vec<FieldError>) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let refused: ApiError = serde_json::from_value(body_json(response).await).unwrap();
    assert!(refused.request_id.is_some(), "{refused:?}");
    let fields = refused
        .fields
        .clone()
        .expect("a refusal by validation names its fields");
    (refused, fields)
}

#[tokio::test]
async fn the_seed_foo_is_derived_on_its_two_links_and_follows_a_deselection() {
    let (console, operator) = console().await;

    // Review first: shared validation passes and the dry run is a creation.
    let seed = mcs("blue", "foo", &[EU, ASIA_1]);
    let response = send(
        &console,
        &operator,
        Method::POST,
        routes::INGRESS_SERVICE_REVIEW,
        &seed,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let reviewed: ReviewedChange = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(reviewed.diff.change, shared::diff::ChangeKind::Create);
    assert!(
        mcs_on(&console, "gke-us").await.is_empty(),
        "a review wrote"
    );

    put_mcs(&console, &operator, seed).await;
    let p = preview_until(&console, &operator, "foo", settled).await;
    assert_eq!(holding(&p), ["gke-eu", "gke-asia-1"]);
    let asia_2 = p
        .members
        .iter()
        .find(|m| m.cluster.as_str() == "gke-asia-2")
        .unwrap();
    assert_eq!(
        asia_2.selection,
        Selection::Excluded {
            reason: ExclusionReason::NotInClusters
        }
    );
    assert_eq!(asia_2.derived, Some(false));
    let eu = p
        .members
        .iter()
        .find(|m| m.cluster.as_str() == "gke-eu")
        .unwrap();
    assert!(eu.pods.unwrap().total > 0, "foo's pods on gke-eu: {eu:?}");
    assert!(derived_on(&console, "gke-eu", "foo").await);
    assert!(derived_on(&console, "gke-asia-1", "foo").await);
    assert!(!derived_on(&console, "gke-asia-2", "foo").await);

    let list: McsList = get(&console, &operator, routes::INGRESS_SERVICES).await;
    assert_eq!(list.config_cluster.as_str(), "gke-us");
    assert_eq!(list.usage.services, 1);
    let chosen: Vec<&str> = list.items[0].chosen.iter().map(|c| c.as_str()).collect();
    assert_eq!(chosen, ["gke-eu", "gke-asia-1"]);

    // Deselecting gke-asia-1 removes its derived Service.
    put_mcs(&console, &operator, mcs("blue", "foo", &[EU])).await;
    let p = preview_until(&console, &operator, "foo", |p| {
        holding(p) == ["gke-eu"] && settled(p)
    })
    .await;
    assert_eq!(holding(&p), ["gke-eu"]);
    assert!(!derived_on(&console, "gke-asia-1", "foo").await);

    let audit = console
        .audit(&operator, "action=ingress.service.apply")
        .await;
    let entry = audit.entries.first().unwrap();
    assert_eq!(entry.outcome, Outcome::Success);
    assert_eq!(entry.clusters, ["gke-us"]);
    assert_eq!(entry.targets, ["MultiClusterService blue/foo"]);
    assert!(
        entry.params.contains(&"result=configured".to_owned()),
        "{entry:?}"
    );
}

#[tokio::test]
async fn an_ingress_with_hosts_and_a_default_backend_gets_a_vip() {
    let (console, operator) = console().await;
    put_mcs(&console, &operator, mcs("blue", "foo", &[EU, ASIA_1])).await;
    put_mcs(&console, &operator, mcs("blue", "bar", &[])).await;
    let ingress = seed_ingress("foo");
    let at = ingress_at("blue", "foobar-ingress");
    let response = send(
        &console,
        &operator,
        Method::PUT,
        &at,
        &applying(&ingress, None),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);

    let deadline = Instant::now() + WAIT;
    let p = loop {
        let p: MciPreview = get(&console, &operator, &at).await;
        if p.vip.is_some() {
            break p;
        }
        assert!(Instant::now() < deadline, "no VIP: {p:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(p.vip.as_deref().unwrap().starts_with("203.0.113."), "{p:?}");
    assert!(p.review.errors.is_empty(), "{:?}", p.review.errors);
    let default = &p.routes[0];
    assert!(default.default && default.route.service == "foo");
    let foo = p
        .routes
        .iter()
        .find(|r| r.route.host.as_deref() == Some("foo.example.com"))
        .unwrap();
    let clusters: Vec<&str> = foo.clusters.iter().map(|c| c.cluster.as_str()).collect();
    assert_eq!(clusters, ["gke-eu", "gke-asia-1"]);
    assert!(foo.clusters[0].pods.unwrap().total > 0, "{foo:?}");
    let bar = p
        .routes
        .iter()
        .find(|r| r.route.host.as_deref() == Some("bar.example.com"))
        .unwrap();
    assert!(
        bar.clusters.iter().any(|c| c.cluster.as_str() == "gke-us"),
        "{bar:?}"
    );

    let list: MciList = get(&console, &operator, routes::INGRESS_INGRESSES).await;
    assert_eq!(list.items[0].hosts, ["foo.example.com", "bar.example.com"]);
    assert_eq!(list.items[0].vip, p.vip);
    assert_eq!(list.usage.ingresses, 1);
}

#[tokio::test]
async fn invalid_resources_are_refused_on_their_fields_and_change_nothing() {
    let (console, operator) = console().await;

    // A link to no member.
    let bad_link = mcs("blue", "foo", &[EU, "asia-northeast1-a/gke-asia-9"]);
    for (method, path, body) in [
        (
            Method::POST,
            routes::INGRESS_SERVICE_REVIEW.to_owned(),
            bad_link.clone(),
        ),
        (
            Method::PUT,
            service_at("blue", "foo"),
            applying(&bad_link, None),
        ),
    ] {
        let (refused, fields) =
            invalid(send(&console, &operator, method, &path, &body).await).await;
        assert_eq!(refused.code, ErrorCode::BadRequest);
        let field = fields.iter().find(|f| f.field == "spec.clusters[1].link");
        assert!(
            field.is_some_and(|f| f.message.contains("gke-asia-9")),
            "{refused:?}"
        );
    }

    // A namespace the config cluster lacks.
    let purple = mcs("purple", "foo", &[]);
    let (_, fields) = invalid(
        send(
            &console,
            &operator,
            Method::PUT,
            &service_at("purple", "foo"),
            &applying(&purple, None),
        )
        .await,
    )
    .await;
    let field = fields
        .iter()
        .find(|f| f.field == "metadata.namespace")
        .unwrap();
    assert!(field.message.contains("gke-us"), "{field:?}");
    assert!(mcs_on(&console, "gke-us").await.is_empty());

    // An ingress whose backend names no MultiClusterService.
    put_mcs(&console, &operator, mcs("blue", "foo", &[EU])).await;
    let at = ingress_at("blue", "foobar-ingress");
    let create = applying(&seed_ingress("foo"), None);
    let (_, fields) = invalid(send(&console, &operator, Method::PUT, &at, &create).await).await;
    let field = fields
        .iter()
        .find(|f| f.field == "spec.template.spec.rules[1].backend.serviceName")
        .unwrap();
    assert!(field.message.contains("\"bar\""), "{field:?}");
    let response = console.get_as(&at, Some(&operator)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(mcs_on(&console, "gke-us").await, ["blue/foo"]);

    // A MultiClusterService that is a backend cannot be deleted from under
    // its ingress.
    put_mcs(&console, &operator, mcs("blue", "bar", &[])).await;
    let response = send(&console, &operator, Method::PUT, &at, &create).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = send(
        &console,
        &operator,
        Method::DELETE,
        &service_at("blue", "bar"),
        &json!({}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(
        api_error(response)
            .await
            .message
            .contains("blue/foobar-ingress")
    );

    // The refusals are audited as failures.
    let audit = console
        .audit(&operator, "action=ingress.service.apply&outcome=failure")
        .await;
    assert!(audit.entries.len() >= 2, "{audit:?}");
}

#[tokio::test]
async fn the_hundred_and_first_service_is_refused_by_the_quota() {
    let (console, operator) = console().await;
    let client = console.state.fleet().client("gke-us").unwrap();
    let api: Api<DynamicObject> = Api::namespaced_with(client, "blue", &mcs_resource());
    for i in 0..100 {
        let object: DynamicObject =
            serde_json::from_value(mcs("blue", &format!("svc-{i}"), &[EU])).unwrap();
        api.create(&PostParams::default(), &object).await.unwrap();
    }
    let (refused, fields) = invalid(
        send(
            &console,
            &operator,
            Method::PUT,
            &service_at("blue", "one-more"),
            &applying(&mcs("blue", "one-more", &[EU]), None),
        )
        .await,
    )
    .await;
    assert!(
        fields
            .iter()
            .any(|f| f.field.is_empty() && f.message.contains("limit is 100")),
        "{refused:?}"
    );
    assert!(
        !mcs_on(&console, "gke-us")
            .await
            .contains(&"blue/one-more".to_owned())
    );
    // Changing one of the hundred is not a creation. They were created
    // outside the console, so its review meets their manager's fields (a
    // 409 with the diff) and the change is an explicit take-over.
    let svc_0 = mcs("blue", "svc-0", &[EU, ASIA_1]);
    let response = send(
        &console,
        &operator,
        Method::POST,
        routes::INGRESS_SERVICE_REVIEW,
        &svc_0,
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let fresh = api_error(response).await.fresh.unwrap();
    let take_over = routes::fill(routes::INGRESS_SERVICE_TAKEOVER, &[&"blue", &"svc-0"]);
    let body = applying(&svc_0, fresh.resource_version.as_deref());
    let response = send(&console, &operator, Method::POST, &take_over, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_config_cluster_switches_only_once_the_candidate_holds_the_same_resources() {
    let (console, operator) = console().await;
    let state: ConfigClusterState = get(&console, &operator, routes::CONFIG_CLUSTER).await;
    assert_eq!(state.cluster.unwrap().as_str(), "gke-us");
    assert!(state.switchable);

    put_mcs(&console, &operator, mcs("blue", "foo", &[EU, ASIA_1])).await;
    let to = json!({"to": "gke-eu"});
    let response = send(
        &console,
        &operator,
        Method::POST,
        routes::CONFIG_SWITCH,
        &to,
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let refusal = api_error(response).await;
    assert!(
        refusal
            .message
            .contains("MultiClusterService blue/foo is missing on gke-eu"),
        "{refusal:?}"
    );
    assert_eq!(
        console
            .sandbox
            .as_ref()
            .unwrap()
            .config_cluster()
            .as_deref(),
        Some("gke-us")
    );

    let response = send(
        &console,
        &operator,
        Method::POST,
        routes::CONFIG_COMPARE,
        &to,
    )
    .await;
    let compared: Comparison = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(compared.differences.len(), 1);
    assert_eq!(compared.differences[0].difference, DifferenceKind::Missing);

    let response = send(&console, &operator, Method::POST, routes::CONFIG_COPY, &to).await;
    assert_eq!(response.status(), StatusCode::OK);
    let copied: CopyReport = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(copied.changes, ["MultiClusterService blue/foo created"]);
    assert!(copied.comparison.identical());
    assert_eq!(mcs_on(&console, "gke-eu").await, ["blue/foo"]);

    let response = send(
        &console,
        &operator,
        Method::POST,
        routes::CONFIG_SWITCH,
        &to,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let state: ConfigClusterState = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(state.cluster.unwrap().as_str(), "gke-eu");
    assert_eq!(
        console
            .sandbox
            .as_ref()
            .unwrap()
            .config_cluster()
            .as_deref(),
        Some("gke-eu")
    );
    let list: McsList = get(&console, &operator, routes::INGRESS_SERVICES).await;
    assert_eq!(list.config_cluster.as_str(), "gke-eu");
    // The live fleet follows the switch, not fleet.yaml's gke-us.
    assert_eq!(fleet_config_clusters(&console, &operator).await, ["gke-eu"]);

    let audit = console
        .audit(&operator, "action=ingress.config.switch")
        .await;
    let outcomes: Vec<Outcome> = audit.entries.iter().map(|e| e.outcome).collect();
    assert_eq!(outcomes, [Outcome::Success, Outcome::Failure]);
    assert!(audit.entries[0].params.contains(&"from=gke-us".to_owned()));
    assert_eq!(audit.entries[0].clusters, ["gke-eu"]);
}

#[tokio::test]
async fn managers_read_but_cannot_edit() {
    let (console, operator) = console().await;
    put_mcs(&console, &operator, mcs("blue", "foo", &[EU])).await;
    let manager = console.signed_in("manager", Role::Manager, false).await;
    let list: McsList = get(&console, &manager, routes::INGRESS_SERVICES).await;
    assert_eq!(list.items.len(), 1);
    let _: McsPreview = get(&console, &manager, &service_at("blue", "foo")).await;
    let edits = [
        (
            Method::PUT,
            service_at("blue", "foo"),
            applying(&mcs("blue", "foo", &[]), None),
        ),
        (
            Method::POST,
            routes::INGRESS_SERVICE_REVIEW.to_owned(),
            mcs("blue", "foo", &[]),
        ),
        (Method::DELETE, service_at("blue", "foo"), json!({})),
        (
            Method::POST,
            routes::CONFIG_SWITCH.to_owned(),
            json!({"to": "gke-eu"}),
        ),
    ];
    for (method, path, body) in edits {
        let response = send(&console, &manager, method.clone(), &path, &body).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
    assert_eq!(mcs_on(&console, "gke-us").await, ["blue/foo"]);
    let audit = console
        .audit(&operator, "action=ingress.service.apply&outcome=denied")
        .await;
    assert_eq!(audit.entries[0].actor, "manager");
}

#[tokio::test]
async fn without_a_fleet_api_the_config_cluster_is_fleet_yamls_and_cannot_be_switched() {
    let fleet = sandbox::Fleet::start(sandbox::FleetOptions::from_scenario(
        sandbox::scenario::Scenario::default_fleet(),
        None,
    ))
    .await
    .unwrap();
    let kubeconfig = crate::support::temp_dir("kubeconfig").join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    let described = kubeconfig.with_file_name("fleet.yaml");
    let mut description: shared::fleet::FleetDescription =
        serde_yaml::from_str(&std::fs::read_to_string(&described).unwrap()).unwrap();
    assert!(description.hub.is_some(), "the sandbox names its fleet API");
    description.hub = None;
    std::fs::write(&described, serde_yaml::to_string(&description).unwrap()).unwrap();
    let console = TestConsole::watching(fleet, &kubeconfig, None).await;
    let operator = console.signed_in("operator", Role::Operator, false).await;

    let state: ConfigClusterState = get(&console, &operator, routes::CONFIG_CLUSTER).await;
    assert_eq!(state.cluster.unwrap().as_str(), "gke-us");
    assert!(!state.switchable);
    assert!(state.note.unwrap().contains("no fleet API"));
    let list: McsList = get(&console, &operator, routes::INGRESS_SERVICES).await;
    assert_eq!(list.config_cluster.as_str(), "gke-us");

    let response = send(
        &console,
        &operator,
        Method::POST,
        routes::CONFIG_SWITCH,
        &json!({"to": "gke-eu"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(api_error(response).await.message.contains("hub.endpoint"));
    assert_eq!(
        console
            .sandbox
            .as_ref()
            .unwrap()
            .config_cluster()
            .as_deref(),
        Some("gke-us")
    );
}

#[tokio::test]
async fn the_live_fleet_takes_the_config_cluster_from_the_fleet_api() {
    let fleet = sandbox::Fleet::start(sandbox::FleetOptions::from_scenario(
        sandbox::scenario::Scenario::default_fleet(),
        None,
    ))
    .await
    .unwrap();
    let kubeconfig = crate::support::temp_dir("kubeconfig").join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    // Switched through the fleet API; the sandbox keeps its fleet.yaml up
    // to date, a hand-written one says gke-us still.
    fleet.set_config_cluster("gke-asia-1").unwrap();
    let described = kubeconfig.with_file_name("fleet.yaml");
    let mut description: shared::fleet::FleetDescription =
        serde_yaml::from_str(&std::fs::read_to_string(&described).unwrap()).unwrap();
    assert_eq!(description.config_cluster.as_deref(), Some("gke-asia-1"));
    description.config_cluster = Some("gke-us".into());
    std::fs::write(&described, serde_yaml::to_string(&description).unwrap()).unwrap();

    let console = TestConsole::watching(fleet, &kubeconfig, None).await;
    let operator = console.signed_in("operator", Role::Operator, false).await;
    // Read at startup, with no ingress request made.
    let deadline = Instant::now() + WAIT;
    while fleet_config_clusters(&console, &operator).await != ["gke-asia-1"] {
        assert!(
            Instant::now() < deadline,
            "the fleet kept fleet.yaml's config cluster"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Switched behind the console's back: the next look follows it.
    console
        .sandbox
        .as_ref()
        .unwrap()
        .set_config_cluster("gke-eu")
        .unwrap();
    let state: ConfigClusterState = get(&console, &operator, routes::CONFIG_CLUSTER).await;
    assert_eq!(state.cluster.unwrap().as_str(), "gke-eu");
    assert_eq!(fleet_config_clusters(&console, &operator).await, ["gke-eu"]);
}
