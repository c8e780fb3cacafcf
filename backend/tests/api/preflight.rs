//! Preflight through the API: the Kubernetes check reads the release
//! catalogue (a current release passes on the sandbox's Kubernetes, a seed
//! release warns naming its range).

use shared::mesh::{CaMode, Catalogue, Check, PlanReview, Verdict};

use crate::mesh::{console, review, settings};

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
