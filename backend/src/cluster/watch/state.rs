//! What the console keeps of one member between events: small projections
//! of its pods, namespaces, nodes, istiod deployments and injector
//! webhooks, and which parts changed since they were last published.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use shared::fleet::{ControlPlane, Namespace, Node, PodCount, PodPhase, PodSummary};

use super::projection::{InjectionLabels, Istiod};

/// One pod, reduced: strings shared with every pod that has the same
/// revision or app.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pod {
    phase: PodPhase,
    ready: bool,
    revision: Option<Arc<str>>,
    app: Option<Arc<str>>,
}

/// The parts of a member the watchers fill in.
#[derive(Default)]
pub struct MemberState {
    nodes: BTreeMap<String, Node>,
    namespaces: BTreeMap<String, InjectionLabels>,
    /// Namespace → pod name → pod.
    pods: HashMap<Arc<str>, HashMap<Box<str>, Pod>>,
    istiods: BTreeMap<String, Istiod>,
    webhooks: BTreeMap<String, String>,
    strings: HashSet<Arc<str>>,
    dirty: Dirty,
}

/// What changed since [`MemberState::take_dirty`] was last called.
#[derive(Default)]
pub struct Dirty {
    pub nodes: bool,
    pub control_planes: bool,
    pub namespaces: BTreeSet<String>,
}

/// The facts one pod contributes.
pub struct PodFacts<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub phase: PodPhase,
    pub ready: bool,
    pub revision: Option<String>,
    pub app: Option<&'a str>,
}

impl MemberState {
    fn intern(&mut self, s: &str) -> Arc<str> {
        if let Some(existing) = self.strings.get(s) {
            return existing.clone();
        }
        let new: Arc<str> = Arc::from(s);
        self.strings.insert(new.clone());
        new
    }

    pub fn put_pod(&mut self, facts: PodFacts<'_>) {
        let pod = Pod {
            phase: facts.phase,
            ready: facts.ready,
            revision: facts.revision.as_deref().map(|r| self.intern(r)),
            app: facts.app.map(|a| self.intern(a)),
        };
        let namespace = self.intern(facts.namespace);
        let pods = self.pods.entry(namespace).or_default();
        if pods.get(facts.name) != Some(&pod) {
            pods.insert(facts.name.into(), pod);
            self.dirty.namespaces.insert(facts.namespace.to_owned());
        }
    }

    pub fn remove_pod(&mut self, namespace: &str, name: &str) {
        if let Some(pods) = self.pods.get_mut(namespace)
            && pods.remove(name).is_some()
        {
            self.dirty.namespaces.insert(namespace.to_owned());
        }
    }

    /// Replaces every pod (after a full list).
    pub fn replace_pods<'a>(&mut self, all: impl IntoIterator<Item = PodFacts<'a>>) {
        let before: Vec<Arc<str>> = self.pods.keys().cloned().collect();
        for ns in before {
            self.dirty.namespaces.insert(ns.to_string());
        }
        self.pods.clear();
        for facts in all {
            self.put_pod(facts);
        }
    }

    pub fn put_namespace(&mut self, name: &str, labels: InjectionLabels) {
        if self.namespaces.get(name) != Some(&labels) {
            self.namespaces.insert(name.to_owned(), labels);
            self.dirty.namespaces.insert(name.to_owned());
        }
    }

    pub fn remove_namespace(&mut self, name: &str) {
        if self.namespaces.remove(name).is_some() {
            self.dirty.namespaces.insert(name.to_owned());
        }
    }

    pub fn replace_namespaces(&mut self, all: Vec<(String, InjectionLabels)>) {
        let names: Vec<String> = self.namespaces.keys().cloned().collect();
        self.dirty.namespaces.extend(names);
        self.namespaces.clear();
        for (name, labels) in all {
            self.put_namespace(&name, labels);
        }
    }

    pub fn put_node(&mut self, node: Node) {
        if self.nodes.get(&node.name) != Some(&node) {
            self.nodes.insert(node.name.clone(), node);
            self.dirty.nodes = true;
        }
    }

    pub fn remove_node(&mut self, name: &str) {
        self.dirty.nodes |= self.nodes.remove(name).is_some();
    }

    pub fn replace_nodes(&mut self, all: Vec<Node>) {
        self.nodes.clear();
        self.dirty.nodes = true;
        for node in all {
            self.nodes.insert(node.name.clone(), node);
        }
    }

    pub fn put_istiod(&mut self, istiod: Istiod) {
        self.istiods.insert(istiod.name.clone(), istiod);
        self.dirty.control_planes = true;
    }

    pub fn remove_istiod(&mut self, name: &str) {
        self.dirty.control_planes |= self.istiods.remove(name).is_some();
    }

    pub fn replace_istiods(&mut self, all: Vec<Istiod>) {
        self.istiods = all.into_iter().map(|i| (i.name.clone(), i)).collect();
        self.dirty.control_planes = true;
    }

    /// `revision` is `None` for a webhook configuration that is not an
    /// injector.
    pub fn put_webhook(&mut self, name: &str, revision: Option<String>) {
        match revision {
            Some(rev) => {
                self.webhooks.insert(name.to_owned(), rev);
            }
            None => {
                self.webhooks.remove(name);
            }
        }
        self.dirty.control_planes = true;
    }

    pub fn replace_webhooks(&mut self, all: Vec<(String, String)>) {
        self.webhooks = all.into_iter().collect();
        self.dirty.control_planes = true;
    }

    pub fn take_dirty(&mut self) -> Dirty {
        std::mem::take(&mut self.dirty)
    }

    pub fn nodes(&self) -> Vec<Node> {
        self.nodes.values().cloned().collect()
    }

    /// One entry per revision with an istiod or an injector webhook.
    pub fn control_planes(&self) -> Vec<ControlPlane> {
        let mut by_revision: BTreeMap<&str, ControlPlane> = BTreeMap::new();
        for istiod in self.istiods.values() {
            let cp = by_revision
                .entry(&istiod.revision)
                .or_insert_with(|| empty_control_plane(&istiod.revision));
            cp.deployment = Some(istiod.name.clone());
            cp.version = istiod.version.clone();
            cp.replicas += istiod.replicas;
            cp.ready_replicas += istiod.ready_replicas;
        }
        for revision in self.webhooks.values() {
            by_revision
                .entry(revision)
                .or_insert_with(|| empty_control_plane(revision))
                .webhook = true;
        }
        by_revision.into_values().collect()
    }

    /// The namespace as the fleet shows it; `None` once it is gone.
    pub fn namespace(&self, name: &str) -> Option<Namespace> {
        let labels = self.namespaces.get(name)?.clone();
        let mut pods: BTreeMap<String, PodCount> = BTreeMap::new();
        for pod in self.pods.get(name).into_iter().flat_map(HashMap::values) {
            let key = pod.revision.as_deref().unwrap_or("").to_owned();
            let count = pods.entry(key).or_default();
            count.total += 1;
            count.ready += u32::from(pod.ready);
        }
        Some(Namespace {
            name: name.to_owned(),
            rev_label: labels.rev,
            injection_label: labels.legacy,
            pods,
        })
    }

    pub fn namespace_names(&self) -> Vec<String> {
        self.namespaces.keys().cloned().collect()
    }

    /// The pods of `namespace`, by name.
    pub fn pods(&self, namespace: &str) -> Vec<PodSummary> {
        let mut pods: Vec<PodSummary> = self
            .pods
            .get(namespace)
            .into_iter()
            .flat_map(HashMap::iter)
            .map(|(name, pod)| PodSummary {
                name: name.to_string(),
                phase: pod.phase,
                ready: pod.ready,
                revision: pod.revision.as_deref().map(str::to_owned),
                app: pod.app.as_deref().map(str::to_owned),
            })
            .collect();
        pods.sort_by(|a, b| a.name.cmp(&b.name));
        pods
    }
}

