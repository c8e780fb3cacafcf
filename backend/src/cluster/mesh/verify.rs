//! Verifying a namespace (SPEC §2.4): its pods per proxy revision, those
//! on the revision (`kubectl get pods -l istio.io/rev=<rev>`), and the
//! stragglers by name, read live from the cluster.

use std::collections::BTreeMap;

use shared::ClusterName;
use shared::fleet::Namespace;
use shared::mesh::REV_LABEL;
use shared::mesh::migration::run::Verification;
use shared::mesh::migration::{INJECTION_LABEL, state_of};

use crate::cluster::MemberApi;
use crate::cluster::mesh::calls;
use crate::cluster::mesh::error::MigrationError;
use crate::cluster::mesh::workload;
use crate::cluster::watch::projection;

/// Where `namespace` on `cluster` stands against `revision`.
pub async fn namespace(
    member: &MemberApi,
    cluster: ClusterName,
    namespace: &str,
    revision: &str,
) -> Result<Option<Verification>, MigrationError> {
    let client = member.client();
    let api: kube::Api<k8s_openapi::api::core::v1::Namespace> = kube::Api::all(client.clone());
    let Some(object) =
        calls::get_opt(&api, namespace, format!("reading namespace {namespace}")).await?
    else {
        return Ok(None);
    };
    let pods = workload::pods(member, namespace).await?;
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    let mut model = Namespace {
        name: namespace.to_owned(),
        rev_label: projection::label(&object.metadata, REV_LABEL).map(str::to_owned),
        injection_label: projection::label(&object.metadata, INJECTION_LABEL).map(str::to_owned),
        pods: BTreeMap::new(),
    };
    for pod in &pods {
        let key = pod.revision.clone().unwrap_or_default();
        *counts.entry(key.clone()).or_default() += 1;
        let count = model.pods.entry(key).or_default();
        count.total += 1;
        count.ready += u32::from(pod.ready);
    }
    Ok(Some(Verification {
        cluster,
        namespace: namespace.to_owned(),
        revision: revision.to_owned(),
        state: state_of(&model, revision),
        pods: counts,
        on_revision: pods
            .iter()
            .filter(|p| p.revision.as_deref() == Some(revision))
            .map(|p| p.name.clone())
            .collect(),
        stragglers: pods
            .iter()
            .filter(|p| !p.settled_on(revision))
            .map(workload::PodState::straggler)
            .collect(),
    }))
}
