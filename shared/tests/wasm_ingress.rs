//! The shared multi-cluster ingress logic compiled for wasm32 and run the
//! way the editor runs it (SPEC §4, seed 003): the seed's manifests parsed
//! from YAML, validated, their cluster selection and routes resolved and
//! reviewed against a fleet shaped like the default sandbox fleet.
//!
//! Run with `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test -p meshdeck-shared --target wasm32-unknown-unknown --test
//! wasm_ingress` (node executes it); the host build skips this file.

#![cfg(target_arch = "wasm32")]

use shared::ClusterName;
use shared::fleet::{Cluster, Fleet, Member, Namespace, Platform, Project, Reachability};
use shared::ingress::{
    ExclusionReason, IngressContext, MultiClusterIngress, MultiClusterService, Selection,
    derived_service_name, resolve_routes, resolve_selection, review_mci, review_mcs, validate_mci,
    validate_mcs,
};
use wasm_bindgen_test::wasm_bindgen_test;

/// Seed 003's `foo`, selecting gke-eu and gke-asia-1.
const SEED_FOO: &str = r#"
apiVersion: networking.gke.io/v1
kind: MultiClusterService
metadata:
  name: foo
  namespace: blue
spec:
  template:
    spec:
      selector:
        app: foo
      ports:
      - name: web
        protocol: TCP
        port: 80
        targetPort: 80
  clusters:
  - link: "europe-west1-c/gke-eu"
  - link: "asia-northeast1-a/gke-asia-1"
"#;

/// Seed 003's `foobar-ingress`: two hosts and a default backend.
const SEED_FOOBAR: &str = r#"
apiVersion: networking.gke.io/v1
kind: MultiClusterIngress
metadata:
  name: foobar-ingress
  namespace: blue
spec:
  template:
    spec:
      backend:
        serviceName: default-backend
        servicePort: 80
      rules:
      - host: foo.example.com
        backend:
          serviceName: foo
          servicePort: 80
      - host: bar.example.com
        backend:
          serviceName: bar
          servicePort: 80
"#;

/// A service of the seed's shape, selecting every member.
fn every_member(name: &str) -> MultiClusterService {
    let yaml = format!(
        "apiVersion: networking.gke.io/v1\nkind: MultiClusterService\nmetadata: {{name: {name}, namespace: blue}}\nspec:\n  template:\n    spec:\n      selector: {{app: {name}}}\n      ports: [{{name: web, protocol: TCP, port: 80, targetPort: 80}}]\n"
    );
    serde_yaml::from_str(&yaml).expect("a MultiClusterService")
}

fn member(name: &str, location: &str, project: &str, namespaces: &[&str]) -> Cluster {
    let member = Member {
        name: name.parse().expect("a cluster name"),
        context: name.into(),
        location: location.into(),
        platform: Platform::Gke,
        project: Some(Project {
            id: project.into(),
            number: "1".into(),
        }),
        network: None,
        config_cluster: name == "gke-us",
        labels: Default::default(),
    };
    let mut cluster = Cluster::new(member, Reachability::Reachable { since: 0 });
    for ns in namespaces {
        cluster.upsert_namespace(Namespace {
            name: (*ns).into(),
            rev_label: None,
            injection_label: None,
            pods: Default::default(),
        });
    }
    cluster
}

/// gke-us (config cluster), gke-eu and gke-asia-1 with `blue`; gke-asia-2
/// without it, as in the default sandbox fleet.
fn fleet() -> Fleet {
    Fleet {
        version: 1,
        name: Some("meshdeck-demo".into()),
        project: Some("project-a".into()),
        clusters: vec![
            member("gke-us", "us-central1", "project-a", &["default", "blue"]),
            member(
                "gke-eu",
                "europe-west1-c",
                "project-a",
                &["default", "blue"],
            ),
            member(
                "gke-asia-1",
                "asia-northeast1-a",
                "project-a",
                &["default", "blue"],
            ),
            member("gke-asia-2", "asia-northeast1-a", "project-b", &["default"]),
        ],
    }
}

fn names(clusters: &[ClusterName]) -> Vec<&str> {
    clusters.iter().map(ClusterName::as_str).collect()
}

fn foo() -> MultiClusterService {
    serde_yaml::from_str(SEED_FOO).expect("seed 003's foo parses")
}

fn foobar() -> MultiClusterIngress {
    serde_yaml::from_str(SEED_FOOBAR).expect("seed 003's foobar-ingress parses")
}

#[wasm_bindgen_test]
fn the_seed_manifests_parse_and_validate() {
    let mcs = foo();
    assert_eq!((mcs.namespace(), mcs.name()), ("blue", "foo"));
    assert_eq!(mcs.spec.clusters.len(), 2);
    assert_eq!(validate_mcs(&mcs), []);
    let mci = foobar();
    assert_eq!(mci.spec.template.spec.rules.len(), 2);
    assert_eq!(validate_mci(&mci), []);
}

