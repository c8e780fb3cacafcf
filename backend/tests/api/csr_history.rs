//! The inbox's history of decided requests: an approval short of the
//! two-person rule and a denial are listed with their officer, time and
//! reason, for every role that reads the inbox; a bad span is a 400.

use axum::http::StatusCode;
use rcgen::KeyPair;
use serde_json::json;
use shared::Role;
use shared::csr::{CsrHistory, Verdict};

use crate::csr::{CLUSTER, ISTIOD, approve_path, create, mesh_with_root, post, request, unique};
use crate::support::{Session, TestConsole, api_error, body_json};

async fn history(console: &TestConsole, session: &Session, query: &str) -> CsrHistory {
    let response = console
        .get_as(&format!("/api/csrs/history{query}"), Some(session))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_value(body_json(response).await).unwrap()
}

#[tokio::test]
async fn decided_requests_are_listed_with_officer_time_and_reason_for_every_role() {
    let console = TestConsole::with_sandbox().await;
    let (td, _) = mesh_with_root(&console).await;
    let officer = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    let key = KeyPair::generate().unwrap();
    let istiod = format!("spiffe://{td}/ns/istio-system/sa/istiod-service-account");
    let ca = unique("history-ca");
    create(
        &console,
        &ca,
        request(std::slice::from_ref(&istiod), true, &key).as_bytes(),
        "istio.io/mesh-root",
        ISTIOD,
    )
    .await;
    let workload = unique("history-deny");
    let web = format!("spiffe://{td}/ns/default/sa/web");
    create(
        &console,
        &workload,
        request(std::slice::from_ref(&web), false, &key).as_bytes(),
        "istio.io/workload",
        "alice",
    )
    .await;
    let before = console.state.clock().now();

    let response = post(&console, &officer, &approve_path(&ca), json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let deny = format!("{}/deny", shared::routes::csr(CLUSTER, &workload));
    // A refused denial decides nothing and is not listed.
    let response = post(&console, &officer, &deny, json!({"reason": ""})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = post(&console, &officer, &deny, json!({"reason": "not ours"})).await;
    assert_eq!(response.status(), StatusCode::OK);

    let seen = history(&console, &officer, "").await;
    assert_eq!(seen.days, 7);
    assert!(!seen.truncated);
    let names: Vec<&str> = seen.decisions.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec![workload.as_str(), ca.as_str()], "newest first");
    let denied = &seen.decisions[0];
    assert_eq!(denied.cluster, CLUSTER);
    assert_eq!(denied.by, "olivia");
    assert!(denied.at >= before);
    assert_eq!(
        denied.verdict,
        Verdict::Denied {
            reason: "not ours".into()
        }
    );
    assert_eq!(denied.signer.as_deref(), Some("istio.io/workload"));
    assert_eq!(
        seen.decisions[1].verdict,
        Verdict::Approved {
            approvals: "1/2".into()
        }
    );

    // Managers and operators read the inbox, so they read its history.
    for (name, role) in [("mona", Role::Manager), ("otto", Role::Operator)] {
        let session = console.signed_in(name, role, false).await;
        assert_eq!(
            history(&console, &session, "?days=1").await.decisions,
            seen.decisions
        );
    }
    // Nobody signed in reads nothing.
    let response = console.get_as("/api/csrs/history", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_span_outside_one_to_ninety_days_is_refused() {
    let console = TestConsole::with_sandbox().await;
    let officer = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    for bad in ["0", "91", "week", "-1"] {
        let response = console
            .get_as(&format!("/api/csrs/history?days={bad}"), Some(&officer))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "days={bad}");
        assert!(
            api_error(response).await.message.contains("days"),
            "days={bad}"
        );
    }
    let empty = history(&console, &officer, "?days=90").await;
    assert_eq!(empty.days, 90);
    assert!(empty.decisions.is_empty());
}
