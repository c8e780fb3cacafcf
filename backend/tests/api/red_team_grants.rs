//! An operator (and a lone officer) turned against the intermediates
//! (issue 21: intermediates are officer decisions): an Istio CA install
//! issues a cluster's intermediate only under an issuance grant that two
//! distinct, current security officers agreed to; the operator cannot make
//! one, one officer cannot make one alone, a revoked grant or one whose
//! second officer was demoted no longer counts, and every issue is audited
//! with its serial and fingerprint.

use axum::http::StatusCode;
use k8s_openapi::api::core::v1::Secret;
use kube::api::Api;
use shared::Role;
use shared::csr::{GrantState, IssuanceGrant, IssuanceGrants};
use shared::mesh::{CaMode, Check, InstallPhase, PlanReview, Verdict};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::mesh::{REASON, client, console, finished, install, post, review, settings};
use crate::support::{Session, TestConsole, api_error, body_json};

const TRUST_DOMAIN: &str = "project-a.svc.id.goog";
const NOT_GRANTED: &str = "No security officer has granted issuing gke-asia-2's intermediate CA";

async fn grants(console: &TestConsole, session: &Session) -> Vec<IssuanceGrant> {
    let response = console
        .get_as(shared::routes::CA_GRANTS, Some(session))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let grants: IssuanceGrants = serde_json::from_value(body_json(response).await).unwrap();
    grants.grants
}

fn proposal(mesh: &shared::mesh::MeshId) -> serde_json::Value {
    serde_json::json!({
        "mesh": mesh,
        "clusters": ["gke-asia-2"],
        "trust_domain": TRUST_DOMAIN,
        "validity_days": 30,
        "grant_days": 7,
    })
}

fn not_granted(plan: &PlanReview) {
    let ca = plan.preflight.result(Check::CaMode).unwrap();
    assert_eq!(ca.verdict, Verdict::Fail, "{ca:?}");
    assert!(!ca.overridable, "no override grants issuance");
    assert!(ca.evidence[0].contains(NOT_GRANTED), "{ca:?}");
    assert!(plan.blocked.is_some());
}

async fn cacerts(console: &TestConsole) -> Option<Secret> {
    let secrets: Api<Secret> = Api::namespaced(client(console, "gke-asia-2"), "istio-system");
    secrets.get_opt("cacerts").await.unwrap()
}

