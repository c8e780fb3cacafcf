//! Fleet-wide install plans through the API on the sandbox fleet: members
//! chosen by selector or by name, one plan per member made by the same
//! review as a per-cluster plan, totals that follow exclusions, a member
//! that hangs blocked as timed out, export, roles and audit.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use shared::Role;
use shared::mesh::fleet_plan::{
    FleetInstallSettings, FleetPlan, FleetSelection, MemberPlan, ObjectCounts,
};
use shared::mesh::{CaMode, PlanReview};

use crate::mesh::{REASON, console, fleet, post};
use crate::support::{Session, TestConsole, api_error, body_bytes, body_json, json_request};

fn settings() -> FleetInstallSettings {
    FleetInstallSettings {
        version: "1.10.6-asm.2".parse().unwrap(),
        ca: CaMode::MeshCa,
        revision: None,
    }
}

async fn plan_of(console: &TestConsole, session: &Session, body: serde_json::Value) -> FleetPlan {
    let response = post(console, session, "/api/mesh/fleet-plans", body).await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

fn member<'p>(plan: &'p FleetPlan, name: &str) -> &'p MemberPlan {
    plan.members
        .iter()
        .find(|m| m.cluster.as_str() == name)
        .unwrap_or_else(|| panic!("{name} not in {plan:#?}"))
}

async fn exclude(
    console: &TestConsole,
    session: &Session,
    plan: &str,
    names: &[&str],
) -> axum::response::Response {
    console
        .send(json_request(
            Method::PUT,
            &format!("/api/mesh/fleet-plans/{plan}/excluded"),
            &serde_json::json!({"excluded": names}),
            Some(session),
        ))
        .await
}

#[tokio::test]
async fn a_selector_lists_the_members_it_covers_and_unknown_names_are_named() {
    let (console, _operator) = console().await;
    let viewer = console.signed_in("mgr", Role::Manager, false).await;
    let select = |body: serde_json::Value| {
        let console = &console;
        let viewer = &viewer;
        async move { post(console, viewer, "/api/mesh/fleet-plans/selection", body).await }
    };
    let response = select(serde_json::json!({"platforms": ["gke"], "locations": ["asia"]})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let selection: FleetSelection = serde_json::from_value(body_json(response).await).unwrap();
    let names: Vec<&str> = selection.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["gke-asia-1", "gke-asia-2"]);
    assert!(
        selection
            .members
            .iter()
            .all(|m| m.location == "asia-northeast1-a" && m.reachability == "Reachable"),
        "{selection:#?}"
    );

    let f = fleet(&console, &viewer).await;
    let response = select(serde_json::json!({})).await;
    let all: FleetSelection = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(all.members.len(), f.clusters.len());

    // Labels of the fleet description select too.
    let response = select(serde_json::json!({"labels": {"env": "prod"}})).await;
    let prod: FleetSelection = serde_json::from_value(body_json(response).await).unwrap();
    let names: Vec<&str> = prod.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["gke-us", "gke-eu"]);
    assert_eq!(
        prod.members[0].labels.get("env").map(String::as_str),
        Some("prod")
    );

    let response = select(serde_json::json!({"names": ["gke-eu", "no-such-cluster"]})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let message = api_error(response).await.message;
    assert!(message.contains("no-such-cluster"), "{message}");
    assert!(!message.contains("gke-eu"), "{message}");

    let response = select(serde_json::json!({"names": ["gke-eu"], "platforms": ["gke"]})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = select(serde_json::json!({"platform": ["gke"]})).await;
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "a misspelt criterion"
    );
}

