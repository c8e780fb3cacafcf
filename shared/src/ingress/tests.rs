//! The seed's scenarios against a fleet like the default sandbox one:
//! selection, validation, review (links, backends, namespace, quota),
//! sameness and routing.

use super::fixtures::{default_fleet, seed_foo};
use super::*;
use crate::fleet::{Fleet, Reachability};

fn names(list: impl IntoIterator<Item = crate::ClusterName>) -> Vec<String> {
    list.into_iter().map(|c| c.to_string()).collect()
}

fn outcome(report: &SelectionReport, cluster: &str) -> Selection {
    report.get(cluster).expect("a member").selection
}

const NOT_IN: Selection = Selection::Excluded {
    reason: ExclusionReason::NotInClusters,
};
const NS_MISSING: Selection = Selection::Excluded {
    reason: ExclusionReason::NamespaceMissing,
};

#[test]
fn seed_foo_selects_gke_eu_and_gke_asia_1_only() {
    let fleet = default_fleet();
    let report = resolve_selection(&seed_foo(), &fleet);
    assert_eq!(names(report.chosen()), ["gke-eu", "gke-asia-1"]);
    assert_eq!(outcome(&report, "gke-asia-2"), NOT_IN);
    // The config cluster is a member like any other: not linked, not selected.
    assert_eq!(outcome(&report, "gke-us"), NOT_IN);
    assert!(report.get("gke-us").unwrap().config_cluster);
    assert_eq!(report.get("gke-asia-1").unwrap().link, Some(1));
    assert!(report.unmatched.is_empty());
    assert_eq!(report.members.len(), 6);
}

#[test]
fn without_clusters_every_member_with_the_namespace_is_selected() {
    let fleet = default_fleet();
    let report = resolve_selection(&MultiClusterService::test("foo"), &fleet);
    assert_eq!(
        names(report.chosen()),
        ["gke-us", "gke-eu", "gke-asia-1", "onprem-vmware-1"]
    );
    assert_eq!(outcome(&report, "gke-asia-2"), NS_MISSING);
    assert_eq!(outcome(&report, "baremetal-1"), NS_MISSING);
}

#[test]
fn a_linked_member_without_the_namespace_is_excluded_for_it() {
    let fleet = default_fleet();
    let mcs = seed_foo().clusters(["asia-northeast1-a/gke-asia-2"]);
    let report = resolve_selection(&mcs, &fleet);
    assert_eq!(outcome(&report, "gke-asia-2"), NS_MISSING);
    assert_eq!(outcome(&report, "gke-eu"), NOT_IN);
    assert!(!NS_MISSING.is_chosen());
}

#[test]
fn a_member_not_yet_reached_is_unverified_not_missing() {
    let mut fleet = default_fleet();
    let asia = fleet.cluster_mut("gke-asia-1").unwrap();
    asia.reachability = Reachability::Connecting { since: 0 };
    asia.namespaces.clear();
    let report = resolve_selection(&seed_foo(), &fleet);
    assert_eq!(outcome(&report, "gke-asia-1"), Selection::Unverified);
    assert!(Selection::Unverified.is_chosen());
}

#[test]
fn links_naming_no_member_are_reported_with_a_hint() {
    let fleet = default_fleet();
    let mcs = seed_foo().clusters([
        "europe-west1/gke-eu",
        "us-central1/gke-nowhere",
        "not-a-link",
    ]);
    let report = resolve_selection(&mcs, &fleet);
    assert!(report.chosen().is_empty());
    let u = &report.unmatched;
    assert_eq!(u.len(), 3);
    assert_eq!(u[0].field(), "spec.clusters[0].link");
    assert_eq!(
        u[0].message(),
        "europe-west1/gke-eu is not a member: gke-eu is in europe-west1-c; expected \"europe-west1-c/gke-eu\""
    );
    assert_eq!(
        u[1].problem,
        LinkProblem::NotAMember {
            member_location: None
        }
    );
    assert_eq!(u[2].problem, LinkProblem::Invalid);
}

