//! Preflight through the API: the Kubernetes check reads the release
//! catalogue (a current release passes on the sandbox's Kubernetes, a seed
//! release warns naming its range), and an on-prem admin cluster is
//! refused whatever overrides come with the install.

use axum::http::StatusCode;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::Api;
use shared::Role;
use shared::mesh::{CaMode, Catalogue, Check, InstallSettings, PlanReview, Verdict};

use crate::mesh::{REASON, client, console, overrides, post, review, settings};
use crate::support::{TestConsole, api_error, temp_dir};

fn version_check(plan: &PlanReview) -> &shared::mesh::CheckResult {
    plan.preflight.result(Check::KubernetesVersion).unwrap()
}

#[tokio::test]
async fn a_current_release_has_no_version_warning_on_the_default_fleet() {
    let (console, operator) = console().await;
    let current = Catalogue::builtin().unwrap().default_release().unwrap();
    for cluster in ["gke-eu", "onprem-vmware-1"] {
        let mut s = settings(&console, &operator, cluster, CaMode::MeshCa).await;
        s.version = current.version.clone();
        s.revision = current.revision.clone();
        let plan = review(&console, &operator, cluster, &s).await;
        let check = version_check(&plan);
        assert_eq!(check.verdict, Verdict::Pass, "{cluster}: {check:?}");
        assert!(
            check.evidence[0].starts_with("Kubernetes 1.37 (v1.37.0-meshdeck-sandbox): ASM 1.31.2-asm.1 supports Kubernetes 1.33 to 1.37"),
            "{check:?}"
        );
        assert!(
            plan.preflight
                .results
                .iter()
                .all(|r| r.verdict != Verdict::Warn),
            "{cluster}: {:?}",
            plan.preflight
        );
    }
    // The seeds' release on Kubernetes 1.37: a warning naming its range.
    let s = settings(&console, &operator, "gke-eu", CaMode::MeshCa).await;
    assert_eq!(s.version.to_string(), "1.10.6-asm.2");
    let plan = review(&console, &operator, "gke-eu", &s).await;
    let check = version_check(&plan);
    assert_eq!(check.verdict, Verdict::Warn, "{check:?}");
    assert!(
        check.evidence[0]
            .contains("is newer than tested: ASM 1.10.6-asm.2 supports Kubernetes 1.18 to 1.21"),
        "{check:?}"
    );
}

/// A console on the default fleet in which onprem-vmware-1 is an admin
/// cluster, once every member has synced.
async fn console_with_admin_cluster() -> TestConsole {
    let mut scenario = sandbox::scenario::Scenario::default_fleet();
    scenario
        .clusters
        .iter_mut()
        .find(|c| c.name == "onprem-vmware-1")
        .unwrap()
        .admin = true;
    let fleet = sandbox::Fleet::start(sandbox::FleetOptions::from_scenario(scenario, None))
        .await
        .unwrap();
    let kubeconfig = temp_dir("kubeconfig").join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    TestConsole::watching(fleet, &kubeconfig, None).await
}

#[tokio::test]
async fn an_admin_cluster_is_refused_and_no_override_lifts_it() {
    let console = console_with_admin_cluster().await;
    let operator = console.signed_in("operator", Role::Operator, false).await;
    crate::mesh::reachable(&console, &operator).await;
    let s: InstallSettings = settings(&console, &operator, "onprem-vmware-1", CaMode::MeshCa).await;
    let plan = review(&console, &operator, "onprem-vmware-1", &s).await;
    let admin = plan.preflight.result(Check::UserCluster).unwrap();
    assert_eq!(admin.verdict, Verdict::Fail, "{admin:?}");
    assert!(!admin.overridable);

    // An override naming the admin check is refused outright.
    let mut every = overrides(REASON);
    every
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"check": "user_cluster", "reason": REASON}));
    let refused = post(
        &console,
        &operator,
        "/api/mesh/installs",
        serde_json::json!({"plan": plan.id, "overrides": every}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let message = api_error(refused).await.message;
    assert!(
        message.starts_with("Not an on-prem admin cluster can never be overridden"),
        "{message}"
    );
    // Overriding everything else still leaves it blocking.
    let blocked = post(
        &console,
        &operator,
        "/api/mesh/installs",
        serde_json::json!({"plan": plan.id, "overrides": overrides(REASON)}),
    )
    .await;
    assert_eq!(blocked.status(), StatusCode::CONFLICT);
    let message = api_error(blocked).await.message;
    assert!(
        message.ends_with("Not an on-prem admin cluster cannot be overridden"),
        "{message}"
    );
    assert!(
        Api::<Deployment>::namespaced(client(&console, "onprem-vmware-1"), "istio-system")
            .get_opt("istiod-asm-1106-2")
            .await
            .unwrap()
            .is_none(),
        "a refused install changes nothing"
    );
    let refusals = console
        .audit(&operator, "action=mesh.install&outcome=failure")
        .await;
    assert_eq!(refusals.entries.len(), 2, "{:?}", refusals.entries);
    // Each refusal names the plan's cluster, so the log finds it by cluster.
    for entry in &refusals.entries {
        assert_eq!(entry.clusters, vec!["onprem-vmware-1"], "{entry:?}");
    }
}
