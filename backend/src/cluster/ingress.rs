//! Multi-cluster ingress on the clusters: the config cluster's
//! MultiClusterServices and MultiClusterIngresses read as
//! `shared::ingress` objects, the derived Services and matching pods on a
//! member, and the Events the controller recorded about a resource.
//! Writes go through [`super::apply`].

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Event, Pod, Service};
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use serde::de::DeserializeOwned;
use shared::fleet::PodCount;
use shared::ingress::api::IngressEvent;
use shared::ingress::{MultiClusterIngress, MultiClusterService, derived_service_name};

use super::apply::{ApplyError, ObjectRef, reviewable};
use super::error::ClusterError;
use super::member_api::MemberApi;

/// The API group and version of both resources.
const GROUP: &str = "networking.gke.io";
const VERSION: &str = "v1";

/// MultiClusterService or MultiClusterIngress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Service,
    Ingress,
}

impl Kind {
    pub fn kind(self) -> &'static str {
        match self {
            Kind::Service => "MultiClusterService",
            Kind::Ingress => "MultiClusterIngress",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Kind::Service => "multiclusterservices",
            Kind::Ingress => "multiclusteringresses",
        }
    }

    fn resource(self) -> ApiResource {
        ApiResource {
            group: GROUP.into(),
            version: VERSION.into(),
            api_version: format!("{GROUP}/{VERSION}"),
            kind: self.kind().into(),
            plural: self.plural().into(),
        }
    }

    /// The object `namespace/name` of this kind.
    pub fn object(self, namespace: &str, name: &str) -> ObjectRef {
        ObjectRef {
            api_version: format!("{GROUP}/{VERSION}"),
            kind: self.kind().into(),
            namespace: Some(namespace.to_owned()),
            name: name.to_owned(),
        }
    }
}

/// Every object of `kind` read as `T`, by namespace and name.
async fn list<T: DeserializeOwned>(member: &MemberApi, kind: Kind) -> Result<Vec<T>, ClusterError> {
    let api: Api<DynamicObject> = Api::all_with(member.client().clone(), &kind.resource());
    let mut listed = api
        .list(&ListParams::default())
        .await
        .map_err(|e| {
            member.failed(ApplyError::from_kube(
                &format!("listing {}", kind.plural()),
                e,
            ))
        })?
        .items;
    listed.sort_by(|a, b| {
        let key = |o: &DynamicObject| (o.metadata.namespace.clone(), o.metadata.name.clone());
        key(a).cmp(&key(b))
    });
    let mut out = Vec::new();
    for object in listed {
        let name = object.metadata.name.clone().unwrap_or_default();
        let value = serde_json::to_value(&object).unwrap_or_default();
        match serde_json::from_value(strip_server_fields(value)) {
            Ok(parsed) => out.push(parsed),
            // One unreadable object must not hide the others.
            Err(e) => {
                tracing::warn!(kind = kind.kind(), %name, error = %e, "skipping an object the console cannot read")
            }
        }
    }
    Ok(out)
}

/// Keeps `status` (an ingress's VIP) but drops server bookkeeping.
fn strip_server_fields(value: serde_json::Value) -> serde_json::Value {
    let status = value.get("status").cloned();
    let mut out = reviewable(value);
    if let (Some(status), Some(map)) = (status, out.as_object_mut()) {
        map.insert("status".into(), status);
    }
    out
}

/// Every MultiClusterService of the cluster, by namespace and name.
pub async fn services(member: &MemberApi) -> Result<Vec<MultiClusterService>, ClusterError> {
    list(member, Kind::Service).await
}

/// Every MultiClusterIngress of the cluster, by namespace and name.
pub async fn ingresses(member: &MemberApi) -> Result<Vec<MultiClusterIngress>, ClusterError> {
    list(member, Kind::Ingress).await
}

/// One MultiClusterService or MultiClusterIngress read as `T`, with its
/// `resourceVersion` from the same read (what an editor showing it may
/// delete); `None` if absent.
pub async fn one<T: DeserializeOwned>(
    member: &MemberApi,
    kind: Kind,
    namespace: &str,
    name: &str,
) -> Result<Option<(T, Option<String>)>, ClusterError> {
    let title = format!("{} {namespace}/{name}", kind.kind());
    let api: Api<DynamicObject> =
        Api::namespaced_with(member.client().clone(), namespace, &kind.resource());
    let Some(found) = api
        .get_opt(name)
        .await
        .map_err(|e| member.failed(ApplyError::from_kube(&title, e)))?
    else {
        return Ok(None);
    };
    let version = found.metadata.resource_version.clone();
    let value = strip_server_fields(serde_json::to_value(&found).unwrap_or_default());
    let parsed = serde_json::from_value(value)
        .map_err(|e| member.failed(ApplyError::Invalid(format!("{title}: {e}"))))?;
    Ok(Some((parsed, version)))
}

/// Whether `mcs`'s derived Service exists on the cluster.
pub async fn derived_present(
    member: &MemberApi,
    mcs: &MultiClusterService,
) -> Result<bool, ClusterError> {
    let name = derived_service_name(mcs.namespace(), mcs.name());
    let api: Api<Service> = Api::namespaced(member.client().clone(), mcs.namespace());
    api.get_opt(&name).await.map(|s| s.is_some()).map_err(|e| {
        member.failed(ApplyError::from_kube(
            &format!("Service {}/{name}", mcs.namespace()),
            e,
        ))
    })
}

/// The pods of `mcs`'s namespace its selector matches, and how many are
/// Ready. An empty selector matches none (as for a Service).
pub async fn matching_pods(
    member: &MemberApi,
    mcs: &MultiClusterService,
) -> Result<PodCount, ClusterError> {
    let selector = &mcs.spec.template.spec.selector;
    if selector.is_empty() {
        return Ok(PodCount::default());
    }
    let api: Api<Pod> = Api::namespaced(member.client().clone(), mcs.namespace());
    let pods = api
        .list(&ListParams::default().labels(&label_selector(selector)))
        .await
        .map_err(|e| {
            member.failed(ApplyError::from_kube(
                &format!("pods of {}", mcs.namespace()),
                e,
            ))
        })?;
    let ready = pods.items.iter().filter(|p| is_ready(p)).count();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(PodCount {
        total: count(pods.items.len()),
        ready: count(ready),
    })
}

fn label_selector(selector: &BTreeMap<String, String>) -> String {
    selector
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// The Events about `kind namespace/name`, oldest first.
pub async fn events(
    member: &MemberApi,
    kind: Kind,
    namespace: &str,
    name: &str,
) -> Result<Vec<IngressEvent>, ClusterError> {
    let api: Api<Event> = Api::namespaced(member.client().clone(), namespace);
    let listed = api
        .list(&ListParams::default())
        .await
        .map_err(|e| member.failed(ApplyError::from_kube(&format!("events of {namespace}"), e)))?;
    let mut about: Vec<&Event> = listed
        .items
        .iter()
        .filter(|e| {
            e.involved_object.kind.as_deref() == Some(kind.kind())
                && e.involved_object.name.as_deref() == Some(name)
        })
        .collect();
    about.sort_by_key(|e| e.last_timestamp.as_ref().map(|t| t.0));
    Ok(about
        .into_iter()
        .map(|e| IngressEvent {
            kind: e.type_.clone().unwrap_or_else(|| "Normal".into()),
            reason: e.reason.clone().unwrap_or_default(),
            message: e.message.clone().unwrap_or_default(),
        })
        .collect())
}
