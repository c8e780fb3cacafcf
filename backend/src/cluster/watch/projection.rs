//! The few fields the console needs from each watched kind, decoded
//! straight from the API's JSON so a pod never exists in full in memory.

use std::borrow::Cow;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Node as NodeObject;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Resource;
use serde::Deserialize;
use shared::fleet::{DEFAULT_REVISION, Node, PodPhase};

/// The injection label naming a control plane revision.
pub const REV_LABEL: &str = "istio.io/rev";
/// The legacy namespace injection label.
pub const LEGACY_LABEL: &str = "istio-injection";
/// Added by the injector; names the revision that injected the proxy.
const STATUS_ANNOTATION: &str = "sidecar.istio.io/status";

/// A pod, as much of it as the console reads.
#[derive(Debug, Clone, Deserialize)]
pub struct PodView {
    pub metadata: ObjectMeta,
    #[serde(default)]
    status: PodStatusView,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct PodStatusView {
    #[serde(default)]
    phase: Option<String>,
    #[serde(default)]
    conditions: Vec<ConditionView>,
}

#[derive(Debug, Clone, Deserialize)]
struct ConditionView {
    #[serde(rename = "type")]
    kind: String,
    status: String,
}

impl Resource for PodView {
    type DynamicType = ();
    type Scope = k8s_openapi::NamespaceResourceScope;

    fn kind(_: &()) -> Cow<'_, str> {
        "Pod".into()
    }
    fn group(_: &()) -> Cow<'_, str> {
        "".into()
    }
    fn version(_: &()) -> Cow<'_, str> {
        "v1".into()
    }
    fn plural(_: &()) -> Cow<'_, str> {
        "pods".into()
    }
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl PodView {
    pub fn phase(&self) -> PodPhase {
        match self.status.phase.as_deref() {
            Some("Pending") => PodPhase::Pending,
            Some("Running") => PodPhase::Running,
            Some("Succeeded") => PodPhase::Succeeded,
            Some("Failed") => PodPhase::Failed,
            _ => PodPhase::Unknown,
        }
    }

    pub fn ready(&self) -> bool {
        self.status
            .conditions
            .iter()
            .any(|c| c.kind == "Ready" && c.status == "True")
    }

    /// The revision of its injected sidecar, if it has one (the injector's
    /// status annotation marks it): the `istio.io/rev` label, else the
    /// revision in the annotation, else the default. Neither the label
    /// alone (istiod's own pods carry it) nor an `istio-proxy` container
    /// (gateways run one, not injected by namespace labels) makes a sidecar.
    pub fn proxy_revision(&self) -> Option<String> {
        proxy_revision(&self.metadata)
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        label(&self.metadata, key)
    }
}

/// The revision of a pod's injected sidecar (see [`PodView::proxy_revision`]).
pub fn proxy_revision(meta: &ObjectMeta) -> Option<String> {
    let status = meta
        .annotations
        .as_ref()
        .and_then(|a| a.get(STATUS_ANNOTATION))?;
    if let Some(rev) = label(meta, REV_LABEL) {
        return Some(rev.to_owned());
    }
    let from_status = serde_json::from_str::<serde_json::Value>(status)
        .ok()
        .and_then(|v| v["revision"].as_str().map(str::to_owned));
    Some(from_status.unwrap_or_else(|| DEFAULT_REVISION.to_owned()))
}

pub fn label<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.labels.as_ref()?.get(key).map(String::as_str)
}

/// A node's allocatable resources and readiness.
pub fn node(object: &NodeObject) -> Node {
    let status = object.status.as_ref();
    let allocatable = status
        .and_then(|s| s.allocatable.as_ref().or(s.capacity.as_ref()))
        .cloned()
        .unwrap_or_default();
    let quantity = |key: &str| allocatable.get(key).map(|q| q.0.as_str()).unwrap_or("0");
    Node {
        name: object.metadata.name.clone().unwrap_or_default(),
        cpu_millis: cpu_millis(quantity("cpu")),
        memory_bytes: bytes(quantity("memory")),
        ready: status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True")),
    }
}

/// An istiod Deployment: its revision, image version tag and replicas.
pub struct Istiod {
    pub name: String,
    pub revision: String,
    pub version: Option<String>,
    pub replicas: u32,
    pub ready_replicas: u32,
}