fn empty_control_plane(revision: &str) -> ControlPlane {
    ControlPlane {
        revision: revision.to_owned(),
        deployment: None,
        version: None,
        replicas: 0,
        ready_replicas: 0,
        webhook: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod<'a>(ns: &'a str, name: &'a str, rev: Option<&str>, ready: bool) -> PodFacts<'a> {
        PodFacts {
            namespace: ns,
            name,
            phase: PodPhase::Running,
            ready,
            revision: rev.map(str::to_owned),
            app: Some("foo"),
        }
    }

    #[test]
    fn namespaces_count_pods_by_proxy_revision() {
        let mut s = MemberState::default();
        s.put_namespace(
            "blue",
            InjectionLabels {
                rev: Some("asm-1106-2".into()),
                legacy: None,
            },
        );
        s.put_pod(pod("blue", "a", Some("default"), true));
        s.put_pod(pod("blue", "b", Some("asm-1106-2"), false));
        s.put_pod(pod("blue", "c", None, true));
        let ns = s.namespace("blue").expect("exists");
        assert_eq!(ns.pods["default"], PodCount { total: 1, ready: 1 });
        assert_eq!(ns.pods["asm-1106-2"], PodCount { total: 1, ready: 0 });
        assert_eq!(ns.pods[""], PodCount { total: 1, ready: 1 });
        assert_eq!(ns.restart_pending(&["default", "asm-1106-2"]), 2);
        let dirty = s.take_dirty();
        assert_eq!(dirty.namespaces.into_iter().collect::<Vec<_>>(), ["blue"]);
        // An unchanged pod does not dirty its namespace again.
        s.put_pod(pod("blue", "a", Some("default"), true));
        assert!(s.take_dirty().namespaces.is_empty());
        s.remove_pod("blue", "a");
        assert_eq!(s.namespace("blue").expect("exists").pod_total().total, 2);
        assert_eq!(s.pods("blue")[0].name, "b");
    }

    #[test]
    fn control_planes_join_istiods_and_webhooks_by_revision() {
        let mut s = MemberState::default();
        s.put_istiod(Istiod {
            name: "istiod".into(),
            revision: "default".into(),
            version: Some("1.9.5".into()),
            replicas: 1,
            ready_replicas: 1,
        });
        s.put_webhook("istio-sidecar-injector", Some("default".into()));
        s.put_webhook(
            "istio-sidecar-injector-asm-1106-2",
            Some("asm-1106-2".into()),
        );
        let cps = s.control_planes();
        assert_eq!(cps.len(), 2);
        assert_eq!(cps[0].revision, "asm-1106-2");
        assert!(cps[0].webhook && cps[0].deployment.is_none() && !cps[0].ready());
        assert!(cps[1].ready() && cps[1].webhook);
        assert_eq!(cps[1].version.as_deref(), Some("1.9.5"));
    }
}
