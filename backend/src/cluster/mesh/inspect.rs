//! What an install reads from a member cluster: its Services' ports (for
//! the port-naming check), its fleet Membership (for Mesh CA), and the
//! state of a revision's istiod (readiness, why it is not ready, which
//! revision its pods carry).

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Secret, Service};
use kube::api::{Api, DynamicObject, ListParams, LogParams};
use kube::discovery::ApiResource;
use shared::mesh::{ISTIO_SYSTEM, REV_LABEL, ServicePort, ServicePorts};

use crate::cluster::MemberApi;
use crate::cluster::apply::ApplyError;

/// Every Service of the cluster with its ports.
pub async fn service_ports(member: &MemberApi) -> Result<Vec<ServicePorts>, ApplyError> {
    let client = member.client();
    let services: Api<Service> = Api::all(client.clone());
    let list = services
        .list(&ListParams::default())
        .await
        .map_err(|e| ApplyError::from_kube("listing Services", e))?;
    Ok(list
        .items
        .into_iter()
        .map(|s| ServicePorts {
            namespace: s.metadata.namespace.unwrap_or_default(),
            name: s.metadata.name.unwrap_or_default(),
            ports: s
                .spec
                .and_then(|spec| spec.ports)
                .unwrap_or_default()
                .into_iter()
                .map(|p| ServicePort {
                    name: p.name.unwrap_or_default(),
                    port: u16::try_from(p.port).unwrap_or(0),
                    protocol: p.protocol.unwrap_or_else(|| "TCP".into()),
                })
                .collect(),
        })
        .collect())
}

/// The owner id of the cluster's fleet Membership (`hub.gke.io/v1`
/// `Membership` named `membership`), if it is registered.
pub async fn membership(member: &MemberApi) -> Result<Option<String>, ApplyError> {
    let client = member.client();
    let resource = ApiResource {
        group: "hub.gke.io".into(),
        version: "v1".into(),
        api_version: "hub.gke.io/v1".into(),
        kind: "Membership".into(),
        plural: "memberships".into(),
    };
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
    match api.get_opt("membership").await {
        Ok(found) => Ok(found.map(|m| {
            m.data
                .pointer("/spec/owner/id")
                .and_then(|v| v.as_str())
                .unwrap_or("membership")
                .to_owned()
        })),
        // No Membership CRD: not registered.
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
        Err(e) => Err(ApplyError::from_kube("reading the fleet Membership", e)),
    }
}

/// A revision's istiod as the install waits for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IstiodState {
    /// The Deployment reports an available replica.
    pub ready: bool,
    /// `app=istiod` pods of the revision, and how many are Ready.
    pub pods: usize,
    pub ready_pods: usize,
    /// Why it is not ready, from its pods' state and the discovery log.
    pub reason: Option<String>,
}

/// The state of `istiod-<rev>`.
pub async fn istiod(member: &MemberApi, revision: &str) -> Result<IstiodState, ApplyError> {
    let client = member.client();
    let name = format!("istiod-{revision}");
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ISTIO_SYSTEM);
    let deployment = deployments.get_opt(&name).await.map_err(|e| {
        ApplyError::from_kube(&format!("reading Deployment {ISTIO_SYSTEM}/{name}"), e)
    })?;
    let available = deployment
        .as_ref()
        .and_then(|d| d.status.as_ref())
        .and_then(|s| s.available_replicas)
        .unwrap_or(0);
    let (pods_api, pods) =
        istiod_pods(client, &format!("app=istiod,{REV_LABEL}={revision}")).await?;
    let ready_pods = pods.iter().filter(|p| pod_ready(p)).count();
    let reason = if available > 0 {
        None
    } else if deployment.is_none() {
        Some(format!("Deployment {ISTIO_SYSTEM}/{name} does not exist"))
    } else {
        Some(not_ready_reason(&pods_api, &pods).await)
    };
    Ok(IstiodState {
        ready: available > 0,
        pods: pods.len(),
        ready_pods,
        reason,
    })
}

/// Where istiod in HSM mode stands with its CA certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsmRequestState {
    /// Secret `istio-ca-cert-csr` exists.
    pub requested: bool,
    /// Secret `istio-ca-cert` exists.
    pub answered: bool,
    /// Why there is no request yet: the unready containers' last log lines.
    pub reason: Option<String>,
}

