//! Fleet registration as it shows inside a member cluster: the
//! `memberships.hub.gke.io` CRD the Connect agent installs and the
//! cluster-scoped `Membership` named `membership` that names the fleet.

use serde_json::{Value, json};

use super::{ClusterSpec, Platform, Scenario};

/// The CRD and the Membership of `spec`'s cluster (nothing when the
/// scenario says it is not registered).
pub fn objects(scenario: &Scenario, spec: &ClusterSpec) -> Vec<Value> {
    if !spec.registered {
        return Vec::new();
    }
    let fleet = &scenario.fleet.project;
    let name = &spec.name;
    let owner =
        format!("//gkehub.googleapis.com/projects/{fleet}/locations/global/memberships/{name}");
    // GKE clusters are their own OIDC issuer; others use the fleet's.
    let issuer = match spec.platform {
        Platform::Gke => format!(
            "https://container.googleapis.com/v1/projects/{}/locations/{}/clusters/{name}",
            spec.project, spec.location
        ),
        _ => format!(
            "https://gkehub.googleapis.com/projects/{fleet}/locations/global/memberships/{name}"
        ),
    };
    vec![
        crd(),
        json!({
            "apiVersion": "hub.gke.io/v1",
            "kind": "Membership",
            "metadata": {"name": "membership"},
            "spec": {
                "owner": {"id": owner},
                "identity_provider": issuer,
                "workload_identity_pool": format!("{fleet}.svc.id.goog"),
            },
        }),
    ]
}

fn crd() -> Value {
    let string = json!({"type": "string"});
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "memberships.hub.gke.io"},
        "spec": {
            "group": "hub.gke.io",
            "scope": "Cluster",
            "names": {"plural": "memberships", "singular": "membership", "kind": "Membership",
                      "listKind": "MembershipList"},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "apiVersion": string, "kind": string, "metadata": {"type": "object"},
                    "spec": {"type": "object", "properties": {
                        "owner": {"type": "object", "properties": {"id": string}},
                        "identity_provider": string,
                        "workload_identity_pool": string,
                    }},
                }}},
            }],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_member_names_the_fleet() {
        let s = Scenario::default_fleet();
        let eu = s.cluster("gke-eu").unwrap();
        let objects = objects(&s, eu);
        assert_eq!(objects[0]["metadata"]["name"], "memberships.hub.gke.io");
        let m = &objects[1]["spec"];
        assert_eq!(
            m["owner"]["id"],
            "//gkehub.googleapis.com/projects/project-a/locations/global/memberships/gke-eu"
        );
        assert_eq!(m["workload_identity_pool"], "project-a.svc.id.goog");
        assert!(
            m["identity_provider"]
                .as_str()
                .unwrap()
                .contains("/clusters/gke-eu")
        );
        let mut unregistered = eu.clone();
        unregistered.registered = false;
        assert!(super::objects(&s, &unregistered).is_empty());
    }
}
