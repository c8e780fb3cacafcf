//! What a target cluster says about a migration: whether its namespace
//! exists, the pull secrets there (hosts only, never their data), each
//! workload's rollout, its pods and their events, read through the dynamic
//! API of [`super::apply`]. Features call it with a [`MemberApi`], so
//! every failure names the member.
//!
//! Lists are the one kube call `cluster::apply` does not offer; they are
//! made here on its dynamic API rather than widening that module while
//! others change it.

use kube::api::ListParams;
use serde_json::Value;
use shared::workloads::api::{EventView, PodStatus, WorkloadStatus};
use shared::workloads::doctor::{ContainerFacts, EventFacts, PodFacts, SecretFacts};
use shared::workloads::pull_secret::secret_servers;
use shared::workloads::rollout::{RolloutFacts, RolloutState, state_of};

use super::apply::{self, ApplyError, ObjectRef};
use super::error::ClusterError;
use super::member_api::MemberApi;

fn core(kind: &str, namespace: &str, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: "v1".into(),
        kind: kind.into(),
        namespace: Some(namespace.into()),
        name: name.into(),
    }
}

async fn list(
    client: &kube::Client,
    kind: &str,
    namespace: &str,
    params: &ListParams,
) -> Result<Vec<Value>, ApplyError> {
    let api = apply::api_for(client, &core(kind, namespace, "")).await?;
    let items = api
        .list(params)
        .await
        .map_err(|e| ApplyError::from_kube(&format!("{kind} list in {namespace}"), e))?;
    Ok(items
        .items
        .iter()
        .map(|o| serde_json::to_value(o).unwrap_or(Value::Null))
        .collect())
}

/// Whether `namespace` exists on the cluster.
pub async fn namespace_exists(member: &MemberApi, namespace: &str) -> Result<bool, ClusterError> {
    let object = ObjectRef {
        api_version: "v1".into(),
        kind: "Namespace".into(),
        namespace: None,
        name: namespace.into(),
    };
    Ok(member.live(&object).await?.is_some())
}

/// The namespace's default service account, as applied objects read.
pub async fn default_service_account(
    member: &MemberApi,
    namespace: &str,
) -> Result<Option<Value>, ClusterError> {
    member
        .live(&core("ServiceAccount", namespace, "default"))
        .await
}

/// The pull secrets of `namespace` with the registry hosts they cover.
pub async fn pull_secrets(
    member: &MemberApi,
    namespace: &str,
) -> Result<Vec<SecretFacts>, ClusterError> {
    let client = member.client();
    member
        .named(async {
            let params = ListParams::default().fields("type=kubernetes.io/dockerconfigjson");
            let secrets = match list(client, "Secret", namespace, &params).await {
                // Not every API server filters secrets by type.
                Err(ApplyError::Refused { status: 400, .. }) => {
                    list(client, "Secret", namespace, &ListParams::default()).await?
                }
                other => other?,
            };
            Ok(secrets
                .iter()
                .filter_map(|s| {
                    let servers = secret_servers(s);
                    let name = s["metadata"]["name"].as_str()?;
                    (!servers.is_empty()).then(|| SecretFacts {
                        name: name.to_owned(),
                        servers,
                    })
                })
                .collect())
        })
        .await
}

/// A workload's rollout and its pods.
pub struct WorkloadLive {
    pub status: WorkloadStatus,
    pub pods: Vec<Value>,
}

