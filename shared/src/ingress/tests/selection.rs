//! Which members the seed's `foo` and its variants select.

use super::{NOT_IN, NS_MISSING, names, outcome};
use crate::fleet::Reachability;
use crate::ingress::fixtures::{default_fleet, seed_foo};
use crate::ingress::*;

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
