//! The control plane side of a migration on one cluster: who still uses a
//! revision (read live, not from the watchers' snapshot, which may lag a
//! relabel just made), deleting a revision's istiod objects and webhooks,
//! rolling the ingress gateway back to its previous revision when it had
//! been moved to the one being rolled back (`rollout undo`), and keeping
//! the validation webhooks' Service `istiod` on a revision that is there.

use std::collections::BTreeMap;

use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhookConfiguration, ValidatingWebhookConfiguration,
};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Namespace as NamespaceObject, Pod, Service};
use kube::api::{Api, ListParams};
use serde_json::{Value, json};
use shared::fleet::{Cluster, Namespace, PodCount};
use shared::mesh::migration::gateway::INGRESS_GATEWAY;
use shared::mesh::migration::{Doomed, INJECTION_LABEL, istiod_name};
use shared::mesh::{ISTIO_SYSTEM, REV_LABEL};

use super::ROLLOUT_REVISION;
use super::calls;
use super::error::MigrationError;
use crate::cluster::MemberApi;
use crate::cluster::apply::{ApplyError, ObjectRef};
use crate::cluster::delete;
use crate::cluster::watch::projection;

/// The Service the validation webhooks call (SPEC §2.1). It shares its
/// name with the unrevisioned control plane's own Service, which an install
/// of a revision takes over.
pub const VALIDATION_SERVICE: &str = "istiod";

/// The revision the validation Service selects (`default` for a selector
/// without `istio.io/rev`), or `None` when there is no such Service.
pub async fn validation_revision(member: &MemberApi) -> Result<Option<String>, MigrationError> {
    let client = member.client();
    let services: Api<Service> = Api::namespaced(client.clone(), ISTIO_SYSTEM);
    let service = calls::get_opt(
        &services,
        VALIDATION_SERVICE,
        format!("reading Service {ISTIO_SYSTEM}/{VALIDATION_SERVICE}"),
    )
    .await?;
    Ok(service.map(|s| {
        s.spec
            .and_then(|spec| spec.selector)
            .and_then(|selector| selector.get(REV_LABEL).cloned())
            .unwrap_or_else(|| shared::fleet::DEFAULT_REVISION.to_owned())
    }))
}

/// Finish's step for Service `istiod` of the unrevisioned control plane:
/// deleted, unless it is the validation Service of a revision that stays
/// (an install pointed it there), which keeps validation working.
pub async fn delete_unless_validating(
    member: &MemberApi,
    doomed: &Doomed,
    uid: Option<&str>,
    finishing: &str,
) -> Result<String, MigrationError> {
    match validation_revision(member).await? {
        Some(selected) if selected != finishing => Ok(format!(
            "kept: it is the validation webhooks' Service and selects {selected}"
        )),
        _ => delete(member, doomed, uid).await.map(str::to_owned),
    }
}

/// After `removed` is gone: a validation Service still selecting it is
/// pointed back at the unrevisioned control plane when that one is there.
pub async fn restore_validation(
    member: &MemberApi,
    removed: &str,
) -> Result<String, MigrationError> {
    let client = member.client();
    let default = shared::fleet::DEFAULT_REVISION;
    if validation_revision(member).await?.as_deref() != Some(removed) {
        return Ok(format!(
            "Service {ISTIO_SYSTEM}/{VALIDATION_SERVICE} does not select {removed}"
        ));
    }
    if istiod_version(member, default).await?.is_none() {
        return Ok(format!(
            "Service {ISTIO_SYSTEM}/{VALIDATION_SERVICE} still selects {removed}: no other control plane to point it at"
        ));
    }
    let services: Api<Service> = Api::namespaced(client.clone(), ISTIO_SYSTEM);
    let patch = json!({
        "metadata": {"labels": {REV_LABEL: default}},
        "spec": {"selector": {REV_LABEL: default}},
    });
    calls::merge_patch(
        &services,
        VALIDATION_SERVICE,
        &patch,
        format!("pointing Service {ISTIO_SYSTEM}/{VALIDATION_SERVICE} back at {default}"),
    )
    .await?;
    Ok(format!(
        "Service {ISTIO_SYSTEM}/{VALIDATION_SERVICE} points at {default} again"
    ))
}

/// `cluster` with its namespaces (labels, pods by proxy revision) read
/// from the cluster now.
pub async fn live_usage(
    member: &MemberApi,
    mut cluster: Cluster,
) -> Result<Cluster, MigrationError> {
    let namespaces: Vec<NamespaceObject> = calls::list_all(member, "namespaces").await?;
    let pods: Vec<Pod> = calls::list_all(member, "pods").await?;
    let mut counts: BTreeMap<String, BTreeMap<String, PodCount>> = BTreeMap::new();
    for pod in &pods {
        let Some(revision) = projection::proxy_revision(&pod.metadata) else {
            continue;
        };
        let ready = pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let count = counts.entry(ns).or_default().entry(revision).or_default();
        count.total += 1;
        count.ready += u32::from(ready);
    }
    let mut live: Vec<Namespace> = namespaces
        .iter()
        .map(|n| {
            let name = n.metadata.name.clone().unwrap_or_default();
            let label = |k: &str| projection::label(&n.metadata, k).map(str::to_owned);
            Namespace {
                rev_label: label(REV_LABEL),
                injection_label: label(INJECTION_LABEL),
                pods: counts.remove(&name).unwrap_or_default(),
                name,
            }
        })
        .collect();
    live.sort_by(|a, b| a.name.cmp(&b.name));
    cluster.namespaces = live;
    Ok(cluster)
}

fn object_of(doomed: &Doomed) -> ObjectRef {
    ObjectRef {
        api_version: doomed.api_version.clone(),
        kind: doomed.kind.clone(),
        namespace: doomed.namespace.clone(),
        name: doomed.name.clone(),
    }
}

