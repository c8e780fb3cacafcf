//! Reviews against the fleet and the config cluster's resources: links,
//! namespace, quotas, sameness warnings and routing.

use super::names;
use crate::fleet::Fleet;
use crate::ingress::fixtures::{default_fleet, seed_foo};
use crate::ingress::*;

fn context<'a>(
    fleet: &'a Fleet,
    services: &'a [MultiClusterService],
    ingresses: &'a [MultiClusterIngress],
) -> IngressContext<'a> {
    IngressContext {
        fleet,
        services,
        ingresses,
    }
}

#[test]
fn review_accepts_the_seed_foo() {
    let fleet = default_fleet();
    let review = review_mcs(&seed_foo(), &context(&fleet, &[], &[]));
    assert_eq!(review.errors, []);
    assert_eq!(review.warnings, []);
    assert_eq!(names(review.selection.chosen()), ["gke-eu", "gke-asia-1"]);
}

#[test]
fn review_refuses_links_to_non_members() {
    let fleet = default_fleet();
    let mcs = seed_foo().clusters(["europe-west1-c/gke-eu", "asia-northeast1-b/gke-asia-1"]);
    let review = review_mcs(&mcs, &context(&fleet, &[], &[]));
    assert_eq!(review.errors.len(), 1);
    assert_eq!(review.errors[0].field, "spec.clusters[1].link");
    assert!(
        review.errors[0]
            .message
            .contains("gke-asia-1 is in asia-northeast1-a")
    );
}

#[test]
fn review_refuses_a_namespace_missing_on_the_config_cluster() {
    let fleet = default_fleet();
    let mcs = seed_foo().in_namespace("red");
    let review = review_mcs(&mcs, &context(&fleet, &[], &[]));
    assert_eq!(review.errors.len(), 1, "{:?}", review.errors);
    assert_eq!(review.errors[0].field, "metadata.namespace");
    assert!(
        review.errors[0]
            .message
            .contains("namespace red does not exist on the config cluster gke-us")
    );
    // The selected members lack it too: a warning naming them.
    assert_eq!(
        review.warnings,
        [SamenessWarning::MissingOnSelected {
            namespace: "red".into(),
            clusters: vec!["gke-eu".parse().unwrap(), "gke-asia-1".parse().unwrap()],
        }]
    );
}

#[test]
fn review_warns_when_injection_labels_differ() {
    let mut fleet = default_fleet();
    let eu = fleet.cluster_mut("gke-eu").unwrap();
    let mut blue = eu.namespace("blue").unwrap().clone();
    blue.injection_label = None;
    blue.rev_label = Some("asm-1106-2".into());
    eu.upsert_namespace(blue);
    let review = review_mcs(&seed_foo(), &context(&fleet, &[], &[]));
    assert_eq!(review.errors, []);
    let [warning] = review.warnings.as_slice() else {
        panic!("{:?}", review.warnings)
    };
    assert_eq!(
        warning.message(),
        "namespace blue is not the same everywhere: istio-injection=enabled on gke-us, gke-asia-1; istio.io/rev=asm-1106-2 on gke-eu"
    );
}

#[test]
fn quota_overflow_is_refused_for_a_create_not_an_update() {
    let fleet = default_fleet();
    let existing: Vec<_> = (0..100)
        .map(|i| MultiClusterService::test(&format!("svc-{i}")))
        .collect();
    let review = review_mcs(&seed_foo(), &context(&fleet, &existing, &[]));
    assert_eq!(review.errors.len(), 1);
    assert_eq!(review.errors[0].field, "");
    assert_eq!(
        review.errors[0].message,
        "project project-a already has 100 MultiClusterService resources, the limit is 100 per project; delete one before creating another"
    );
    let update = MultiClusterService::test("svc-7");
    assert_eq!(
        review_mcs(&update, &context(&fleet, &existing, &[])).errors,
        []
    );
}

fn foobar() -> MultiClusterIngress {
    MultiClusterIngress::test("foobar-ingress")
        .default_backend("default-backend", 80)
        .host("foo.example.com", "foo", 80)
        .host("bar.example.com", "bar", 80)
}

#[test]
fn routes_resolve_host_to_service_to_clusters() {
    let fleet = default_fleet();
    let services = [
        seed_foo(),
        MultiClusterService::test("bar"),
        MultiClusterService::test("default-backend").clusters(["us-central1/gke-us"]),
    ];
    let review = review_mci(&foobar(), &context(&fleet, &services, &[]));
    assert_eq!(review.errors, []);
    let routes = &review.routes;
    let default = routes.default_backend.as_ref().unwrap();
    let target = default.target.as_ref().unwrap();
    assert_eq!(names(target.clusters.clone()), ["gke-us"]);
    assert_eq!(
        target.derived_service,
        derived_service_name("blue", "default-backend")
    );
    let foo = &routes.rules[0];
    assert_eq!(foo.host.as_deref(), Some("foo.example.com"));
    let target = foo.target.as_ref().unwrap();
    assert_eq!(names(target.clusters.clone()), ["gke-eu", "gke-asia-1"]);
    assert_eq!(
        (target.port, target.port_name.as_deref()),
        (80, Some("web"))
    );
    let bar = routes.rules[1].target.as_ref().unwrap();
    assert_eq!(bar.clusters.len(), 4);
}

#[test]
fn a_missing_backend_service_is_an_error_on_its_field() {
    let fleet = default_fleet();
    let services = [
        seed_foo(),
        MultiClusterService::test("bar").in_namespace("red"),
    ];
    let review = review_mci(&foobar(), &context(&fleet, &services, &[]));
    let errors: Vec<_> = review.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors,
        [
            "spec.template.spec.backend.serviceName: no MultiClusterService \"default-backend\" in namespace blue of the config cluster; expected one of: foo",
            "spec.template.spec.rules[1].backend.serviceName: no MultiClusterService \"bar\" in namespace blue of the config cluster; expected one of: foo",
        ]
    );
    assert!(review.routes.rules[1].target.is_none());
    assert!(review.routes.rules[0].target.is_some());
}

#[test]
fn a_missing_port_is_an_error_on_its_field() {
    let fleet = default_fleet();
    let services = [seed_foo()];
    let mci = MultiClusterIngress::test("x").host("foo.example.com", "foo", 8080);
    let review = review_mci(&mci, &context(&fleet, &services, &[]));
    assert_eq!(review.errors.len(), 1);
    assert_eq!(
        review.errors[0].to_string(),
        "spec.template.spec.rules[0].backend.servicePort: MultiClusterService foo has no port 8080; its ports: 80 (web)"
    );
}

#[test]
fn mci_quota_counts_ingresses() {
    let fleet = default_fleet();
    let services = [seed_foo()];
    let ingresses: Vec<_> = (0..100)
        .map(|i| MultiClusterIngress::test(&format!("ing-{i}")))
        .collect();
    let mci = MultiClusterIngress::test("new").host("foo.example.com", "foo", 80);
    let review = review_mci(&mci, &context(&fleet, &services, &ingresses));
    assert_eq!(review.errors.len(), 1);
    assert!(review.errors[0].message.contains("100 MultiClusterIngress"));
}

#[test]
fn a_fleet_without_config_cluster_refuses_writes() {
    let mut fleet = default_fleet();
    for c in &mut fleet.clusters {
        c.member.config_cluster = false;
    }
    let review = review_mcs(&seed_foo(), &context(&fleet, &[], &[]));
    assert_eq!(review.errors.len(), 1);
    assert!(review.errors[0].message.contains("no config cluster"));
}