pub fn istiod(object: &Deployment) -> Istiod {
    let meta = &object.metadata;
    let containers = object
        .spec
        .template
        .spec
        .as_ref()
        .map(|s| s.containers.as_slice())
        .unwrap_or_default();
    let image = containers
        .iter()
        .find(|c| c.name == "discovery")
        .or(containers.first())
        .and_then(|c| c.image.as_deref());
    let status = object.status.as_ref();
    let count = |n: Option<i32>| u32::try_from(n.unwrap_or(0)).unwrap_or(0);
    Istiod {
        name: meta.name.clone().unwrap_or_default(),
        revision: label(meta, REV_LABEL)
            .unwrap_or(DEFAULT_REVISION)
            .to_owned(),
        version: image.and_then(image_tag),
        replicas: count(object.spec.replicas),
        ready_replicas: count(status.and_then(|s| s.ready_replicas)),
    }
}

/// The tag of an image reference (`…/pilot:1.10.6-asm.2` → `1.10.6-asm.2`).
fn image_tag(image: &str) -> Option<String> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split_once(':').map(|(_, tag)| tag.to_owned())
}

/// The revision a sidecar injector webhook configuration serves, if it is
/// one.
pub fn injector_revision(meta: &ObjectMeta) -> Option<String> {
    let name = meta.name.as_deref().unwrap_or_default();
    let is_injector = name.starts_with("istio-sidecar-injector")
        || label(meta, "app") == Some("sidecar-injector");
    is_injector.then(|| {
        label(meta, REV_LABEL)
            .unwrap_or(DEFAULT_REVISION)
            .to_owned()
    })
}

/// A namespace's `istio.io/rev` and legacy `istio-injection` labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InjectionLabels {
    pub rev: Option<String>,
    pub legacy: Option<String>,
}

/// Labels of a namespace that decide injection.
pub fn injection_labels(meta: &ObjectMeta) -> InjectionLabels {
    let get = |key| label(meta, key).map(str::to_owned);
    InjectionLabels {
        rev: get(REV_LABEL),
        legacy: get(LEGACY_LABEL),
    }
}

/// A CPU quantity (`4`, `3920m`, `0.5`) in millicores.
fn cpu_millis(q: &str) -> u64 {
    shared::quantity::parse(q).map_or(0, |cores| (cores * 1000.0).round() as u64)
}

/// A memory quantity (`16Gi`, `15991812Ki`, `1G`) in bytes.
fn bytes(q: &str) -> u64 {
    shared::quantity::parse(q).map_or(0, |b| b.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_as_kubernetes_writes_them() {
        assert_eq!(cpu_millis("4"), 4000);
        assert_eq!(cpu_millis("3920m"), 3920);
        assert_eq!(cpu_millis("0.5"), 500);
        assert_eq!(bytes("16Gi"), 16 * 1024 * 1024 * 1024);
        assert_eq!(bytes("15991812Ki"), 15_991_812 * 1024);
        assert_eq!(bytes("1G"), 1_000_000_000);
        assert_eq!(bytes("123"), 123);
    }

    #[test]
    fn image_tags_ignore_registry_ports_and_digests() {
        assert_eq!(
            image_tag("gcr.io/gke-release/asm/pilot:1.10.6-asm.2").as_deref(),
            Some("1.10.6-asm.2")
        );
        assert_eq!(
            image_tag("localhost:5000/pilot:1.9").as_deref(),
            Some("1.9")
        );
        assert_eq!(image_tag("localhost:5000/pilot").as_deref(), None);
        assert_eq!(
            image_tag("docker.io/istio/pilot:1.9.5@sha256:abc").as_deref(),
            Some("1.9.5")
        );
    }

    #[test]
    fn proxy_revision_comes_from_the_label_then_the_injector_status() {
        let pod: PodView = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "a", "annotations": {"sidecar.istio.io/status": "{\"revision\":\"asm-1106-2\"}"}},
            "spec": {"containers": [{"name": "app"}, {"name": "istio-proxy"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        }))
        .expect("parses");
        assert_eq!(pod.proxy_revision().as_deref(), Some("asm-1106-2"));
        assert!(pod.ready());
        assert_eq!(pod.phase(), PodPhase::Running);
        let istiod: PodView = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "istiod-1", "labels": {"app": "istiod", "istio.io/rev": "default"}},
            "spec": {"containers": [{"name": "discovery"}]}
        }))
        .expect("parses");
        assert_eq!(istiod.proxy_revision(), None);
        let gateway: PodView = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "istio-ingressgateway-1", "labels": {"app": "istio-ingressgateway"}},
            "spec": {"containers": [{"name": "istio-proxy"}]}
        }))
        .expect("parses");
        assert_eq!(gateway.proxy_revision(), None);
        let plain: PodView = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "b", "labels": {"app": "foo"}},
            "spec": {"containers": [{"name": "app"}]}
        }))
        .expect("parses");
        assert_eq!(plain.proxy_revision(), None);
        assert!(!plain.ready());
    }
}