#[wasm_bindgen_test]
fn unknown_fields_and_bad_values_are_refused() {
    let typo = SEED_FOO.replace("targetPort", "targetPrt");
    let err = serde_yaml::from_str::<MultiClusterService>(&typo)
        .expect_err("an unknown field is refused");
    assert!(err.to_string().contains("targetPrt"), "{err}");
    // The editor's YAML view names this line (SEED_FOO opens with a blank).
    assert_eq!(err.location().map(|l| l.line()), Some(16), "{err}");

    let bad = SEED_FOO
        .replace("port: 80", "port: 70000")
        .replace("europe-west1-c/gke-eu", "gke-eu");
    let mcs: MultiClusterService = serde_yaml::from_str(&bad).expect("still well-formed");
    let fields: Vec<String> = validate_mcs(&mcs).into_iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        ["spec.template.spec.ports[0].port", "spec.clusters[0].link"]
    );
}

#[wasm_bindgen_test]
fn the_seed_foo_selects_gke_eu_and_gke_asia_1_only() {
    let fleet = fleet();
    let report = resolve_selection(&foo(), &fleet);
    assert_eq!(names(&report.chosen()), ["gke-eu", "gke-asia-1"]);
    let not_in_clusters = Selection::Excluded {
        reason: ExclusionReason::NotInClusters,
    };
    let excluded: Vec<&str> = report
        .with(not_in_clusters)
        .map(|m| m.cluster.as_str())
        .collect();
    assert_eq!(excluded, ["gke-us", "gke-asia-2"]);
    assert_eq!(report.unmatched, []);

    // Without spec.clusters every member is chosen but gke-asia-2, which
    // lacks the namespace.
    let report = resolve_selection(&every_member("foo"), &fleet);
    assert_eq!(names(&report.chosen()), ["gke-us", "gke-eu", "gke-asia-1"]);
    assert_eq!(
        report.get("gke-asia-2").map(|m| m.selection),
        Some(Selection::Excluded {
            reason: ExclusionReason::NamespaceMissing
        })
    );
}

#[wasm_bindgen_test]
fn review_of_an_mcs_checks_links_and_quota() {
    let fleet = fleet();
    let ctx = IngressContext {
        fleet: &fleet,
        services: &[],
        ingresses: &[],
    };
    let review = review_mcs(&foo(), &ctx);
    assert_eq!(review.errors, []);
    assert_eq!(names(&review.selection.chosen()), ["gke-eu", "gke-asia-1"]);

    let wrong_zone: MultiClusterService = serde_yaml::from_str(&SEED_FOO.replace(
        "asia-northeast1-a/gke-asia-1",
        "asia-northeast1-b/gke-asia-1",
    ))
    .expect("well-formed");
    let review = review_mcs(&wrong_zone, &ctx);
    assert_eq!(review.errors.len(), 1, "{:?}", review.errors);
    assert_eq!(review.errors[0].field, "spec.clusters[1].link");
    assert!(review.errors[0].message.contains("asia-northeast1-a"));

    // The hundred and first MultiClusterService of the project.
    let hundred: Vec<MultiClusterService> = (0..100)
        .map(|i| every_member(&format!("svc-{i}")))
        .collect();
    let full = IngressContext {
        fleet: &fleet,
        services: &hundred,
        ingresses: &[],
    };
    let review = review_mcs(&foo(), &full);
    assert_eq!(review.errors.len(), 1, "{:?}", review.errors);
    assert!(
        review.errors[0]
            .message
            .contains("project project-a already has 100 MultiClusterService resources")
    );
    // Changing one that exists is no create.
    assert_eq!(review_mcs(&hundred[7], &full).errors, []);
}

#[wasm_bindgen_test]
fn the_seed_ingress_routes_hosts_to_the_selected_clusters() {
    let fleet = fleet();
    let services = vec![foo(), every_member("bar"), every_member("default-backend")];
    let table = resolve_routes(&foobar(), &services, &fleet);
    assert_eq!(table.errors, []);

    let default = table.default_backend.as_ref().expect("a default backend");
    assert_eq!(default.host, None);
    let target = default.target.as_ref().expect("default-backend resolves");
    assert_eq!(
        target.derived_service,
        derived_service_name("blue", "default-backend")
    );

    let hosts: Vec<(Option<&str>, &str, Vec<&str>)> = table
        .rules
        .iter()
        .map(|r| {
            let target = r.target.as_ref().expect("every rule resolves");
            assert_eq!(target.port, 80);
            (
                r.host.as_deref(),
                r.service.as_str(),
                names(&target.clusters),
            )
        })
        .collect();
    assert_eq!(
        hosts,
        [
            (Some("foo.example.com"), "foo", vec!["gke-eu", "gke-asia-1"]),
            (
                Some("bar.example.com"),
                "bar",
                vec!["gke-us", "gke-eu", "gke-asia-1"]
            ),
        ]
    );
}

#[wasm_bindgen_test]
fn review_of_an_mci_names_the_missing_backend() {
    let fleet = fleet();
    let services = vec![foo(), every_member("default-backend")];
    let ctx = IngressContext {
        fleet: &fleet,
        services: &services,
        ingresses: &[],
    };
    let review = review_mci(&foobar(), &ctx);
    assert_eq!(review.errors.len(), 1, "{:?}", review.errors);
    assert_eq!(
        review.errors[0].field,
        "spec.template.spec.rules[1].backend.serviceName"
    );
    assert!(review.errors[0].message.contains("\"bar\""));
    assert!(review.routes.rules[1].target.is_none());
    assert!(review.routes.rules[0].target.is_some());
}
