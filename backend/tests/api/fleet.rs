//! The live fleet through the API: the snapshot of the default sandbox
//! fleet, changes made with a real client arriving as streamed deltas, an
//! unreachable member reported and recovering, and errors naming what is
//! unknown.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use k8s_openapi::api::core::v1::Namespace as NamespaceObject;
use kube::api::{Api, Patch, PatchParams};
use shared::fleet::{ClusterChange, Fleet, FleetDelta, Injection, Platform, Reachability};
use shared::{ErrorCode, Role};

use crate::support::{Session, TestConsole, api_error, body_json, temp_dir};

const WAIT: Duration = Duration::from_secs(30);

async fn manager(console: &TestConsole) -> Session {
    console.signed_in("mgr", Role::Manager, false).await
}

async fn fleet(console: &TestConsole, session: &Session) -> Fleet {
    let response = console.get_as("/api/fleet", Some(session)).await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

/// Polls the snapshot until `done` holds; panics with the last one after
/// [`WAIT`].
pub(crate) async fn fleet_when(
    console: &TestConsole,
    session: &Session,
    what: &str,
    done: impl Fn(&Fleet) -> bool,
) -> Fleet {
    let deadline = Instant::now() + WAIT;
    loop {
        let f = fleet(console, session).await;
        if done(&f) {
            return f;
        }
        assert!(
            Instant::now() < deadline,
            "waited for {what}; fleet: {f:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn all_reachable(f: &Fleet) -> bool {
    f.clusters.iter().all(|c| c.reachability.is_reachable())
}

/// Every member synced and the scenario's workloads up: both replicas of
/// `foo` and `bar` wherever namespace `blue` exists.
fn settled(f: &Fleet) -> bool {
    all_reachable(f)
        && f.clusters.iter().all(|c| {
            c.namespace("blue")
                .is_none_or(|blue| blue.pod_total().ready == 4)
        })
}

/// A kube client for one member, as the console's registry makes it.
async fn kube_client(console: &TestConsole, member: &str) -> kube::Client {
    let kubeconfig = console.kubeconfig.as_deref().unwrap();
    let registry = backend::cluster::Registry::load(kubeconfig, None)
        .await
        .unwrap();
    let registered = registry.members.into_iter();
    registered
        .filter(|r| r.member.name.as_str() == member)
        .map(|r| r.client.unwrap())
        .next()
        .unwrap()
}

/// Server-sent events read from a streaming response.
struct EventReader {
    body: Body,
    buffer: String,
}

/// One event: its name, id and data.
#[derive(Debug)]
struct SseEvent {
    event: String,
    id: Option<String>,
    data: String,
}

impl EventReader {
    async fn open(
        console: &TestConsole,
        session: &Session,
        path: &str,
        last_id: Option<&str>,
    ) -> Self {
        let mut request =
            Request::get(path).header("cookie", format!("meshdeck_session={}", session.cookie));
        if let Some(id) = last_id {
            request = request.header("last-event-id", id);
        }
        let response = console.send(request.body(Body::empty()).unwrap()).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Self {
            body: response.into_body(),
            buffer: String::new(),
        }
    }

    async fn next(&mut self) -> SseEvent {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = SseEvent {
                    event: "message".into(),
                    id: None,
                    data: String::new(),
                };
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event.event = v.trim().into();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        event.id = Some(v.trim().into());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        event.data.push_str(v.trim_start());
                    }
                }
                if event.data.is_empty() && event.id.is_none() {
                    continue; // a keep-alive comment
                }
                return event;
            }
            let frame = tokio::time::timeout(WAIT, self.body.frame())
                .await
                .expect("an event within the wait")
                .expect("the stream stays open")
                .unwrap();
            if let Ok(data) = frame.into_data() {
                self.buffer.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
    }

    /// Reads until the server ends the stream; panics if it is still open
    /// after `within`.
    async fn ended_within(&mut self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.body.frame()).await {
                Err(_) => panic!("the stream is still open after {within:?}"),
                Ok(None) => return,
                Ok(Some(frame)) => {
                    frame.unwrap();
                }
            }
        }
    }

    /// Reads deltas until one satisfies `wanted`.
    async fn delta_where(&mut self, wanted: impl Fn(&FleetDelta) -> bool) -> FleetDelta {
        loop {
            let event = self.next().await;
            assert_eq!(event.event, "delta", "{event:?}");
            let delta: FleetDelta = serde_json::from_str(&event.data).unwrap();
            assert_eq!(event.id, Some(delta.version.to_string()));
            if wanted(&delta) {
                return delta;
            }
        }
    }
}