#[tokio::test]
async fn a_fleet_plan_reviews_each_member_as_its_own_plan_and_totals_follow_exclusions() {
    let (console, operator) = console().await;
    let plan = plan_of(
        &console,
        &operator,
        serde_json::json!({"selector": {"platforms": ["gke"]}, "settings": settings()}),
    )
    .await;
    let names: Vec<&str> = plan.members.iter().map(|m| m.cluster.as_str()).collect();
    assert_eq!(names, ["gke-us", "gke-eu", "gke-asia-1", "gke-asia-2"]);

    // Each member's row is what a per-cluster review of its settings says.
    let f = fleet(&console, &operator).await;
    let mut sum = ObjectCounts::default();
    for m in &plan.members {
        let cluster = f.cluster(m.cluster.as_str()).unwrap();
        let s = settings().for_member(&f, cluster).unwrap();
        let response = post(
            &console,
            &operator,
            "/api/mesh/plans",
            serde_json::json!({"cluster": m.cluster, "settings": s}),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        let alone: PlanReview = serde_json::from_value(body_json(response).await).unwrap();
        assert_eq!(m.counts, ObjectCounts::of(&alone.objects), "{m:?}");
        assert_eq!(m.blocked.is_empty(), alone.blocked.is_none(), "{m:?}");
        assert!(m.counts.created > 0, "{m:?}");
        // The member's own plan can be drilled into.
        let id = m.plan.as_deref().unwrap();
        let response = console
            .get_as(&format!("/api/mesh/plans/{id}/export"), Some(&operator))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        if m.runs() {
            sum.created += m.counts.created;
            sum.changed += m.counts.changed;
            sum.deleted += m.counts.deleted;
        }
    }
    assert_eq!(plan.totals.objects, sum);
    // Every member names a Service port `web`: preflight fails everywhere.
    assert_eq!((plan.totals.ready, plan.totals.blocked), (0, 4));
    for m in &plan.members {
        assert_eq!(
            m.blocked,
            ["failed check: Service ports named protocol[-suffix]"],
            "{m:?}"
        );
    }

    // Leaving gke-eu out: no longer blocking, counted as excluded.
    let response = exclude(&console, &operator, &plan.id, &["gke-eu"]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let without: FleetPlan = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!((without.totals.blocked, without.totals.excluded), (3, 1));
    assert!(member(&without, "gke-eu").excluded);
    let response = console
        .get_as(
            &format!("/api/mesh/fleet-plans/{}", plan.id),
            Some(&operator),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let stored: FleetPlan = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(stored, without, "the exclusion is kept");

    // Overriding the check with a reason on every member: all ready, and
    // the totals are the sum of their objects.
    let overridden = plan_of(
        &console,
        &operator,
        serde_json::json!({
            "selector": {"platforms": ["gke"]}, "settings": settings(),
            "overrides": [{"check": "service_port_names", "reason": REASON}]
        }),
    )
    .await;
    assert_eq!(overridden.totals.ready, 4, "{overridden:#?}");
    let all: u32 = overridden.members.iter().map(|m| m.counts.created).sum();
    assert_eq!(overridden.totals.objects.created, all);
    let eu = member(&overridden, "gke-eu").counts;
    let response = exclude(&console, &operator, &overridden.id, &["gke-eu"]).await;
    let fewer: FleetPlan = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!((fewer.totals.ready, fewer.totals.excluded), (3, 1));
    assert_eq!(fewer.totals.objects.created, all - eu.created);
    let plan = overridden;

    // A name the plan does not hold is refused by name; nothing changes.
    let response = exclude(&console, &operator, &plan.id, &["gke-eu", "ghost"]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let message = api_error(response).await.message;
    assert!(message.contains("ghost"), "{message}");
    let response = console
        .get_as(
            &format!("/api/mesh/fleet-plans/{}", plan.id),
            Some(&operator),
        )
        .await;
    let kept: FleetPlan = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(kept, fewer);

    // The export holds every member that runs: manifests and IstioOperator.
    let response = console
        .get_as(
            &format!("/api/mesh/fleet-plans/{}/export", plan.id),
            Some(&operator),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = String::from_utf8(body_bytes(response).await).unwrap();
    assert!(
        text.contains("# member gke-eu: not installed (excluded)"),
        "{text}"
    );
    for m in fewer.members.iter().filter(|m| m.runs()) {
        let rev = "asm-1106-2";
        assert!(
            text.contains(&format!("# member {}: {}-{rev}.yaml", m.cluster, m.cluster)),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "# member {}: istio-operator-{}-{rev}.yaml",
                m.cluster, m.cluster
            )),
            "{text}"
        );
    }
    assert!(text.contains("kind: IstioOperator"), "{text}");

    // Planning and leaving out are audited with every member.
    let audit = console.audit(&operator, "action=mesh.fleet.plan").await;
    let entry = audit
        .entries
        .iter()
        .find(|e| e.action == "mesh.fleet.plan")
        .unwrap();
    assert_eq!(entry.clusters, names);
    assert!(
        audit.entries.iter().any(|e| e.params.contains(&format!(
            "override=Service ports named protocol[-suffix]: {REASON}"
        ))),
        "{audit:?}"
    );
    assert!(
        audit.entries.iter().any(|e| e.params.contains(
            &"member=gke-eu: blocked: failed check: Service ports named protocol[-suffix]"
                .to_owned()
        )),
        "{audit:?}"
    );
    let audit = console
        .audit(&operator, "action=mesh.fleet.plan.exclude&outcome=failure")
        .await;
    assert!(
        audit
            .entries
            .iter()
            .any(|e| e.params.contains(&"excluded=ghost".to_owned())),
        "{audit:?}"
    );
}

#[tokio::test]
async fn named_members_must_exist_and_only_installers_plan() {
    let (console, operator) = console().await;
    let body = serde_json::json!({
        "selector": {"names": ["gke-us", "ghost-1"]},
        "excluded": ["ghost-2"],
        "settings": settings()
    });
    let response = post(&console, &operator, "/api/mesh/fleet-plans", body).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let message = api_error(response).await.message;
    assert!(message.contains("ghost-1"), "{message}");
    let body = serde_json::json!({
        "selector": {"names": ["gke-us"]}, "excluded": ["ghost-2"], "settings": settings()
    });
    let response = post(&console, &operator, "/api/mesh/fleet-plans", body).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let message = api_error(response).await.message;
    assert!(message.contains("ghost-2"), "{message}");
    let body = serde_json::json!({
        "selector": {"locations": ["antarctica"]}, "settings": settings()
    });
    let response = post(&console, &operator, "/api/mesh/fleet-plans", body).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let viewer = console.signed_in("mgr", Role::Manager, false).await;
    let body = serde_json::json!({"selector": {"names": ["gke-us"]}, "settings": settings()});
    let response = post(&console, &viewer, "/api/mesh/fleet-plans", body).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let plan = plan_of(
        &console,
        &operator,
        serde_json::json!({"selector": {"names": ["gke-us"]}, "settings": settings()}),
    )
    .await;
    let response = exclude(&console, &viewer, &plan.id, &["gke-us"]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let denied = console
        .audit(&operator, "action=mesh.fleet.plan&outcome=denied")
        .await;
    let denied = denied
        .entries
        .iter()
        .filter(|e| e.action == "mesh.fleet.plan")
        .count();
    assert_eq!(denied, 1);
    let refused = console
        .audit(&operator, "action=mesh.fleet.plan&outcome=failure")
        .await;
    let refused = refused
        .entries
        .iter()
        .filter(|e| e.action == "mesh.fleet.plan")
        .count();
    assert_eq!(refused, 3);
    let response = console
        .get_as("/api/mesh/fleet-plans/no-such-plan", Some(&operator))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_member_that_hangs_is_blocked_as_timed_out_and_slows_no_other() {
    // Each call may take two minutes: what stops the hung member is the
    // fleet plan's own bound on the member.
    let console = TestConsole::with_sandbox_bounded(Duration::from_secs(120))
        .await
        .reconfigured(|s| s.with_fleet_plan_timeout(Duration::from_secs(30)));
    let operator = console.signed_in("operator", Role::Operator, false).await;
    crate::mesh::reachable(&console, &operator).await;
    let faults = console
        .sandbox
        .as_ref()
        .unwrap()
        .cluster("gke-asia-2")
        .unwrap()
        .faults();
    faults.set(sandbox::faults::Fault::Latency(Duration::from_secs(600)));
    faults.applied().await;
    let plan = plan_of(
        &console,
        &operator,
        serde_json::json!({
            "selector": {"names": ["gke-asia-1", "gke-asia-2"]}, "settings": settings()
        }),
    )
    .await;
    let slow = member(&plan, "gke-asia-2");
    assert_eq!(slow.plan, None, "{slow:?}");
    assert_eq!(
        slow.blocked,
        ["timed out: not reviewed within 30 s"],
        "{slow:?}"
    );
    let quick = member(&plan, "gke-asia-1");
    assert!(quick.plan.is_some(), "{quick:?}");
    assert_eq!(
        plan.totals.blocked,
        1 + u32::from(!quick.blocked.is_empty())
    );
    faults.restore();
}
