//! Whether two clusters hold the same MultiClusterServices and Ingresses
//! (SPEC §4.5: the config cluster may only change between identical
//! ones): what is missing on the candidate, only on the candidate, or
//! different. Status, written by the controller, is not compared.

use serde::{Deserialize, Serialize};

use super::mci::MultiClusterIngress;
use super::mcs::MultiClusterService;
use super::object::IngressResource;
use super::quota::IngressKind;

/// How one resource differs between the config cluster and a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// On the config cluster, not on the candidate.
    Missing,
    /// On the candidate only.
    Extra,
    /// On both, with different labels, annotations or spec.
    Differs,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Difference {
    pub kind: IngressKind,
    pub namespace: String,
    pub name: String,
    pub difference: DifferenceKind,
}

impl Difference {
    /// `MultiClusterService blue/foo is missing on gke-eu`.
    pub fn describe(&self, candidate: &str) -> String {
        let what = match self.difference {
            DifferenceKind::Missing => format!("is missing on {candidate}"),
            DifferenceKind::Extra => format!("exists only on {candidate}"),
            DifferenceKind::Differs => format!("differs on {candidate}"),
        };
        format!("{} {}/{} {what}", self.kind, self.namespace, self.name)
    }
}

/// The resources of one cluster.
#[derive(Debug, Clone, Copy)]
pub struct IngressSet<'a> {
    pub services: &'a [MultiClusterService],
    pub ingresses: &'a [MultiClusterIngress],
}

/// The differences of `candidate` from `current`, sorted by kind,
/// namespace and name.
pub fn compare(current: IngressSet<'_>, candidate: IngressSet<'_>) -> Vec<Difference> {
    let mut out = differ(current.services, candidate.services);
    out.extend(differ(current.ingresses, candidate.ingresses));
    out
}

/// `(namespace, name, comparable form)`.
type Keyed = (String, String, serde_json::Value);

/// Every object of a kind, keyed, without status.
fn keyed<T: IngressResource>(objects: &[T]) -> Vec<Keyed> {
    objects.iter().map(keyed_one).collect()
}

fn keyed_one<T: IngressResource>(object: &T) -> Keyed {
    let (namespace, name) = object.key();
    let mut value = serde_json::to_value(object.without_status()).unwrap_or_default();
    // The namespace is compared through the key (absent means "default").
    if let Some(meta) = value.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        meta.remove("namespace");
    }
    (namespace.to_owned(), name.to_owned(), value)
}

/// The differences of `candidate` from `current`, objects of one kind.
fn differ<T: IngressResource>(current: &[T], candidate: &[T]) -> Vec<Difference> {
    let kind = T::KIND;
    let (current, candidate) = (&keyed(current), &keyed(candidate));
    let find = |set: &'_ [Keyed], ns: &str, name: &str| {
        set.iter()
            .find(|(n, m, _)| n == ns && m == name)
            .map(|(_, _, v)| v.clone())
    };
    let mut out = Vec::new();
    for (ns, name, value) in current {
        let difference = match find(candidate, ns, name) {
            None => DifferenceKind::Missing,
            Some(other) if other != *value => DifferenceKind::Differs,
            Some(_) => continue,
        };
        out.push(Difference {
            kind,
            namespace: ns.clone(),
            name: name.clone(),
            difference,
        });
    }
    for (ns, name, _) in candidate {
        if find(current, ns, name).is_none() {
            out.push(Difference {
                kind,
                namespace: ns.clone(),
                name: name.clone(),
                difference: DifferenceKind::Extra,
            });
        }
    }
    out.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingress::mci::MciStatus;
    use crate::ingress::mcs::ClusterSelector;

    #[test]
    fn identical_sets_ignore_status_and_order() {
        let mut with_vip = MultiClusterIngress::new("blue", "web");
        with_vip.status = Some(MciStatus {
            vip: Some("203.0.113.1".into()),
        });
        let plain = MultiClusterIngress::new("blue", "web");
        let a = [
            MultiClusterService::test("foo"),
            MultiClusterService::new("blue", "bar"),
        ];
        let b = [
            MultiClusterService::new("blue", "bar"),
            MultiClusterService::test("foo"),
        ];
        let diffs = compare(
            IngressSet {
                services: &a,
                ingresses: &[with_vip],
            },
            IngressSet {
                services: &b,
                ingresses: &[plain],
            },
        );
        assert_eq!(diffs, []);
    }

    #[test]
    fn missing_extra_and_different_are_named() {
        let mut changed = MultiClusterService::test("foo");
        changed.spec.clusters.push(ClusterSelector {
            link: "europe-west1-c/gke-eu".into(),
        });
        let current = [
            MultiClusterService::test("foo"),
            MultiClusterService::new("blue", "bar"),
        ];
        let candidate = [changed, MultiClusterService::new("red", "baz")];
        let ingress = [MultiClusterIngress::new("blue", "web")];
        let diffs = compare(
            IngressSet {
                services: &current,
                ingresses: &ingress,
            },
            IngressSet {
                services: &candidate,
                ingresses: &[],
            },
        );
        let seen: Vec<String> = diffs.iter().map(|d| d.describe("gke-eu")).collect();
        assert_eq!(
            seen,
            [
                "MultiClusterService blue/bar is missing on gke-eu",
                "MultiClusterService blue/foo differs on gke-eu",
                "MultiClusterService red/baz exists only on gke-eu",
                "MultiClusterIngress blue/web is missing on gke-eu",
            ]
        );
    }
}
