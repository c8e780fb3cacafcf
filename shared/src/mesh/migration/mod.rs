//! Canary migration between control plane revisions (SPEC §2.4–2.6), the
//! pure part: the namespace label change each step makes, where a
//! namespace stands in a migration, and the guards that decide when an old
//! (or rolled-back new) control plane may be deleted. The backend applies
//! the label patches and the deletions these return.

pub mod gateway;
pub mod removal;
pub mod run;
pub mod waves;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ISTIO_SYSTEM, REV_LABEL};
use crate::fleet::{Cluster, DEFAULT_REVISION, Injection, Namespace};

/// The legacy injection label.
pub const INJECTION_LABEL: &str = "istio-injection";

/// The label change of one step, as a JSON merge patch of the namespace.
pub fn label_patch(set: &[(&str, &str)], remove: &[&str]) -> Value {
    let mut labels = serde_json::Map::new();
    for (k, v) in set {
        labels.insert((*k).to_owned(), json!(v));
    }
    for k in remove {
        labels.insert((*k).to_owned(), Value::Null);
    }
    json!({"metadata": {"labels": labels}})
}

/// Migrate: `istio.io/rev=<target>` and no `istio-injection`, in one change
/// (both labels at once would disable injection).
pub fn migrate_patch(target: &str) -> Value {
    label_patch(&[(REV_LABEL, target)], &[INJECTION_LABEL])
}

/// Roll back to the default revision: no `istio.io/rev`,
/// `istio-injection=enabled`, in one change.
pub fn rollback_patch() -> Value {
    label_patch(&[(INJECTION_LABEL, "enabled")], &[REV_LABEL])
}

/// The revision that injects a namespace's new pods, if any.
pub fn injecting_revision(namespace: &Namespace) -> Option<String> {
    Injection::of(namespace)
        .target_revision()
        .map(str::to_owned)
}

/// Where a namespace stands between `from` and `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MigrationState {
    /// Labelled for the old revision, pods on it.
    Old,
    /// Labelled for the target; some pods still run another revision.
    RestartPending,
    /// Labelled for the target and every pod with a proxy runs it.
    OnTarget,
    /// Neither revision injects it (no label, disabled, or both labels).
    NotInjected,
}

/// The state of `namespace` in a migration to `to`.
pub fn state_of(namespace: &Namespace, to: &str) -> MigrationState {
    match injecting_revision(namespace) {
        Some(rev) if rev == to => {
            if namespace.restart_pending(&[to]) == 0 {
                MigrationState::OnTarget
            } else {
                MigrationState::RestartPending
            }
        }
        Some(_) => MigrationState::Old,
        None => MigrationState::NotInjected,
    }
}

/// One Kubernetes object a cleanup deletes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Doomed {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl Doomed {
    fn namespaced(api_version: &str, kind: &str, name: &str) -> Self {
        Self {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: Some(ISTIO_SYSTEM.into()),
            name: name.into(),
        }
    }

    pub fn title(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// The istiod Deployment name of a revision: `istiod` for the default
/// (open-source, unrevisioned) one, else `istiod-<rev>`.
pub fn istiod_name(revision: &str) -> String {
    if revision == DEFAULT_REVISION {
        "istiod".to_owned()
    } else {
        format!("istiod-{revision}")
    }
}

/// What finishing (or rolling back) deletes for `revision`: its istiod
/// Service, Deployment, HPA and PDB; absent objects are fine.
pub fn control_plane_objects(revision: &str) -> Vec<Doomed> {
    let name = istiod_name(revision);
    vec![
        Doomed::namespaced("v1", "Service", &name),
        Doomed::namespaced("apps/v1", "Deployment", &name),
        Doomed::namespaced("autoscaling/v2", "HorizontalPodAutoscaler", &name),
        Doomed::namespaced("policy/v1", "PodDisruptionBudget", &name),
    ]
}

/// What still uses a revision on a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[error("{cluster} still uses revision {revision}: {}", describe(.namespaces, .pods, *.last))]
pub struct StillInUse {
    pub cluster: String,
    pub revision: String,
    /// Namespaces whose labels select the revision.
    pub namespaces: Vec<String>,
    /// `namespace: N pods` running its proxy.
    pub pods: Vec<String>,
    /// No other revision is installed (istiod and its injection webhook)
    /// to take over: the ingress gateway and every injected pod would be
    /// left without a control plane.
    #[serde(default)]
    pub last: bool,
}

fn describe(namespaces: &[String], pods: &[String], last: bool) -> String {
    let mut parts = Vec::new();
    if last {
        parts.push(
            "it is the only control plane installed (no other revision with istiod and its injection webhook takes over the ingress gateway and injection)"
                .to_owned(),
        );
    }
    if !namespaces.is_empty() {
        parts.push(format!(
            "namespaces labelled for it: {}",
            namespaces.join(", ")
        ));
    }
    if !pods.is_empty() {
        parts.push(format!("pods running its proxy: {}", pods.join(", ")));
    }
    parts.join("; ")
}

/// The guard of finish (removing a revision): `revision` may be deleted
/// from `cluster` only when another revision is installed to take over
/// (istiod and its injection webhook), no namespace label selects it and
/// no pod runs its proxy; otherwise the error names what depends on it.
pub fn ensure_unused(cluster: &Cluster, revision: &str) -> Result<Vec<Doomed>, StillInUse> {
    let namespaces: Vec<String> = cluster
        .namespaces
        .iter()
        .filter(|n| injecting_revision(n).as_deref() == Some(revision))
        .map(|n| n.name.clone())
        .collect();
    let pods: Vec<String> = cluster
        .namespaces
        .iter()
        .filter_map(|n| {
            let count = n.pods.get(revision)?;
            (count.total > 0).then(|| format!("{}: {} pods", n.name, count.total))
        })
        .collect();
    let last = !cluster
        .control_planes
        .iter()
        .any(|cp| cp.revision != revision && cp.deployment.is_some() && cp.webhook);
    if namespaces.is_empty() && pods.is_empty() && !last {
        Ok(control_plane_objects(revision))
    } else {
        Err(StillInUse {
            cluster: cluster.name().to_string(),
            revision: revision.to_owned(),
            namespaces,
            pods,
            last,
        })
    }
}

#[cfg(test)]
mod tests;
