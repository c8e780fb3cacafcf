//! Finish (removing a revision's control plane) through its preview: the
//! run performs exactly the preview's steps, and a finish that cannot
//! succeed — the only control plane of a cluster, a revision still in use
//! — is refused by the preview and the run alike, changing nothing.

use axum::http::StatusCode;
use serde_json::json;
use shared::Outcome;
use shared::mesh::InstallPhase;
use shared::mesh::migration::removal::{Removal, RemovalPlan};
use shared::mesh::migration::run::MigrationRun;

use crate::migration::{client, console, exists, install, operate, outcome_of, post};
use crate::support::{Session, TestConsole, api_error, body_json};

const REV: &str = "asm-1106-2";

fn preview_path(cluster: &str, revision: &str) -> String {
    format!("/api/mesh/migrations/finish/preview?cluster={cluster}&revision={revision}")
}

/// The finish preview of `revision` on `cluster`, which must be allowed.
pub(crate) async fn preview(
    console: &TestConsole,
    session: &Session,
    cluster: &str,
    revision: &str,
) -> RemovalPlan {
    let response = console
        .get_as(&preview_path(cluster, revision), Some(session))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{cluster} {revision}");
    serde_json::from_value(body_json(response).await).unwrap()
}

/// `run`'s steps are the preview's, one per object, in its order.
pub(crate) fn assert_performs(plan: &RemovalPlan, run: &MigrationRun) {
    let planned: Vec<String> = plan.steps.iter().map(Removal::title).collect();
    let ran: Vec<&str> = run.steps.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(ran, planned, "the run's steps are the preview's");
    assert_eq!(run.cluster, plan.cluster);
    assert_eq!(run.revision, plan.revision);
}

#[tokio::test]
async fn finishing_the_old_revision_performs_exactly_its_preview() {
    let (console, operator) = console().await;
    let cluster = "gke-us";
    install(&console, &operator, cluster).await;
    let blue = json!({"cluster": cluster, "namespace": "blue", "revision": REV});
    let run = operate(&console, &operator, "migrate", blue).await;
    assert_eq!(run.phase, InstallPhase::Succeeded, "{run:#?}");

    let plan = preview(&console, &operator, cluster, "default").await;
    let titles: Vec<String> = plan.steps.iter().map(Removal::title).collect();
    // The old istiod's objects (absent ones too: deleting them is a
    // no-op), its injector, and the validation Service kept: the install
    // pointed it at asm-1106-2.
    assert!(titles.contains(&"Delete Deployment istio-system/istiod".to_owned()));
    assert!(
        titles.contains(&"Delete MutatingWebhookConfiguration istio-sidecar-injector".to_owned())
    );
    let kept: Vec<&Removal> = plan.steps.iter().filter(|s| !s.deletes()).collect();
    assert!(
        matches!(kept.as_slice(), [Removal::KeepValidation { selects, .. }] if selects == REV),
        "{plan:#?}"
    );
    let deployment = plan
        .steps
        .iter()
        .find(|s| s.object().kind == "Deployment")
        .unwrap();
    assert!(
        matches!(deployment, Removal::Delete { uid: Some(_), .. }),
        "the plan names the object it saw: {deployment:?}"
    );
    // A preview changes nothing.
    assert!(exists(&client(&console, cluster), "istiod").await);

    let run = operate(
        &console,
        &operator,
        "finish",
        json!({"cluster": cluster, "revision": "default"}),
    )
    .await;
    assert_eq!(run.phase, InstallPhase::Succeeded, "{run:#?}");
    assert_performs(&plan, &run);
    assert_eq!(
        outcome_of(&run, "Delete Deployment istio-system/istiod"),
        "deleted"
    );
    assert!(!exists(&client(&console, cluster), "istiod").await);
}

#[tokio::test]
async fn the_only_control_plane_of_a_cluster_is_never_finished() {
    let (console, operator) = console().await;
    // gke-asia-2 runs open-source istiod and its ingress gateway, with no
    // other revision to take over.
    let cluster = "gke-asia-2";
    let response = console
        .get_as(&preview_path(cluster, "default"), Some(&operator))
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let why = api_error(response).await.message;
    assert!(
        why.contains(cluster) && why.contains("only control plane"),
        "{why}"
    );

    let refused = post(
        &console,
        &operator,
        "/api/mesh/migrations/finish",
        json!({"cluster": cluster}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(api_error(refused).await.message, why);
    assert!(exists(&client(&console, cluster), "istiod").await);
    let audit = console.audit(&operator, "action=mesh.finish").await;
    assert!(
        audit
            .entries
            .iter()
            .any(|e| e.outcome == Outcome::Failure && e.clusters == vec![cluster.to_owned()]),
        "the refusal is audited: {:?}",
        audit.entries
    );
}

#[tokio::test]
async fn a_preview_of_a_revision_still_in_use_or_misnamed_is_refused() {
    let (console, operator) = console().await;
    // blue on gke-eu runs the default revision.
    let response = console
        .get_as(&preview_path("gke-eu", "default"), Some(&operator))
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let why = api_error(response).await.message;
    assert!(why.contains("blue"), "{why}");

    let response = console
        .get_as(&preview_path("gke-eu", "Not_A_Revision"), Some(&operator))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = console
        .get_as(&preview_path("nowhere", "default"), Some(&operator))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
