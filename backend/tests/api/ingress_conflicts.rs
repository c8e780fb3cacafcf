//! No silent overwrite of MultiClusterServices: two operators review the
//! same object and both apply; the second gets a 409 with the diff against
//! the object as it is now, and the object keeps the first one's change.
//! A take-over (held to the version that 409 showed) is audited with what
//! it overwrote; another field manager's fields are a 409 naming it; a
//! fresh review applies again, unchanged; deletes are held to the version
//! shown.

use axum::http::{Method, StatusCode};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};
use shared::diff::{ChangeKind, DiffLine, FreshReview};
use shared::ingress::api::ReviewedChange;
use shared::{ApiError, ErrorCode, Outcome, Role, routes};

use crate::ingress::{applying, console, mcs, mcs_resource, put_mcs, review_of, send, service_at};
use crate::support::{TestConsole, api_error, body_json};

const EU: &str = "europe-west1-c/gke-eu";
const ASIA_1: &str = "asia-northeast1-a/gke-asia-1";

/// The links of blue/`name` on the config cluster, read with kube.
async fn links_on_cluster(console: &TestConsole, name: &str) -> Vec<String> {
    let client = console.state.fleet().client("gke-us").unwrap();
    let api: Api<DynamicObject> = Api::namespaced_with(client, "blue", &mcs_resource());
    let object = api.get(name).await.unwrap();
    object.data["spec"]["clusters"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|l| l["link"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A 409 with the object as it is now.
async fn refused_with_fresh(response: axum::response::Response) -> (ApiError, FreshReview) {
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let error = api_error(response).await;
    assert_eq!(error.code, ErrorCode::Conflict);
    let fresh = error.fresh.clone().expect("a 409 carries the fresh diff");
    (error, fresh)
}

fn removed(diff: &shared::diff::ObjectDiff) -> Vec<&str> {
    diff.lines
        .iter()
        .filter_map(|l| match l {
            DiffLine::Removed(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_second_of_two_concurrent_applies_gets_409_with_the_diff() {
    let (console, first) = console().await;
    let second = console.signed_in("operator-2", Role::Operator, false).await;
    put_mcs(&console, &first, mcs("blue", "foo", &[EU])).await;
    let at = service_at("blue", "foo");
    let review = routes::INGRESS_SERVICE_REVIEW;

    // Both review the same object; each sees the same version.
    let mine = mcs("blue", "foo", &[EU, ASIA_1]);
    let theirs = mcs("blue", "foo", &[]);
    let a: ReviewedChange = review_of(&console, &first, review, &mine).await;
    let b: ReviewedChange = review_of(&console, &second, review, &theirs).await;
    assert!(a.resource_version.is_some());
    assert_eq!(a.resource_version, b.resource_version);

    // The first applies…
    let response = send(
        &console,
        &first,
        Method::PUT,
        &at,
        &applying(&mine, a.resource_version.as_deref()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let applied: ReviewedChange = serde_json::from_value(body_json(response).await).unwrap();
    assert_ne!(applied.resource_version, a.resource_version);

    // …the second is refused with the diff against the object as it is
    // now, and nothing of theirs is applied.
    let stale = applying(&theirs, b.resource_version.as_deref());
    let response = send(&console, &second, Method::PUT, &at, &stale).await;
    let (error, fresh) = refused_with_fresh(response).await;
    assert!(error.message.contains("changed after"), "{error:?}");
    assert_eq!(fresh.resource_version, applied.resource_version);
    assert_eq!(fresh.diff.change, ChangeKind::Update);
    assert!(
        removed(&fresh.diff).iter().any(|l| l.contains(ASIA_1)),
        "the diff shows the first one's link going: {:?}",
        fresh.diff
    );
    assert_eq!(links_on_cluster(&console, "foo").await, [EU, ASIA_1]);
    let audit = console
        .audit(&first, "action=ingress.service.apply&outcome=failure")
        .await;
    assert_eq!(audit.entries[0].actor, "operator-2");

    // A take-over is held to a version too: the stale one is refused…
    let take_over = routes::fill(routes::INGRESS_SERVICE_TAKEOVER, &[&"blue", &"foo"]);
    let response = send(&console, &second, Method::POST, &take_over, &stale).await;
    refused_with_fresh(response).await;
    assert_eq!(links_on_cluster(&console, "foo").await, [EU, ASIA_1]);
    // …the one the 409 showed overwrites, audited with what it overwrote.
    let confirmed = applying(&theirs, fresh.resource_version.as_deref());
    let response = send(&console, &second, Method::POST, &take_over, &confirmed).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(links_on_cluster(&console, "foo").await.is_empty());
    let audit = console
        .audit(&first, "action=ingress.service.take_over&outcome=success")
        .await;
    let entry = &audit.entries[0];
    assert_eq!(entry.actor, "operator-2");
    assert_eq!(entry.targets, ["MultiClusterService blue/foo"]);
    let version = fresh.resource_version.clone().unwrap();
    for expected in [
        "take_over=true".to_owned(),
        format!("overwrote=resourceVersion {version}"),
    ] {
        assert!(entry.params.contains(&expected), "{expected}: {entry:?}");
    }
    assert!(
        entry
            .params
            .iter()
            .any(|p| p.starts_with("overwritten=") && p.contains(ASIA_1)),
        "{entry:?}"
    );

    // The same apply again, freshly reviewed: it goes through, unchanged.
    let again: ReviewedChange = review_of(&console, &second, review, &theirs).await;
    assert_eq!(again.diff.change, ChangeKind::Unchanged);
    let body = applying(&theirs, again.resource_version.as_deref());
    let response = send(&console, &second, Method::PUT, &at, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let audit = console
        .audit(&first, "action=ingress.service.apply&outcome=success")
        .await;
    assert!(
        audit.entries[0]
            .params
            .contains(&"result=unchanged".to_owned()),
        "{:?}",
        audit.entries[0]
    );
    assert_eq!(audit.entries[0].outcome, Outcome::Success);
}

#[tokio::test]
async fn creations_other_managers_and_deletes_are_held_to_what_was_seen() {
    let (console, operator) = console().await;
    let at = service_at("blue", "foo");
    let foo = mcs("blue", "foo", &[EU]);
    put_mcs(&console, &operator, foo.clone()).await;

    // Applying as a creation what exists now is refused.
    let response = send(&console, &operator, Method::PUT, &at, &applying(&foo, None)).await;
    let (error, fresh) = refused_with_fresh(response).await;
    assert!(error.message.contains("absent then"), "{error:?}");
    assert!(fresh.resource_version.is_some());

    // Fields another manager owns: the review is a 409 naming it.
    let client = console.state.fleet().client("gke-us").unwrap();
    let api: Api<DynamicObject> = Api::namespaced_with(client, "blue", &mcs_resource());
    let theirs: Value = json!({
        "apiVersion": "networking.gke.io/v1", "kind": "MultiClusterService",
        "metadata": {"name": "foo", "namespace": "blue"},
        "spec": {"template": {"spec": {"selector": {"app": "other"}}}}
    });
    api.patch(
        "foo",
        &PatchParams::apply("ops-team").force(),
        &Patch::Apply(&theirs),
    )
    .await
    .unwrap();
    let response = send(
        &console,
        &operator,
        Method::POST,
        routes::INGRESS_SERVICE_REVIEW,
        &foo,
    )
    .await;
    let (error, fresh) = refused_with_fresh(response).await;
    assert!(error.message.contains("ops-team"), "{error:?}");
    assert!(
        removed(&fresh.diff).iter().any(|l| l.contains("other")),
        "{fresh:?}"
    );
    // Taking it over at that version gives the console the selector back.
    let take_over = routes::fill(routes::INGRESS_SERVICE_TAKEOVER, &[&"blue", &"foo"]);
    let body = applying(&foo, fresh.resource_version.as_deref());
    let response = send(&console, &operator, Method::POST, &take_over, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let object = api.get("foo").await.unwrap();
    assert_eq!(
        object.data["spec"]["template"]["spec"]["selector"]["app"],
        "foo"
    );
    let audit = console
        .audit(&operator, "action=ingress.service.take_over")
        .await;
    assert!(
        audit.entries[0]
            .params
            .contains(&"took_over_from=ops-team".to_owned()),
        "{:?}",
        audit.entries[0]
    );

    // A delete names the version shown: a stale one deletes nothing.
    let shown: shared::ingress::api::McsPreview =
        crate::ingress::get(&console, &operator, &at).await;
    let shown = shown.resource_version.unwrap();
    put_mcs(&console, &operator, mcs("blue", "foo", &[EU, ASIA_1])).await;
    let stale = format!("{at}?resource_version={shown}");
    let response = send(&console, &operator, Method::DELETE, &stale, &json!({})).await;
    let (_, fresh) = refused_with_fresh(response).await;
    assert_eq!(fresh.diff.change, ChangeKind::Delete);
    assert_eq!(links_on_cluster(&console, "foo").await, [EU, ASIA_1]);
    let current = format!("{at}?resource_version={}", fresh.resource_version.unwrap());
    let response = send(&console, &operator, Method::DELETE, &current, &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(crate::ingress::mcs_on(&console, "gke-us").await.is_empty());
}
