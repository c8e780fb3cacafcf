//! `GET /metrics` after some traffic: requests by route template (never
//! the raw path) and status, sign-in outcomes, audit entries written, a
//! member's reachability flipping under the sandbox's fault injection,
//! open event streams, stored runs by kind and state, and the
//! `--metrics-listen` split.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use backend::MetricsOn;
use backend::store::runs::RunRecord;
use shared::Role;
use tower::ServiceExt;

use crate::support::{Session, TestConsole, body_bytes, json_request};

const WAIT: Duration = Duration::from_secs(60);

/// The value of the sample `name` whose labels include every one of
/// `labels`, from a Prometheus text exposition.
pub(crate) fn sample(body: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    body.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (series_name, rest) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.strip_suffix('}')?),
                None => (series, ""),
            };
            let wanted = labels
                .iter()
                .all(|(k, v)| rest.split(',').any(|pair| pair == format!("{k}=\"{v}\"")));
            (series_name == name && wanted).then(|| value.parse().ok())?
        })
}

/// The console's `/metrics`, asked without a session (it is public).
pub(crate) async fn scrape(console: &TestConsole) -> String {
    let response = console.get_as("/metrics", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    String::from_utf8(body_bytes(response).await).unwrap()
}

/// Scrapes until `holds` says yes; panics naming `what` after [`WAIT`].
async fn scrape_until(console: &TestConsole, what: &str, holds: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let body = scrape(console).await;
        if holds(&body) {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never saw {what}:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn requests(body: &str, method: &str, route: &str, status: &str) -> Option<f64> {
    sample(
        body,
        "meshdeck_http_requests_total",
        &[("method", method), ("route", route), ("status", status)],
    )
}

async fn patch_account(console: &TestConsole, session: &Session, name: &str) -> StatusCode {
    let body = serde_json::json!({"role": "operator"});
    let request = json_request(
        Method::PATCH,
        &format!("/api/accounts/{name}"),
        &body,
        Some(session),
    );
    console.send(request).await.status()
}

#[tokio::test]
async fn requests_are_counted_by_route_template_and_status() {
    let console = TestConsole::new().await;
    let manager = console.signed_in("mila", Role::Manager, false).await;
    assert_eq!(
        console
            .try_sign_in("mila", "not-her-password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // A manager is no admin: refused by the guard.
    assert_eq!(
        patch_account(&console, &manager, "olga").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        patch_account(&console, &manager, "piotr").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        console.get_as("/api/audit", Some(&manager)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        console.get_as("/api/no/such/thing", None).await.status(),
        StatusCode::NOT_FOUND
    );

    let body = scrape(&console).await;
    assert_eq!(
        requests(&body, "PATCH", "/api/accounts/{name}", "403"),
        Some(2.0),
        "{body}"
    );
    assert_eq!(requests(&body, "GET", "/api/audit", "200"), Some(1.0));
    assert_eq!(requests(&body, "POST", "/api/session", "200"), Some(1.0));
    assert_eq!(requests(&body, "POST", "/api/session", "401"), Some(1.0));
    assert_eq!(requests(&body, "GET", "unmatched", "404"), Some(1.0));
    // The raw paths never become labels.
    assert!(
        !body.contains("olga") && !body.contains("/api/no/such"),
        "{body}"
    );
    // The latency histogram, by route template.
    assert_eq!(
        sample(
            &body,
            "meshdeck_http_request_duration_seconds_count",
            &[("method", "PATCH"), ("route", "/api/accounts/{name}")],
        ),
        Some(2.0)
    );
    assert!(
        sample(
            &body,
            "meshdeck_http_request_duration_seconds_bucket",
            &[("route", "/api/audit"), ("le", "+Inf")],
        ) == Some(1.0),
        "{body}"
    );
    for (outcome, n) in [
        ("success", 1.0),
        ("wrong_credentials", 1.0),
        ("locked", 0.0),
        ("proxy_refused", 0.0),
    ] {
        assert_eq!(
            sample(&body, "meshdeck_sign_ins_total", &[("outcome", outcome)]),
            Some(n),
            "{outcome}"
        );
    }
    // The two refusals and the failed sign-in were audited (beside the
    // reads, which are not).
    assert_eq!(
        sample(
            &body,
            "meshdeck_audit_entries_written_total",
            &[("outcome", "denied")]
        ),
        Some(2.0),
        "{body}"
    );
    assert!(
        sample(
            &body,
            "meshdeck_audit_entries_written_total",
            &[("outcome", "success")]
        )
        .is_some_and(|n| n >= 1.0)
    );
    assert_eq!(
        sample(&body, "meshdeck_audit_write_failures_total", &[]),
        Some(0.0)
    );

    // The scrape itself is counted, under its own route.
    let body = scrape(&console).await;
    assert_eq!(
        requests(&body, "GET", "/metrics", "200"),
        Some(1.0),
        "{body}"
    );
}

#[tokio::test]
async fn a_member_made_unreachable_flips_its_reachability() {
    let console = TestConsole::with_sandbox().await;
    let reachable = |body: &str, value: f64| {
        sample(
            body,
            "meshdeck_member_reachable",
            &[("cluster", "gke-asia-1")],
        ) == Some(value)
    };
    let body = scrape_until(&console, "gke-asia-1 reachable", |b| reachable(b, 1.0)).await;
    // Its watch delivered events, stamped with the console's clock.
    assert_eq!(
        sample(
            &body,
            "meshdeck_member_last_watch_event_timestamp_seconds",
            &[("cluster", "gke-asia-1")],
        ),
        Some(crate::support::START as f64),
        "{body}"
    );
    let restarts_before = sample(
        &body,
        "meshdeck_member_watch_restarts_total",
        &[("cluster", "gke-asia-1")],
    )
    .unwrap();

    let asia = console
        .sandbox
        .as_ref()
        .unwrap()
        .cluster("gke-asia-1")
        .unwrap()
        .clone();
    asia.set_unreachable(true);
    let body = scrape_until(&console, "gke-asia-1 unreachable", |b| reachable(b, 0.0)).await;
    let restarts = sample(
        &body,
        "meshdeck_member_watch_restarts_total",
        &[("cluster", "gke-asia-1")],
    )
    .unwrap();
    assert!(restarts > restarts_before, "{body}");
    // The other members are still reached (polled: on a loaded machine
    // a member may be degraded for a moment on its own).
    scrape_until(&console, "gke-eu reachable beside it", |b| {
        sample(b, "meshdeck_member_reachable", &[("cluster", "gke-eu")]) == Some(1.0)
            && reachable(b, 0.0)
    })
    .await;

    asia.set_unreachable(false);
    scrape_until(&console, "gke-asia-1 reachable again", |b| {
        reachable(b, 1.0)
    })
    .await;
}

#[tokio::test]
async fn an_open_event_stream_is_counted_while_it_lasts() {
    let console = TestConsole::new().await;
    let session = console.signed_in("mila", Role::Manager, false).await;
    let clients = |body: &str| sample(body, "meshdeck_sse_clients", &[]);
    assert_eq!(clients(&scrape(&console).await), Some(0.0));

    let stream = console.get_as("/api/events", Some(&session)).await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(clients(&scrape(&console).await), Some(1.0));
    let second = console.get_as("/api/events", Some(&session)).await;
    assert_eq!(clients(&scrape(&console).await), Some(2.0));

    drop(stream);
    assert_eq!(clients(&scrape(&console).await), Some(1.0));
    drop(second);
    assert_eq!(clients(&scrape(&console).await), Some(0.0));
}

#[tokio::test]
async fn stored_runs_are_counted_by_kind_and_state() {
    let console = TestConsole::new().await;
    let body = scrape(&console).await;
    assert!(!body.contains("meshdeck_runs{"), "{body}");
    let run = |kind: &'static str, id: &str, state: &'static str| RunRecord {
        kind,
        id: id.to_owned(),
        actor: "olga".into(),
        clusters: "gke-eu".into(),
        state,
        started: crate::support::START,
        plan: "null".into(),
        body: "{}".into(),
        owner: "elsewhere".into(),
        lease_until: 0,
    };
    let store = console.state.store();
    for record in [
        run("install", "i-1", "running"),
        run("install", "i-2", "succeeded"),
        run("install", "i-3", "succeeded"),
        run("wave", "w-1", "paused"),
    ] {
        store
            .create_run(&record, crate::support::START)
            .await
            .unwrap();
    }
    let body = scrape(&console).await;
    let runs = |kind, state| sample(&body, "meshdeck_runs", &[("kind", kind), ("state", state)]);
    assert_eq!(runs("install", "running"), Some(1.0), "{body}");
    assert_eq!(runs("install", "succeeded"), Some(2.0));
    assert_eq!(runs("wave", "paused"), Some(1.0));
    assert_eq!(runs("migration", "running"), None);
}

#[tokio::test]
async fn on_their_own_listener_the_metrics_leave_the_main_one() {
    let console = TestConsole::new().await;
    let main = backend::console(console.state.clone(), MetricsOn::OwnListener);
    let response = main
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let said = String::from_utf8(body_bytes(response).await).unwrap();
    assert!(said.contains("--metrics-listen"), "{said}");

    let own = backend::metrics::http::router(console.state.clone());
    let response = own
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = String::from_utf8(body_bytes(response).await).unwrap();
    assert!(body.contains("# TYPE meshdeck_sse_clients gauge"), "{body}");
}

#[test]
fn meshdeck_serves_the_metrics_on_the_metrics_listen_address_only() {
    let state = crate::support::temp_dir("metrics-listen");
    let served = crate::faults::serve_sandbox_with(&state, &["--metrics-listen", "127.0.0.1:0"]);
    let metrics = served.metrics.expect("the metrics address is printed");
    assert_ne!(metrics, served.addr);
    let (status, _, head) = crate::faults::http(metrics, "GET", "/metrics", &[], "");
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("version=0.0.4"), "{head}");
    let (status, _, _) = crate::faults::http(served.addr, "GET", "/metrics", &[], "");
    assert_eq!(status, 404);
}

#[tokio::test]
async fn requests_the_proxy_mode_refuses_are_counted_as_sign_in_outcomes() {
    use crate::proxy::{PROXY, console, get};
    let console = console().await;
    let outcome =
        |body: &str, outcome| sample(body, "meshdeck_sign_ins_total", &[("outcome", outcome)]);
    // A group no role is mapped to, through the trusted proxy.
    let (status, _) = get(&console, "/api/fleet", "ivan", "visitors", PROXY).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Identity headers from an address that is not the proxy.
    let (status, _) = get(&console, "/api/fleet", "olga", "staff", "10.9.9.9:5000").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Accepted: not a sign-in outcome (every request carries the identity).
    let (status, _) = get(&console, "/api/fleet", "olga", "staff", PROXY).await;
    assert_eq!(status, StatusCode::OK);
    // The sign-in form asked of a proxy-mode console.
    assert_eq!(
        console.try_sign_in("olga", "anything").await.status(),
        StatusCode::BAD_REQUEST
    );

    let body = scrape(&console).await;
    assert_eq!(outcome(&body, "proxy_refused"), Some(2.0), "{body}");
    assert_eq!(outcome(&body, "proxy_mode"), Some(1.0), "{body}");
    assert_eq!(outcome(&body, "success"), Some(0.0), "{body}");
}
