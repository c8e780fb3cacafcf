//! A security officer rotates a mesh root (issue 21): the new root signs,
//! the old one stays trusted beside it in every member's `root-cert.pem`
//! (published at once, intermediates untouched), installs re-issue under
//! a grant for the new root, the old root is retired once nothing chains
//! to it, and publishing again withdraws it from the bundles.

use axum::http::StatusCode;
use k8s_openapi::api::core::v1::Secret;
use kube::api::Api;
use shared::Role;
use shared::csr::{BundlePublished, GrantState, MeshRoot, MeshRoots, RootRotated, RootState};
use shared::mesh::InstallPhase;

use crate::mesh::{REASON, client, finished, install, post, review};
use crate::red_team_roots::on_own_token;
use crate::support::{Session, TestConsole, api_error, body_json};

const TRUST_DOMAIN: &str = "project-a.svc.id.goog";
const CLUSTER: &str = "gke-asia-2";

/// The fingerprints of a PEM text's certificates, in order.
fn fingerprints(pem_text: &str) -> Vec<String> {
    pem::parse_many(pem_text)
        .unwrap()
        .iter()
        .map(|block| backend::security::ca::fingerprint(block.contents()))
        .collect()
}

/// `cacerts` of the cluster: its keys as text.
async fn cacerts(console: &TestConsole) -> std::collections::BTreeMap<String, String> {
    let secrets: Api<Secret> = Api::namespaced(client(console, CLUSTER), "istio-system");
    let secret = secrets.get("cacerts").await.unwrap();
    secret
        .data
        .unwrap()
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v.0).unwrap()))
        .collect()
}

async fn roots(console: &TestConsole, session: &Session) -> Vec<MeshRoot> {
    let response = console
        .get_as(shared::routes::CA_ROOTS, Some(session))
        .await;
    let roots: MeshRoots = serde_json::from_value(body_json(response).await).unwrap();
    roots.roots
}

async fn installed(console: &TestConsole, operator: &Session, s: &shared::mesh::InstallSettings) {
    let plan = review(console, operator, CLUSTER, s).await;
    let run = install(console, operator, &plan.id, Some(REASON)).await;
    let done = finished(console, operator, &run.id).await;
    assert_eq!(done.phase, InstallPhase::Succeeded, "{done:#?}");
}