#[tokio::test]
async fn the_snapshot_describes_the_default_fleet() {
    let console = TestConsole::with_sandbox().await;
    let session = manager(&console).await;
    let f = fleet_when(&console, &session, "the fleet settled", settled).await;
    assert_eq!(f.name.as_deref(), Some("meshdeck-demo"));
    let names: Vec<&str> = f.clusters.iter().map(|c| c.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "gke-us",
            "gke-eu",
            "gke-asia-1",
            "gke-asia-2",
            "onprem-vmware-1",
            "baremetal-1"
        ]
    );
    let us = f.cluster("gke-us").unwrap();
    assert!(us.member.config_cluster);
    assert!(us.kubernetes_version.as_deref().unwrap().starts_with("v1."));
    assert_eq!(us.member.project.as_ref().unwrap().number, "482915370162");
    let eu = f.cluster("gke-eu").unwrap();
    assert!(!eu.member.config_cluster);
    assert_eq!(eu.member.region(), "europe-west1");
    assert_eq!(eu.nodes.len(), 4);
    assert_eq!(eu.capacity().0, 4 * 4000);
    // Open-source Istio, unrevisioned, serving the legacy label.
    let cp = &eu.control_planes;
    assert_eq!(cp.len(), 1, "{cp:?}");
    assert_eq!(cp[0].revision, "default");
    assert_eq!(cp[0].version.as_deref(), Some("1.9.8"));
    assert!(cp[0].ready() && cp[0].webhook);
    let blue = eu.namespace("blue").unwrap();
    assert_eq!(blue.injection(), Injection::Legacy);
    assert_eq!(blue.pods["default"].total, 4);
    assert_eq!(eu.restart_pending(blue), 0);
    // istiod's own pods carry `istio.io/rev` but run no proxy, and the
    // ingress gateway's proxy is not a sidecar: nothing to restart there.
    let istio_system = eu.namespace("istio-system").unwrap();
    assert_eq!(
        istio_system.pods.keys().collect::<Vec<_>>(),
        [""],
        "{istio_system:?}"
    );
    assert_eq!(eu.restart_pending(istio_system), 0);
    // No istiod on the on-prem cluster: its labelled pods got no proxy, and
    // a restart would not give them one.
    let onprem = f.cluster("onprem-vmware-1").unwrap();
    assert_eq!(onprem.member.platform, Platform::GkeOnVmware);
    assert!(onprem.control_planes.is_empty());
    let onprem_blue = onprem.namespace("blue").unwrap();
    assert_eq!(onprem_blue.pods[""].total, 4);
    assert_eq!(onprem.restart_pending(onprem_blue), 0);
    // The untouched default fleet has nothing waiting for a restart.
    assert_eq!(f.summary().namespaces_restart_pending, 0);
    let bm = f.cluster("baremetal-1").unwrap();
    assert_eq!(bm.nodes.len(), 3);
    assert!(bm.namespace("gke-system").is_some());

    // One namespace with its pods.
    let response = console
        .get_as("/api/clusters/gke-eu/namespaces/blue", Some(&session))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let detail: shared::fleet::NamespaceDetail =
        serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(detail.pods.len(), 4);
    assert!(
        detail
            .pods
            .iter()
            .all(|p| p.revision.as_deref() == Some("default"))
    );
    let apps: std::collections::BTreeSet<_> = detail
        .pods
        .iter()
        .filter_map(|p| p.app.as_deref())
        .collect();
    assert_eq!(apps.into_iter().collect::<Vec<_>>(), ["bar", "foo"]);
}

