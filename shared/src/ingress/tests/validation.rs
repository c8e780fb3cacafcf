//! Shape errors of MultiClusterService and MultiClusterIngress, each on its field.

use crate::ingress::fixtures::seed_foo;
use crate::ingress::*;

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