#[tokio::test]
async fn a_rotated_root_is_trusted_beside_the_old_until_nothing_chains_to_the_old() {
    let (console, operator, s) = on_own_token("meshdeck-root-rotation", CLUSTER).await;
    let old = console.mesh_root(&s.mesh_id).await;
    console
        .issuance_grant(&s.mesh_id, &[CLUSTER], TRUST_DOMAIN)
        .await;
    installed(&console, &operator, &s).await;
    let before = cacerts(&console).await;
    assert_eq!(
        fingerprints(&before["root-cert.pem"]),
        std::slice::from_ref(&old.fingerprint)
    );
    let olivia = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    let rotate = shared::routes::ca_root_rotate(&old.fingerprint);

    // Only an officer rotates.
    let response = post(&console, &operator, &rotate, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Rotated: the new root signs, both are published, the intermediate stays.
    let response = post(&console, &olivia, &rotate, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let rotated: RootRotated = serde_json::from_value(body_json(response).await).unwrap();
    let new = rotated.root;
    assert_ne!(new.fingerprint, old.fingerprint);
    let both = vec![new.fingerprint.clone(), old.fingerprint.clone()];
    assert_eq!(rotated.published.bundle, both);
    assert_eq!(
        rotated.published.written,
        [CLUSTER],
        "{:?}",
        rotated.published
    );
    let published = cacerts(&console).await;
    assert_eq!(fingerprints(&published["root-cert.pem"]), both);
    for kept in ["ca-cert.pem", "ca-key.pem", "cert-chain.pem"] {
        assert_eq!(published[kept], before[kept], "{kept} is left as it was");
    }
    let listed = roots(&console, &operator).await;
    let state_of = |fp: &str| listed.iter().find(|r| r.fingerprint == fp).unwrap().state;
    assert_eq!(state_of(&new.fingerprint), RootState::Active);
    assert_eq!(state_of(&old.fingerprint), RootState::Retiring);

    // The rotated-out key is no other mesh's root either.
    let response = post(
        &console,
        &olivia,
        shared::routes::CA_ROOT_IMPORT,
        serde_json::json!({"mesh": "proj-880001", "certificate_pem": before["root-cert.pem"]}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(
        api_error(response)
            .await
            .message
            .contains("retiring root already")
    );

    // One rotation at a time; the old root stays while the cluster chains
    // to it, and the new one cannot be retired during the rotation.
    let response = post(
        &console,
        &olivia,
        &shared::routes::ca_root_rotate(&new.fingerprint),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(api_error(response).await.message.contains("underway"));
    let retire_old = shared::routes::ca_root_retire(&old.fingerprint);
    let response = post(&console, &olivia, &retire_old, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(api_error(response).await.message.contains(CLUSTER));
    let response = post(
        &console,
        &olivia,
        &shared::routes::ca_root_retire(&new.fingerprint),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);

    // Re-issued under a grant for the new root: it chains to the new root,
    // still trusting the old.
    let grant = console
        .issuance_grant(&s.mesh_id, &[CLUSTER], TRUST_DOMAIN)
        .await;
    assert_eq!(grant.state, GrantState::Active);
    assert_eq!(grant.root_fingerprint, new.fingerprint);
    // Installing over the running revision is refused whatever the reason
    // (preflight's hard check): the next revision's install re-issues.
    let mut next = s.clone();
    next.version = "1.10.6-asm.3".parse().unwrap();
    next.revision = next.version.revision();
    installed(&console, &operator, &next).await;
    let reissued = cacerts(&console).await;
    assert_ne!(reissued["ca-cert.pem"], before["ca-cert.pem"]);
    assert_eq!(
        fingerprints(&reissued["cert-chain.pem"]).last(),
        Some(&new.fingerprint)
    );
    assert_eq!(fingerprints(&reissued["root-cert.pem"]), both);

    // Nothing chains to the old root: retired, and withdrawn on publishing.
    let response = post(&console, &olivia, &retire_old, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let publish = shared::routes::ca_root_publish(&new.fingerprint);
    let response = post(&console, &operator, &publish, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post(&console, &olivia, &publish, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: BundlePublished = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(report.bundle, std::slice::from_ref(&new.fingerprint));
    assert_eq!(report.written, [CLUSTER]);
    let after = cacerts(&console).await;
    assert_eq!(
        fingerprints(&after["root-cert.pem"]),
        std::slice::from_ref(&new.fingerprint)
    );
    assert_eq!(after["ca-cert.pem"], reissued["ca-cert.pem"]);
    // Publishing again changes nothing.
    let response = post(&console, &olivia, &publish, serde_json::json!({})).await;
    let again: BundlePublished = serde_json::from_value(body_json(response).await).unwrap();
    assert!(again.written.is_empty());
    assert_eq!(again.current, [CLUSTER]);
    let audit = console
        .audit(&olivia, "action=ca.root.rotate&outcome=success")
        .await;
    assert_eq!(audit.entries.len(), 1);
    assert!(
        audit.entries[0]
            .params
            .contains(&format!("previous={}", old.fingerprint))
    );
}

/// A caller who hangs up does not cut a rotation in half: it runs to its
/// end in the console, recorded and audited (here it hangs up while the
/// console is still publishing to a slow member).
#[tokio::test]
async fn a_rotation_whose_caller_hangs_up_is_finished_recorded_and_audited() {
    let (console, operator, s) = on_own_token("meshdeck-root-hang-up", CLUSTER).await;
    let mesh = s.mesh_id;
    let old = console.mesh_root(&mesh).await;
    let olivia = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    let slow = console
        .sandbox
        .as_ref()
        .unwrap()
        .cluster(CLUSTER)
        .unwrap()
        .faults();
    slow.set(sandbox::faults::Fault::Latency(
        std::time::Duration::from_secs(2),
    ));
    slow.applied().await;

    let request = crate::support::json_request(
        axum::http::Method::POST,
        &shared::routes::ca_root_rotate(&old.fingerprint),
        &serde_json::json!({}),
        Some(&olivia),
    );
    let hung_up =
        tokio::time::timeout(std::time::Duration::from_millis(500), console.send(request)).await;
    assert!(hung_up.is_err(), "the caller left before the answer");

    let mut audited = None;
    for _ in 0..100 {
        let audit = console
            .audit(&olivia, "action=ca.root.rotate&outcome=success")
            .await;
        if let Some(entry) = audit.entries.first() {
            audited = Some(entry.clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    slow.restore();
    let entry = audited.expect("the rotation is audited though its caller left");
    assert!(
        entry
            .params
            .contains(&format!("previous={}", old.fingerprint))
    );
    let listed = roots(&console, &operator).await;
    let of_mesh: Vec<_> = listed.iter().filter(|r| r.mesh == mesh).collect();
    assert!(
        of_mesh.iter().any(|r| r.state == RootState::Active
            && r.fingerprint != old.fingerprint
            && r.created_by.as_deref() == Some("olivia")),
        "the new root is recorded: {of_mesh:?}"
    );
    assert!(
        of_mesh
            .iter()
            .any(|r| r.fingerprint == old.fingerprint && r.state == RootState::Retiring)
    );
}
