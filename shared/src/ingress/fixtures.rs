//! Test builders: `MultiClusterService::test("foo").clusters([...])`, and
//! a fleet shaped like `sandbox/scenarios/default.yaml`.

use super::mci::{IngressRule, MultiClusterIngress};
use super::mcs::{ClusterSelector, MultiClusterService, ServicePort};
use super::object::BackendRef;
use crate::fleet::{Cluster, Fleet, Member, Namespace, Platform, Project, Reachability};

impl MultiClusterService {
    /// The seed's `foo` in `blue`, port `web` 80, selecting every member.
    pub(crate) fn test(name: &str) -> Self {
        let mut mcs = Self::new("blue", name);
        let spec = &mut mcs.spec.template.spec;
        spec.selector.insert("app".into(), name.into());
        spec.ports.push(ServicePort::tcp("web", 80));
        mcs
    }

    pub(crate) fn clusters<const N: usize>(mut self, links: [&str; N]) -> Self {
        self.spec.clusters = links
            .iter()
            .map(|l| ClusterSelector { link: (*l).into() })
            .collect();
        self
    }

    pub(crate) fn in_namespace(mut self, namespace: &str) -> Self {
        self.metadata.namespace = Some(namespace.into());
        self
    }
}

impl MultiClusterIngress {
    /// An ingress in `blue` without backends.
    pub(crate) fn test(name: &str) -> Self {
        Self::new("blue", name)
    }

    pub(crate) fn default_backend(mut self, service: &str, port: i64) -> Self {
        self.spec.template.spec.backend = Some(BackendRef::new(service, port));
        self
    }

    pub(crate) fn host(mut self, host: &str, service: &str, port: i64) -> Self {
        self.spec.template.spec.rules.push(IngressRule {
            host: Some(host.into()),
            backend: Some(BackendRef::new(service, port)),
            http: None,
        });
        self
    }
}

fn namespace(name: &str, legacy: Option<&str>) -> Namespace {
    Namespace {
        name: name.into(),
        rev_label: None,
        injection_label: legacy.map(str::to_owned),
        pods: Default::default(),
    }
}

fn cluster(name: &str, location: &str, platform: Platform, project: &str, blue: bool) -> Cluster {
    let member = Member {
        project: Some(Project {
            id: project.into(),
            number: "1".into(),
        }),
        config_cluster: name == "gke-us",
        ..Member::new(name.parse().expect("a valid name"), location, platform)
    };
    let mut c = Cluster::new(member, Reachability::Reachable { since: 0 });
    c.upsert_namespace(namespace("default", None));
    c.upsert_namespace(namespace("kube-system", None));
    if blue {
        c.upsert_namespace(namespace("blue", Some("enabled")));
    }
    c
}

/// The six clusters of the default sandbox fleet; `blue` (with
/// `istio-injection=enabled`) everywhere but gke-asia-2 and baremetal-1;
/// gke-us is the config cluster.
pub(crate) fn default_fleet() -> Fleet {
    Fleet {
        version: 1,
        name: Some("meshdeck-demo".into()),
        project: Some("project-a".into()),
        clusters: vec![
            cluster("gke-us", "us-central1", Platform::Gke, "project-a", true),
            cluster("gke-eu", "europe-west1-c", Platform::Gke, "project-a", true),
            cluster(
                "gke-asia-1",
                "asia-northeast1-a",
                Platform::Gke,
                "project-a",
                true,
            ),
            cluster(
                "gke-asia-2",
                "asia-northeast1-a",
                Platform::Gke,
                "project-b",
                false,
            ),
            cluster(
                "onprem-vmware-1",
                "us-west1-onprem",
                Platform::GkeOnVmware,
                "project-a",
                true,
            ),
            cluster(
                "baremetal-1",
                "us-east1-onprem",
                Platform::BareMetal,
                "project-b",
                false,
            ),
        ],
    }
}

/// The seed's `foo` MCS selecting gke-eu and gke-asia-1.
pub(crate) fn seed_foo() -> MultiClusterService {
    MultiClusterService::test("foo")
        .clusters(["europe-west1-c/gke-eu", "asia-northeast1-a/gke-asia-1"])
}