/// The request and answer secrets, and what istiod's unready containers
/// last logged.
pub async fn hsm_request(
    member: &MemberApi,
    revision: &str,
) -> Result<HsmRequestState, ApplyError> {
    let client = member.client();
    use crate::cluster::hsm_request::{ANSWER_SECRET, REQUEST_SECRET};
    use k8s_openapi::api::core::v1::Secret;
    let secrets: Api<Secret> = Api::namespaced(client.clone(), ISTIO_SYSTEM);
    let exists = |name: &'static str| {
        let secrets = secrets.clone();
        async move {
            secrets
                .get_metadata_opt(name)
                .await
                .map(|s| s.is_some())
                .map_err(|e| {
                    ApplyError::from_kube(&format!("reading secret {ISTIO_SYSTEM}/{name}"), e)
                })
        }
    };
    let requested = exists(REQUEST_SECRET).await?;
    let answered = exists(ANSWER_SECRET).await?;
    let reason = if requested || answered {
        None
    } else {
        let (pods_api, pods) =
            istiod_pods(client, &format!("app=istiod,{REV_LABEL}={revision}")).await?;
        Some(unready_containers(&pods_api, &pods).await)
    };
    Ok(HsmRequestState {
        requested,
        answered,
        reason,
    })
}

/// The last log line of each unready container of the first pod.
async fn unready_containers(api: &Api<Pod>, pods: &[Pod]) -> String {
    let Some(pod) = pods.first() else {
        return "no istiod pod has been created yet".into();
    };
    let name = pod.metadata.name.clone().unwrap_or_default();
    let unready: Vec<String> = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|c| !c.ready)
        .map(|c| c.name)
        .collect();
    if unready.is_empty() {
        return format!("pod {name} has not reported its containers yet");
    }
    let mut out = Vec::new();
    for container in unready {
        let params = LogParams {
            container: Some(container.clone()),
            tail_lines: Some(1),
            ..LogParams::default()
        };
        let last = match api.logs(&name, &params).await {
            Ok(log) if !log.trim().is_empty() => log.trim().to_owned(),
            _ => "nothing logged".into(),
        };
        out.push(format!("{container}: {last}"));
    }
    format!("pod {name} is waiting: {}", out.join("; "))
}

fn pod_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// What a not-ready istiod pod says about itself: a waiting container's
/// reason, else the last lines of its discovery log.
async fn not_ready_reason(api: &Api<Pod>, pods: &[Pod]) -> String {
    let Some(pod) = pods.first() else {
        return "no istiod pod has been created yet".into();
    };
    let name = pod.metadata.name.clone().unwrap_or_default();
    let waiting = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten()
        .find_map(|c| c.state.as_ref()?.waiting.as_ref())
        .map(|w| {
            format!(
                "{}{}",
                w.reason.clone().unwrap_or_default(),
                w.message
                    .as_ref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            )
        });
    if let Some(waiting) = waiting.filter(|w| !w.is_empty()) {
        return format!("pod {name}: {waiting}");
    }
    let params = LogParams {
        container: Some("discovery".into()),
        tail_lines: Some(3),
        ..LogParams::default()
    };
    match api.logs(&name, &params).await {
        Ok(log) if !log.trim().is_empty() => {
            format!("pod {name} is not Ready; its log ends: {}", log.trim())
        }
        _ => format!("pod {name} is not Ready yet"),
    }
}

/// The `app=istiod` pods not labelled with `revision` among those of the
/// revision's Deployment (verification: every pod of `istiod-<rev>`
/// carries `istio.io/rev=<rev>`). Returns (checked, offenders).
pub async fn istiod_pod_revisions(
    member: &MemberApi,
    revision: &str,
) -> Result<(usize, Vec<String>), ApplyError> {
    let client = member.client();
    let (_, pods) = istiod_pods(client, "app=istiod").await?;
    let prefix = format!("istiod-{revision}-");
    let ours: Vec<&Pod> = pods
        .iter()
        .filter(|p| {
            p.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .collect();
    let offenders = ours
        .iter()
        .filter(|p| {
            p.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(REV_LABEL))
                .map(String::as_str)
                != Some(revision)
        })
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    Ok((ours.len(), offenders))
}

/// Secret `istio-system/cacerts` as text by key, if it exists.
pub async fn cacerts_data(
    member: &MemberApi,
) -> Result<Option<std::collections::BTreeMap<String, String>>, ApplyError> {
    let secrets: Api<Secret> = Api::namespaced(member.client().clone(), ISTIO_SYSTEM);
    let secret = secrets
        .get_opt("cacerts")
        .await
        .map_err(|e| ApplyError::from_kube("reading secret istio-system/cacerts", e))?;
    Ok(secret.map(|s| {
        s.data
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, String::from_utf8_lossy(&v.0).into_owned()))
            .collect()
    }))
}

/// The istiod pods `selector` picks in istio-system, with the API that
/// reads their logs.
async fn istiod_pods(
    client: &kube::Client,
    selector: &str,
) -> Result<(Api<Pod>, Vec<Pod>), ApplyError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), ISTIO_SYSTEM);
    let pods = api
        .list(&ListParams::default().labels(selector))
        .await
        .map_err(|e| ApplyError::from_kube("listing istiod pods", e))?
        .items;
    Ok((api, pods))
}