/// The live rollout of the workload `manifest` describes.
pub async fn workload(member: &MemberApi, manifest: &Value) -> Result<WorkloadLive, ClusterError> {
    let client = member.client();
    member
        .named(async {
            let object = ObjectRef::of(manifest)?;
            let namespace = object.namespace.clone().unwrap_or_default();
            let api = apply::api_for(client, &object).await?;
            let found = api
                .get_opt(&object.name)
                .await
                .map_err(|e| ApplyError::from_kube(&object.title(), e))?
                .map(|o| serde_json::to_value(o).unwrap_or(Value::Null));
            let Some(live) = found else {
                return Ok(WorkloadLive {
                    status: WorkloadStatus {
                        kind: object.kind.clone(),
                        name: object.name.clone(),
                        desired: 0,
                        available: 0,
                        state: RolloutState::Missing,
                    },
                    pods: Vec::new(),
                });
            };
            let pods = match selector(&live) {
                Some(selector) => {
                    let params = ListParams::default().labels(&selector);
                    list(client, "Pod", &namespace, &params).await?
                }
                None => Vec::new(),
            };
            let facts = rollout_facts(&object.kind, &live);
            let pod_facts: Vec<PodFacts> = pods.iter().map(pod_facts).collect();
            Ok(WorkloadLive {
                status: WorkloadStatus {
                    kind: object.kind.clone(),
                    name: object.name.clone(),
                    desired: facts.desired,
                    available: facts.available,
                    state: state_of(&facts, &pod_facts),
                },
                pods,
            })
        })
        .await
}

/// `spec.selector.matchLabels` as a label selector.
fn selector(workload: &Value) -> Option<String> {
    let labels = workload["spec"]["selector"]["matchLabels"].as_object()?;
    let terms: Vec<String> = labels
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(","))
}