/// The uid of the live object a cleanup names, for a plan to delete that
/// object and no other; `None` when absent (or its kind is not served).
pub async fn uid_of(member: &MemberApi, doomed: &Doomed) -> Result<Option<String>, MigrationError> {
    match delete::uid(member.client(), &object_of(doomed)).await {
        Ok(uid) => Ok(uid),
        Err(ApplyError::Invalid(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Deletes one object a cleanup names, only if it is still the one with
/// `uid` when given (the one its plan saw): `deleted`, or `absent` when it
/// was not there (or its kind is not served there).
pub async fn delete(
    member: &MemberApi,
    doomed: &Doomed,
    uid: Option<&str>,
) -> Result<&'static str, MigrationError> {
    match delete::delete_seen(member.client(), &object_of(doomed), uid).await {
        Ok(true) => Ok("deleted"),
        Ok(false) | Err(ApplyError::Invalid(_)) => Ok("absent"),
        Err(e) => Err(e.into()),
    }
}

/// The webhook configurations labelled for `revision`.
pub async fn webhooks_of(
    member: &MemberApi,
    revision: &str,
) -> Result<Vec<Doomed>, MigrationError> {
    let client = member.client();
    let params = ListParams::default().labels(&format!("{REV_LABEL}={revision}"));
    let mutating: Api<MutatingWebhookConfiguration> = Api::all(client.clone());
    let validating: Api<ValidatingWebhookConfiguration> = Api::all(client.clone());
    let cluster_scoped = |kind: &str, name: Option<String>| Doomed {
        api_version: "admissionregistration.k8s.io/v1".into(),
        kind: kind.into(),
        namespace: None,
        name: name.unwrap_or_default(),
    };
    let mut found: Vec<Doomed> = calls::list(&mutating, &params, "listing mutating webhooks")
        .await?
        .into_iter()
        .map(|w| cluster_scoped("MutatingWebhookConfiguration", w.metadata.name))
        .collect();
    found.extend(
        calls::list(&validating, &params, "listing validating webhooks")
            .await?
            .into_iter()
            .map(|w| cluster_scoped("ValidatingWebhookConfiguration", w.metadata.name)),
    );
    Ok(found)
}

/// The version tag of `revision`'s istiod image (`1.7.8-asm.10`), if it
/// is there.
pub async fn istiod_version(
    member: &MemberApi,
    revision: &str,
) -> Result<Option<String>, MigrationError> {
    let client = member.client();
    let api: Api<Deployment> = Api::namespaced(client.clone(), ISTIO_SYSTEM);
    let d = calls::get_opt(
        &api,
        &istiod_name(revision),
        format!("reading {}", istiod_name(revision)),
    )
    .await?;
    Ok(
        d.and_then(|d| d.spec.template.spec?.containers.first()?.image.clone())
            .and_then(|image| image.rsplit_once(':').map(|(_, tag)| tag.to_owned())),
    )
}

/// Rolls `istio-ingressgateway` back to its previous ReplicaSet's template
/// if its current one was moved to `revision` (labelled for it, or running
/// its `version`); says what it did.
pub async fn undo_gateway(
    member: &MemberApi,
    revision: &str,
    version: Option<&str>,
) -> Result<String, MigrationError> {
    let client = member.client();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ISTIO_SYSTEM);
    let Some(gateway) =
        calls::get_opt(&deployments, INGRESS_GATEWAY, "reading the ingress gateway").await?
    else {
        return Ok("no istio-ingressgateway Deployment: nothing to roll back".into());
    };
    let template = gateway.spec.template.clone();
    let labelled = template
        .metadata
        .as_ref()
        .and_then(|m| projection::label(m, REV_LABEL))
        == Some(revision);
    let runs_version = version.is_some_and(|v| {
        template.spec.iter().flat_map(|s| &s.containers).any(|c| {
            c.image
                .as_deref()
                .is_some_and(|i| i.ends_with(&format!(":{v}")))
        })
    });
    if !labelled && !runs_version {
        return Ok(format!("not moved to {revision}: left as it is"));
    }
    let current: i64 = annotation(&gateway.metadata, ROLLOUT_REVISION);
    let owned = calls::list_in::<ReplicaSet>(member, ISTIO_SYSTEM, "ReplicaSets")
        .await?
        .into_iter()
        .filter(|rs| {
            rs.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.kind == "Deployment" && o.name == INGRESS_GATEWAY)
        });
    let previous = owned
        .map(|rs| (annotation(&rs.metadata, ROLLOUT_REVISION), rs))
        .filter(|(r, _)| *r < current)
        .max_by_key(|(r, _)| *r);
    let Some((number, rs)) = previous else {
        return Err(MigrationError::NoPreviousGateway {
            revision: revision.to_owned(),
        });
    };
    let mut old = serde_json::to_value(&rs.spec.template)?;
    if let Some(labels) = old
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove("pod-template-hash");
    }
    let now = serde_json::to_value(&template)?;
    // A merge patch keeps keys it does not name: the moved template's
    // extra labels and annotations are removed explicitly.
    for field in ["labels", "annotations"] {
        let keep = old["metadata"][field]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if let Some(extra) = now["metadata"][field].as_object() {
            for key in extra.keys().filter(|k| !keep.contains_key(*k)) {
                old["metadata"][field][key] = Value::Null;
            }
        }
    }
    calls::merge_patch(
        &deployments,
        INGRESS_GATEWAY,
        &json!({"spec": {"template": old}}),
        "rolling back istio-ingressgateway",
    )
    .await?;
    Ok(format!("rolled back to revision {number} (from {current})"))
}

fn annotation(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta, key: &str) -> i64 {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