#[tokio::test]
async fn a_relabelled_namespace_arrives_as_a_delta() {
    let console = TestConsole::with_sandbox().await;
    let session = manager(&console).await;
    let before = fleet_when(&console, &session, "the fleet settled", settled).await;
    let mut events = EventReader::open(
        &console,
        &session,
        &format!("/api/events?since={}", before.version),
        None,
    )
    .await;

    let namespaces: Api<NamespaceObject> = Api::all(kube_client(&console, "gke-eu").await);
    let patch = serde_json::json!({"metadata": {"labels": {"istio-injection": null, "istio.io/rev": "asm-1106-2"}}});
    namespaces
        .patch("blue", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .unwrap();

    let relabelled = |d: &FleetDelta| {
        d.cluster.as_str() == "gke-eu"
            && matches!(&d.change, ClusterChange::Namespace(ns)
                if ns.name == "blue" && ns.rev_label.as_deref() == Some("asm-1106-2"))
    };
    let delta = events.delta_where(relabelled).await;
    let ClusterChange::Namespace(ns) = &delta.change else {
        unreachable!()
    };
    assert_eq!(ns.injection_label, None);
    // Every pod still runs the default revision; asm-1106-2 has no injector
    // on gke-eu, so a restart would take their proxies away: all pending.
    assert_eq!(ns.restart_pending(&["default"]), 4, "{ns:?}");

    // The snapshot has it too, at (or after) the delta's version.
    let after = fleet(&console, &session).await;
    assert!(after.version >= delta.version);
    let blue = after.cluster("gke-eu").unwrap().namespace("blue").unwrap();
    assert_eq!(blue.rev_label.as_deref(), Some("asm-1106-2"));

    // A client reconnecting with the last id it saw gets what it missed.
    let mut resumed = EventReader::open(
        &console,
        &session,
        "/api/events",
        Some(&before.version.to_string()),
    )
    .await;
    let again = resumed.delta_where(relabelled).await;
    assert_eq!(again.version, delta.version);

    // Applying the stream to the old snapshot gives the same namespace.
    let mut copy = before.clone();
    let mut replay = EventReader::open(
        &console,
        &session,
        &format!("/api/events?since={}", before.version),
        None,
    )
    .await;
    while copy.version < delta.version {
        let event = replay.next().await;
        let d: FleetDelta = serde_json::from_str(&event.data).unwrap();
        assert_eq!(copy.apply(&d), Ok(true));
    }
    assert_eq!(copy.cluster("gke-eu").unwrap().namespace("blue"), Some(ns));
}

#[tokio::test]
async fn an_unreachable_member_is_reported_and_recovers() {
    let console = TestConsole::with_sandbox().await;
    let session = manager(&console).await;
    fleet_when(&console, &session, "every member synced", all_reachable).await;
    let asia = console
        .sandbox
        .as_ref()
        .unwrap()
        .cluster("gke-asia-1")
        .unwrap()
        .clone();

    asia.set_unreachable(true);
    let f = fleet_when(&console, &session, "gke-asia-1 unreachable", |f| {
        matches!(
            f.cluster("gke-asia-1").unwrap().reachability,
            Reachability::Unreachable { .. }
        )
    })
    .await;
    let down = f.cluster("gke-asia-1").unwrap();
    assert!(!down.reachability.error().unwrap().is_empty());
    // Its last known state stays on show; the others keep working.
    assert_eq!(down.nodes.len(), 5);
    assert!(
        f.clusters
            .iter()
            .filter(|c| c.name().as_str() != "gke-asia-1")
            .all(|c| c.reachability.is_reachable())
    );
    let other = console
        .get_as("/api/clusters/gke-eu/namespaces/blue", Some(&session))
        .await;
    assert_eq!(other.status(), StatusCode::OK);

    asia.set_unreachable(false);
    fleet_when(&console, &session, "gke-asia-1 back", all_reachable).await;
}

#[tokio::test]
async fn unknown_clusters_and_namespaces_are_named_in_404s() {
    let console = TestConsole::with_sandbox().await;
    let session = manager(&console).await;
    let error = api_error(
        console
            .get_as("/api/clusters/gke-mars", Some(&session))
            .await,
    )
    .await;
    assert_eq!(error.code, ErrorCode::NotFound);
    assert_eq!(error.cluster.as_deref(), Some("gke-mars"));
    assert!(error.message.contains("gke-mars"), "{}", error.message);

    let error = api_error(
        console
            .get_as("/api/clusters/gke-eu/namespaces/purple", Some(&session))
            .await,
    )
    .await;
    assert_eq!(error.code, ErrorCode::NotFound);
    assert_eq!(error.cluster.as_deref(), Some("gke-eu"));
    assert!(error.message.contains("purple"), "{}", error.message);

    // A name that cannot be a cluster's is refused as such, for the
    // cluster and for its namespaces alike.
    for path in [
        "/api/clusters/GKE_eu",
        "/api/clusters/GKE_eu/namespaces/default",
    ] {
        let error = api_error(console.get_as(path, Some(&session)).await).await;
        assert_eq!(error.code, ErrorCode::BadRequest, "{path}");
        assert!(
            error
                .message
                .contains("cluster name \"GKE_eu\" is not valid"),
            "{path}: {}",
            error.message
        );
    }

    let response = console
        .get_as("/api/events?since=soon", Some(&session))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Signed out: no fleet.
    assert_eq!(
        console.get_as("/api/fleet", None).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_client_too_far_behind_is_told_to_reload() {
    let console = TestConsole::with_sandbox().await;
    let session = manager(&console).await;
    let f = fleet(&console, &session).await;
    // An id from before this console started, and one from the future.
    for id in ["1".to_owned(), (f.version + 1_000_000).to_string()] {
        let mut events = EventReader::open(&console, &session, "/api/events", Some(&id)).await;
        let event = events.next().await;
        assert_eq!(event.event, "reload", "{event:?}");
        let notice: shared::fleet::ReloadNotice = serde_json::from_str(&event.data).unwrap();
        assert!(notice.version >= f.version);
    }
}

#[tokio::test]
async fn a_member_without_a_context_is_listed_with_the_reason() {
    let sandbox = sandbox::Fleet::start(sandbox::FleetOptions::in_memory(&["alpha"]))
        .await
        .unwrap();
    let dir = temp_dir("fleet-description");
    let kubeconfig = dir.join("kubeconfig");
    sandbox.write_kubeconfig(&kubeconfig).unwrap();
    std::fs::write(
        dir.join("fleet.yaml"),
        "fleet: {name: two, project: p}\nconfigCluster: alpha\nmembers:\n  - {name: alpha, location: europe-west1-b, platform: gke}\n  - {name: ghost, context: ghost-ctx, platform: bare-metal}\n",
    )
    .unwrap();
    let console = TestConsole::watching(sandbox, &kubeconfig, None).await;
    let session = manager(&console).await;
    let f = fleet_when(&console, &session, "alpha synced", |f| {
        f.cluster("alpha")
            .is_some_and(|c| c.reachability.is_reachable())
    })
    .await;
    assert!(f.cluster("alpha").unwrap().member.config_cluster);
    let ghost = f.cluster("ghost").unwrap();
    let Reachability::Misconfigured { error } = &ghost.reachability else {
        panic!("{ghost:?}");
    };
    assert!(
        error.contains("ghost-ctx") && error.contains("not in the kubeconfig"),
        "{error}"
    );

    // A description that does not parse stops the console with the reason.
    std::fs::write(
        dir.join("fleet.yaml"),
        "fleet: {name: x, project: p}\nmembers:\n  - {name: a, zone: b}\n",
    )
    .unwrap();
    let error = backend::cluster::Registry::load(&kubeconfig, None)
        .await
        .err()
        .unwrap();
    assert!(error.to_string().contains("zone"), "{error}");
}

/// A stream opened in a session ends soon after the session does: signed
/// out, or its account given another role. (The promise is within 5 s;
/// the wait here is wider so a loaded machine does not fail it.)
#[tokio::test]
async fn event_streams_end_with_their_session() {
    let console = TestConsole::with_sandbox().await;
    let session = manager(&console).await;
    let mut events = EventReader::open(&console, &session, "/api/events", None).await;
    let signed_out = console
        .send(crate::support::json_request(
            axum::http::Method::DELETE,
            "/api/session",
            &serde_json::json!({}),
            Some(&session),
        ))
        .await;
    assert_eq!(signed_out.status(), StatusCode::NO_CONTENT);
    events.ended_within(Duration::from_secs(15)).await;

    let session = console.signed_in("ops", Role::Operator, false).await;
    let mut events = EventReader::open(&console, &session, "/api/events", None).await;
    console
        .state
        .store()
        .update_account("ops", Role::Manager, false, None)
        .await
        .unwrap();
    events.ended_within(Duration::from_secs(15)).await;

    // A session that stands keeps its stream.
    let session = console.signed_in("mia", Role::Manager, false).await;
    let mut events = EventReader::open(&console, &session, "/api/events", None).await;
    let still_open = tokio::time::timeout(Duration::from_secs(5), events.body.frame()).await;
    assert!(
        still_open.is_err() || matches!(still_open, Ok(Some(Ok(_)))),
        "the stream of a standing session ended"
    );
}
