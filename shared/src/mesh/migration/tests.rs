use super::*;
use crate::fleet::fixtures;
use crate::fleet::{ControlPlane, Member, Platform, Reachability};

fn ns(name: &str, rev: Option<&str>, legacy: Option<&str>, pods: &[(&str, u32)]) -> Namespace {
    fixtures::namespace(name, rev, legacy, pods)
}

fn cluster(namespaces: Vec<Namespace>) -> Cluster {
    let name = "gke-eu".parse().expect("name");
    let member = Member::new(name, "europe-west1-c", Platform::Gke);
    let mut c = Cluster::new(member, Reachability::Connecting { since: 0 });
    c.namespaces = namespaces;
    c.control_planes = vec![installed(DEFAULT_REVISION), installed("asm-178-10")];
    c
}

fn installed(revision: &str) -> ControlPlane {
    ControlPlane {
        revision: revision.into(),
        deployment: Some(istiod_name(revision)),
        version: None,
        replicas: 1,
        ready_replicas: 1,
        webhook: true,
    }
}

#[test]
fn migrate_sets_the_revision_and_drops_the_legacy_label_in_one_patch() {
    assert_eq!(
        migrate_patch("asm-178-10"),
        json!({"metadata": {"labels": {"istio.io/rev": "asm-178-10", "istio-injection": null}}})
    );
    assert_eq!(
        rollback_patch(),
        json!({"metadata": {"labels": {"istio-injection": "enabled", "istio.io/rev": null}}})
    );
}

#[test]
fn a_namespace_moves_from_old_through_restart_pending_to_on_target() {
    let to = "asm-178-10";
    assert_eq!(
        state_of(&ns("a", None, Some("enabled"), &[("default", 2)]), to),
        MigrationState::Old
    );
    assert_eq!(
        state_of(&ns("a", Some(to), None, &[("default", 2), (to, 1)]), to),
        MigrationState::RestartPending
    );
    assert_eq!(
        state_of(&ns("a", Some(to), None, &[(to, 3)]), to),
        MigrationState::OnTarget
    );
    assert_eq!(
        state_of(&ns("a", Some(to), Some("enabled"), &[(to, 3)]), to),
        MigrationState::NotInjected,
        "both labels: nothing injects"
    );
}

#[test]
fn finish_is_refused_while_a_label_or_a_pod_uses_the_old_revision() {
    let to = "asm-178-10";
    let labelled = cluster(vec![
        ns("bar", None, Some("enabled"), &[(to, 2)]),
        ns("foo", Some(to), None, &[(to, 2)]),
    ]);
    let err = ensure_unused(&labelled, DEFAULT_REVISION).expect_err("bar is labelled");
    assert_eq!(err.namespaces, vec!["bar".to_owned()]);
    assert!(
        err.to_string().contains("namespaces labelled for it: bar"),
        "{err}"
    );

    let running = cluster(vec![ns("foo", Some(to), None, &[(to, 1), ("default", 1)])]);
    let err = ensure_unused(&running, DEFAULT_REVISION).expect_err("a pod still runs it");
    assert_eq!(err.pods, vec!["foo: 1 pods".to_owned()]);

    let done = cluster(vec![
        ns("foo", Some(to), None, &[(to, 2)]),
        ns("kube-system", None, None, &[("", 5)]),
    ]);
    let doomed = ensure_unused(&done, DEFAULT_REVISION).expect("nothing uses it");
    let titles: Vec<String> = doomed.iter().map(Doomed::title).collect();
    assert_eq!(
        titles,
        [
            "Service istio-system/istiod",
            "Deployment istio-system/istiod",
            "HorizontalPodAutoscaler istio-system/istiod",
            "PodDisruptionBudget istio-system/istiod",
        ]
    );
    assert_eq!(control_plane_objects(to)[1].name, "istiod-asm-178-10");
}

#[test]
fn the_only_control_plane_is_never_finished() {
    // gke-asia-2: open-source Istio, no other revision installed.
    let mut alone = cluster(vec![ns("kube-system", None, None, &[("", 5)])]);
    alone.control_planes = vec![installed(DEFAULT_REVISION)];
    let err = ensure_unused(&alone, DEFAULT_REVISION).expect_err("nothing takes over");
    assert!(err.last && err.namespaces.is_empty() && err.pods.is_empty());
    assert!(err.to_string().contains("only control plane"), "{err}");

    // A revision with only its webhook left does not take over either.
    let mut webhook_only = installed("asm-178-10");
    webhook_only.deployment = None;
    alone.control_planes.push(webhook_only);
    assert!(ensure_unused(&alone, DEFAULT_REVISION).is_err());

    // A rolled-back new revision may go: the default one stays.
    let back = cluster(vec![ns(
        "foo",
        None,
        Some("enabled"),
        &[(DEFAULT_REVISION, 2)],
    )]);
    let doomed = ensure_unused(&back, "asm-178-10").expect("default takes over");
    assert_eq!(doomed[1].name, "istiod-asm-178-10");
}