#[tokio::test]
async fn an_intermediate_is_issued_only_under_a_grant_two_current_officers_agreed_to() {
    let (console, operator) = console().await;
    let s = settings(
        &console,
        &operator,
        "gke-asia-2",
        CaMode::IstioCaPluginCerts,
    )
    .await;
    console.mesh_root(&s.mesh_id).await;
    let olivia = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    let sam = console.signed_in("sam", Role::SecurityOfficer, false).await;
    let ada = console.signed_in("ada", Role::SecurityOfficer, true).await;

    // With the root but no grant, the plan is blocked and cannot run.
    let plan = review(&console, &operator, "gke-asia-2", &s).await;
    not_granted(&plan);
    let refused = post(
        &console,
        &operator,
        shared::routes::MESH_INSTALLS,
        serde_json::json!({"plan": plan.id, "overrides": crate::mesh::overrides(REASON)}),
    )
    .await;
    assert_ne!(refused.status(), StatusCode::ACCEPTED);
    assert!(cacerts(&console).await.is_none());

    // The operator cannot propose a grant; bad proposals change nothing.
    let response = post(
        &console,
        &operator,
        shared::routes::CA_GRANTS,
        proposal(&s.mesh_id),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let mut bad = proposal(&s.mesh_id);
    bad["validity_days"] = 0.into();
    let response = post(&console, &olivia, shared::routes::CA_GRANTS, bad).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(api_error(response).await.message.contains("1 to 365 days"));
    let mut bad = proposal(&s.mesh_id);
    bad["clusters"] = serde_json::json!(["gke-mars"]);
    let response = post(&console, &olivia, shared::routes::CA_GRANTS, bad).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(api_error(response).await.message.contains("gke-mars"));
    let mut bad = proposal(&s.mesh_id);
    bad["mesh"] = "proj-4242424242".into();
    let response = post(&console, &olivia, shared::routes::CA_GRANTS, bad).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(api_error(response).await.message.contains("has no root"));
    assert!(grants(&console, &operator).await.is_empty());

    // One officer proposes: not active, and she cannot approve it herself.
    let response = post(
        &console,
        &olivia,
        shared::routes::CA_GRANTS,
        proposal(&s.mesh_id),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let proposed: IssuanceGrant = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(proposed.state, GrantState::Proposed);
    assert_eq!((proposed.approvals.len(), proposed.required), (1, 2));
    let approve = shared::routes::ca_grant_approve(&proposed.id);
    let response = post(&console, &olivia, &approve, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let response = post(&console, &operator, &approve, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    not_granted(&review(&console, &operator, "gke-asia-2", &s).await);

    // A second officer agrees: the plan passes and the install issues.
    let response = post(&console, &sam, &approve, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let active: IssuanceGrant = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(active.state, GrantState::Active);
    assert_eq!(active.approvals, ["olivia", "sam"]);
    let plan = review(&console, &operator, "gke-asia-2", &s).await;
    let ca = plan.preflight.result(Check::CaMode).unwrap();
    assert_eq!(ca.verdict, Verdict::Pass, "{ca:?}");
    let run = install(&console, &operator, &plan.id, Some(REASON)).await;
    let done = finished(&console, &operator, &run.id).await;
    assert_eq!(done.phase, InstallPhase::Succeeded, "{done:#?}");

    // Issued as granted: 30 days, audited with serial and fingerprint.
    let secret = cacerts(&console).await.expect("cacerts written");
    let pem = secret.data.unwrap()["ca-cert.pem"].0.clone();
    let der = pem::parse(&pem).unwrap().into_contents();
    let (_, cert) = X509Certificate::from_der(&der).unwrap();
    let lifetime = cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp();
    assert!(
        (29 * 86_400..=31 * 86_400).contains(&lifetime),
        "{lifetime} s"
    );
    let audit = console.audit(&olivia, "action=ca.intermediate.issue").await;
    assert_eq!(audit.entries.len(), 1);
    let entry = &audit.entries[0];
    let serial = hex::encode(cert.raw_serial());
    let sha256 = backend::security::ca::fingerprint(&der);
    assert_eq!(entry.actor, "operator", "the operator whose run issued it");
    for param in [
        format!("run={}", run.id),
        format!("grant={}", active.id),
        format!("serial={serial}"),
        format!("sha256={sha256}"),
        "officers=olivia,sam".to_owned(),
    ] {
        assert!(entry.params.contains(&param), "{param} in {entry:?}");
    }

    // Sam is demoted: the grant counts one officer again and is no longer
    // active, so a plan that must issue is blocked.
    let demote = crate::accounts::patch(
        &console,
        &ada,
        "sam",
        serde_json::json!({"role": "operator"}),
    )
    .await;
    assert_eq!(demote.status(), StatusCode::OK);
    let secrets: Api<Secret> = Api::namespaced(client(&console, "gke-asia-2"), "istio-system");
    secrets
        .delete("cacerts", &Default::default())
        .await
        .unwrap();
    not_granted(&review(&console, &operator, "gke-asia-2", &s).await);
    let listed = grants(&console, &operator).await;
    assert_eq!(listed[0].state, GrantState::Proposed, "{listed:?}");
    assert_eq!(listed[0].approvals, ["olivia"]);
    // Another current officer makes it active again.
    let response = post(&console, &ada, &approve, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let again: IssuanceGrant = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(again.state, GrantState::Active);
    assert_eq!(again.approvals, ["olivia", "ada"]);

    // Revoked: nothing issues under it any more, and it is revoked once.
    let revoke = shared::routes::ca_grant_revoke(&active.id);
    let response = post(&console, &operator, &revoke, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post(&console, &olivia, &revoke, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let revoked: IssuanceGrant = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(revoked.state, GrantState::Revoked);
    assert_eq!(revoked.revoked_by.as_deref(), Some("olivia"));
    let response = post(&console, &olivia, &revoke, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let listed = grants(&console, &operator).await;
    assert_eq!(listed[0].state, GrantState::Revoked);
    not_granted(&review(&console, &operator, "gke-asia-2", &s).await);
    assert!(cacerts(&console).await.is_none());
}

/// Attack: a grant two officers agreed to under one root is used to issue
/// from another. After the root is retired and a new one created for the
/// mesh, the old grant says "root replaced" and allows nothing; a grant
/// under the new root does.
#[tokio::test]
async fn a_grant_allows_issuing_only_from_the_root_it_was_granted_under() {
    // A token of its own: the fleet mesh's root is retired here.
    let (console, operator, s) =
        crate::red_team_roots::on_own_token("meshdeck-grant-roots", "gke-asia-2").await;
    let old_root = console.mesh_root(&s.mesh_id).await;
    let granted = console
        .issuance_grant(&s.mesh_id, &["gke-asia-2"], TRUST_DOMAIN)
        .await;
    assert_eq!(granted.root_fingerprint, old_root.fingerprint);
    let ca = review(&console, &operator, "gke-asia-2", &s).await;
    assert_eq!(
        ca.preflight.result(Check::CaMode).unwrap().verdict,
        Verdict::Pass
    );

    let olivia = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    let retire = shared::routes::ca_root_retire(&old_root.fingerprint);
    let response = post(&console, &olivia, &retire, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let new_root = console.mesh_root(&s.mesh_id).await;
    assert_ne!(new_root.fingerprint, old_root.fingerprint);

    let listed = grants(&console, &operator).await;
    assert_eq!(listed[0].id, granted.id);
    assert_eq!(listed[0].state, GrantState::RootReplaced, "{listed:?}");
    not_granted(&review(&console, &operator, "gke-asia-2", &s).await);
    let response = post(
        &console,
        &olivia,
        &shared::routes::ca_grant_approve(&granted.id),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::CONFLICT,
        "no approvals revive it"
    );

    let fresh = console
        .issuance_grant(&s.mesh_id, &["gke-asia-2"], TRUST_DOMAIN)
        .await;
    assert_eq!(fresh.root_fingerprint, new_root.fingerprint);
    let plan = review(&console, &operator, "gke-asia-2", &s).await;
    assert_eq!(
        plan.preflight.result(Check::CaMode).unwrap().verdict,
        Verdict::Pass
    );
}