#[test]
fn the_seed_manifests_are_valid() {
    assert_eq!(validate_mcs(&seed_foo()), []);
    let mci = MultiClusterIngress::test("foobar-ingress")
        .default_backend("default-backend", 80)
        .host("foo.example.com", "foo", 80)
        .host("bar.example.com", "bar", 80);
    assert_eq!(validate_mci(&mci), []);
}

#[test]
fn an_invalid_link_is_an_error_on_its_field() {
    let mcs = seed_foo().clusters(["europe-west1-c/gke-eu", "gke-asia-1"]);
    let errors = validate_mcs(&mcs);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].field, "spec.clusters[1].link");
    assert!(
        errors[0]
            .message
            .contains("expected e.g. \"europe-west1-c/gke-eu\"")
    );
}

#[test]
fn duplicate_links_are_errors() {
    let mcs = seed_foo().clusters(["europe-west1-c/gke-eu", "europe-west1-c/gke-eu"]);
    let errors = validate_mcs(&mcs);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "spec.clusters[1].link");
    assert!(
        errors[0]
            .message
            .contains("already listed at spec.clusters[0]")
    );
}

#[test]
fn mcs_shape_errors_are_addressed() {
    let mut mcs = MultiClusterService::test("Foo");
    mcs.api_version = "networking.gke.io/v1beta1".into();
    let spec = &mut mcs.spec.template.spec;
    spec.selector.clear();
    let mut second = spec.ports[0].clone();
    second.port = Some(0);
    second.protocol = Some("UDP".into());
    second.target_port = Some(IntOrString::from("8080"));
    spec.ports.push(second);
    let fields: Vec<_> = validate_mcs(&mcs).into_iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            "apiVersion",
            "metadata.name",
            "spec.template.spec.selector",
            "spec.template.spec.ports[1].name",
            "spec.template.spec.ports[1].protocol",
            "spec.template.spec.ports[1].port",
            "spec.template.spec.ports[1].targetPort",
        ]
    );
    let mut empty = MultiClusterService::test("foo");
    empty.spec.template.spec.ports.clear();
    let errors = validate_mcs(&empty);
    assert_eq!(errors[0].field, "spec.template.spec.ports");
}

#[test]
fn an_ingress_without_any_backend_is_an_error() {
    let errors = validate_mci(&MultiClusterIngress::test("empty"));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "spec.template.spec");
    assert!(errors[0].message.contains("default backend"));
}

#[test]
fn mci_shape_errors_are_addressed() {
    let mut mci = MultiClusterIngress::test("x")
        .host("Foo.example.com", "foo", 80)
        .host("bar.example.com", "", 0);
    mci.spec.template.spec.rules.push(IngressRule {
        host: Some("baz.example.com".into()),
        backend: None,
        http: Some(HttpRule {
            paths: vec![
                HttpPath {
                    path: Some("api".into()),
                    backend: None,
                },
                HttpPath {
                    path: Some("/v1/*".into()),
                    backend: Some(BackendRef::new("foo", "web")),
                },
                HttpPath {
                    path: Some("/v1/*".into()),
                    backend: Some(BackendRef::new("foo", "web")),
                },
            ],
        }),
    });
    mci.metadata
        .annotations
        .insert(mci::STATIC_IP_ANNOTATION.into(), "my-address".into());
    let fields: Vec<_> = validate_mci(&mci).into_iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            "metadata.annotations.networking.gke.io/static-ip",
            "spec.template.spec.rules[0].host",
            "spec.template.spec.rules[1].backend.serviceName",
            "spec.template.spec.rules[1].backend.servicePort",
            "spec.template.spec.rules[2].http.paths[0].path",
            "spec.template.spec.rules[2].http.paths[0].backend",
            "spec.template.spec.rules[2].http.paths[2].path",
        ]
    );
}

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

#[test]
fn reports_serialize_for_the_api() {
    let fleet = default_fleet();
    let report = resolve_selection(&seed_foo().clusters(["x/y"]), &fleet);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["members"][3],
        serde_json::json!({"cluster": "gke-asia-2", "location": "asia-northeast1-a",
            "config_cluster": false,
            "selection": {"state": "excluded", "reason": "not_in_clusters"}})
    );
    assert_eq!(
        json["unmatched"][0],
        serde_json::json!({"index": 0, "link": "x/y", "problem": "not_a_member"})
    );
}