fn count(value: &Value) -> u32 {
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

fn rollout_facts(kind: &str, live: &Value) -> RolloutFacts {
    let status = &live["status"];
    let generation = live["metadata"]["generation"].as_i64().unwrap_or(0);
    let observed = status["observedGeneration"].as_i64().unwrap_or(0);
    let replicas = || {
        live["spec"]["replicas"]
            .as_u64()
            .map_or(1, |n| u32::try_from(n).unwrap_or(u32::MAX))
    };
    let (desired, updated, available) = match kind {
        "DaemonSet" => (
            count(&status["desiredNumberScheduled"]),
            count(&status["updatedNumberScheduled"]),
            count(&status["numberAvailable"]),
        ),
        "StatefulSet" => (
            replicas(),
            count(&status["updatedReplicas"]),
            count(&status["availableReplicas"]),
        ),
        _ => (
            replicas(),
            count(&status["updatedReplicas"]),
            count(&status["availableReplicas"]),
        ),
    };
    let stalled = status["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Progressing" && c["status"] == "False")
        .map(|c| c["reason"].as_str().unwrap_or("not progressing").to_owned());
    RolloutFacts {
        desired,
        updated,
        available,
        stalled,
        outdated: observed < generation || (kind == "DaemonSet" && status.is_null()),
    }
}

/// What the doctor reads of a pod.
pub fn pod_facts(pod: &Value) -> PodFacts {
    let statuses: Vec<&Value> = ["initContainerStatuses", "containerStatuses"]
        .iter()
        .flat_map(|l| pod["status"][*l].as_array().into_iter().flatten())
        .collect();
    let containers = ["initContainers", "containers"]
        .iter()
        .flat_map(|l| pod["spec"][*l].as_array().into_iter().flatten())
        .map(|c| {
            let name = c["name"].as_str().unwrap_or_default();
            let waiting = statuses
                .iter()
                .find(|s| s["name"] == name)
                .and_then(|s| s["state"]["waiting"]["reason"].as_str())
                .map(str::to_owned);
            ContainerFacts {
                name: name.to_owned(),
                image: c["image"].as_str().unwrap_or_default().to_owned(),
                waiting,
            }
        })
        .collect();
    PodFacts {
        name: pod["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        containers,
        pull_secrets: shared::workloads::wiring::names(&pod["spec"]["imagePullSecrets"]),
    }
}

/// A pod as the migration view shows it.
pub fn pod_status(pod: &Value) -> PodStatus {
    let facts = pod_facts(pod);
    PodStatus {
        name: facts.name,
        phase: pod["status"]["phase"]
            .as_str()
            .unwrap_or("Pending")
            .to_owned(),
        ready: pod["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True"),
        waiting: facts.containers.into_iter().find_map(|c| c.waiting),
    }
}

/// Events of `namespace` about the objects named `names` or their
/// generated children (`<name>-…`), oldest first; the newest `limit` when
/// given.
pub async fn events(
    member: &MemberApi,
    namespace: &str,
    names: &[String],
    limit: Option<usize>,
) -> Result<Vec<EventView>, ClusterError> {
    let client = member.client();
    member
        .named(async {
            let mut found: Vec<(String, EventView)> =
                list(client, "Event", namespace, &ListParams::default())
                    .await?
                    .iter()
                    .filter(|e| {
                        let object = e["involvedObject"]["name"].as_str().unwrap_or_default();
                        names
                            .iter()
                            .any(|n| object == n || object.starts_with(&format!("{n}-")))
                    })
                    .map(|e| {
                        let at = ["lastTimestamp", "eventTime", "firstTimestamp"]
                            .iter()
                            .find_map(|f| e[*f].as_str())
                            .or_else(|| e["metadata"]["creationTimestamp"].as_str())
                            .map(str::to_owned);
                        let view = EventView {
                            kind: e["type"].as_str().unwrap_or("Normal").to_owned(),
                            object: format!(
                                "{}/{}",
                                e["involvedObject"]["kind"].as_str().unwrap_or_default(),
                                e["involvedObject"]["name"].as_str().unwrap_or_default()
                            ),
                            reason: e["reason"].as_str().unwrap_or_default().to_owned(),
                            message: e["message"].as_str().unwrap_or_default().to_owned(),
                            count: count(&e["count"]).max(1),
                            at: at.clone(),
                        };
                        (at.unwrap_or_default(), view)
                    })
                    .collect();
            found.sort_by(|a, b| a.0.cmp(&b.0));
            let skip = found.len().saturating_sub(limit.unwrap_or(usize::MAX));
            Ok(found.into_iter().skip(skip).map(|(_, v)| v).collect())
        })
        .await
}

/// The events of one pod, for the doctor.
pub fn pod_events(events: &[EventView], pod: &str) -> Vec<EventFacts> {
    events
        .iter()
        .filter(|e| e.object == format!("Pod/{pod}"))
        .map(|e| EventFacts {
            reason: e.reason.clone(),
            message: e.message.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rollouts_read_from_each_kind_of_status() {
        let deployment = json!({
            "metadata": {"generation": 2},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "q", "tier": "web"}}},
            "status": {"observedGeneration": 2, "updatedReplicas": 3, "availableReplicas": 2,
                "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}
        });
        let facts = rollout_facts("Deployment", &deployment);
        assert_eq!((facts.desired, facts.updated, facts.available), (3, 3, 2));
        assert_eq!(facts.stalled.as_deref(), Some("ProgressDeadlineExceeded"));
        assert!(!facts.outdated);
        assert_eq!(selector(&deployment).as_deref(), Some("app=q,tier=web"));
        let fresh = json!({"metadata": {"generation": 1}, "spec": {}});
        let facts = rollout_facts("StatefulSet", &fresh);
        assert_eq!(facts.desired, 1);
        assert!(facts.outdated);
        let daemons = json!({"metadata": {"generation": 1}, "status": {"observedGeneration": 1,
            "desiredNumberScheduled": 4, "updatedNumberScheduled": 4, "numberAvailable": 4}});
        let facts = rollout_facts("DaemonSet", &daemons);
        assert_eq!((facts.desired, facts.available), (4, 4));
    }

    #[test]
    fn pods_are_read_for_the_doctor_and_the_view() {
        let pod = json!({
            "metadata": {"name": "q-1"},
            "spec": {"imagePullSecrets": [{"name": "gcr-json-key"}],
                "containers": [{"name": "q", "image": "gcr.io/p/q:1"}, {"name": "s", "image": "docker.io/s:1"}]},
            "status": {"phase": "Pending", "containerStatuses": [
                {"name": "s", "state": {"running": {}}},
                {"name": "q", "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}
        });
        let facts = pod_facts(&pod);
        assert_eq!(facts.pull_secrets, ["gcr-json-key"]);
        assert_eq!(
            facts.containers[0].waiting.as_deref(),
            Some("ImagePullBackOff")
        );
        assert_eq!(facts.containers[1].waiting, None);
        let status = pod_status(&pod);
        assert_eq!(status.phase, "Pending");
        assert!(!status.ready);
        assert_eq!(status.waiting.as_deref(), Some("ImagePullBackOff"));
    }
}
