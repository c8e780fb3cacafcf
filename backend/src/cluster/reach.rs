//! What a member says about the reach of a workload deploy: the mesh CA
//! material a namespace holds, which puts it out of reach of workloads
//! (the rule itself is `shared::workloads::reach`).

use shared::workloads::reach::CA_MATERIAL;

use super::apply::{self, ObjectRef};
use super::error::ClusterError;
use super::member_api::MemberApi;

/// The mesh CA material `namespace` holds: each Secret or ConfigMap named
/// in [`CA_MATERIAL`] found there, as `Kind name`.
pub async fn ca_material(member: &MemberApi, namespace: &str) -> Result<Vec<String>, ClusterError> {
    let client = member.client();
    member
        .named(async {
            let mut held = Vec::new();
            for kind in ["Secret", "ConfigMap"] {
                for name in CA_MATERIAL {
                    let object = ObjectRef {
                        api_version: "v1".into(),
                        kind: kind.into(),
                        namespace: Some(namespace.into()),
                        name: name.into(),
                    };
                    if apply::live(client, &object).await?.is_some() {
                        held.push(format!("{kind} {name}"));
                    }
                }
            }
            Ok(held)
        })
        .await
}
