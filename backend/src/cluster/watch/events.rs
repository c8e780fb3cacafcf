//! The watch streams of one member, merged into one stream of [`Update`]s,
//! and how each update changes the member's [`MemberState`]. Full lists
//! (at start and after a reconnect) are buffered and replace the kind's
//! state at once, so objects deleted while disconnected disappear too.

use futures_util::stream::{BoxStream, StreamExt, select_all};
use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace as NamespaceObject, Node as NodeObject};
use kube::Api;
use kube::core::PartialObjectMeta;
use kube::runtime::watcher::{self, Event, watcher};
use shared::fleet::PodPhase;

use super::projection::{self, InjectionLabels, Istiod, PodView};
use super::state::{MemberState, PodFacts};

/// The kinds watched; a member is synced once each has listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Nodes,
    Namespaces,
    Istiods,
    Webhooks,
    Pods,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Nodes,
        Kind::Namespaces,
        Kind::Istiods,
        Kind::Webhooks,
        Kind::Pods,
    ];
}

/// One watch event, already projected.
pub enum Update {
    Node(Event<shared::fleet::Node>),
    Namespace(Event<(String, InjectionLabels)>),
    Istiod(Event<Istiod>),
    Webhook(Event<(String, Option<String>)>),
    Pod(Event<OwnedPod>),
}

/// A pod's facts, owned so they can wait in a list buffer.
pub struct OwnedPod {
    namespace: String,
    name: String,
    phase: PodPhase,
    ready: bool,
    revision: Option<String>,
    app: Option<String>,
}

impl OwnedPod {
    fn of(pod: &PodView) -> Self {
        Self {
            namespace: pod.metadata.namespace.clone().unwrap_or_default(),
            name: pod.metadata.name.clone().unwrap_or_default(),
            phase: pod.phase(),
            ready: pod.ready(),
            revision: pod.proxy_revision(),
            app: pod.label("app").map(str::to_owned),
        }
    }

    fn facts(&self) -> PodFacts<'_> {
        PodFacts {
            namespace: &self.namespace,
            name: &self.name,
            phase: self.phase,
            ready: self.ready,
            revision: self.revision.clone(),
            app: self.app.as_deref(),
        }
    }
}

pub type UpdateStream = BoxStream<'static, Result<Update, watcher::Error>>;

/// Every watch of `client`'s cluster, merged.
pub fn streams(client: &kube::Client) -> UpdateStream {
    let config = watcher::Config::default;
    let nodes = watcher(Api::<NodeObject>::all(client.clone()), config())
        .map(|e| e.map(|e| Update::Node(project(e, |n| projection::node(&n)))));
    let namespaces = watcher(
        Api::<PartialObjectMeta<NamespaceObject>>::all(client.clone()),
        config(),
    )
    .map(|e| {
        e.map(|e| {
            Update::Namespace(project(e, |n: PartialObjectMeta<NamespaceObject>| {
                let name = n.metadata.name.clone().unwrap_or_default();
                (name, projection::injection_labels(&n.metadata))
            }))
        })
    });
    let istiods = watcher(
        Api::<Deployment>::namespaced(client.clone(), "istio-system"),
        config().labels("app=istiod"),
    )
    .map(|e| e.map(|e| Update::Istiod(project(e, |d| projection::istiod(&d)))));
    let webhooks = watcher(
        Api::<PartialObjectMeta<MutatingWebhookConfiguration>>::all(client.clone()),
        config(),
    )
    .map(|e| {
        e.map(|e| {
            Update::Webhook(project(
                e,
                |w: PartialObjectMeta<MutatingWebhookConfiguration>| {
                    let name = w.metadata.name.clone().unwrap_or_default();
                    (name, projection::injector_revision(&w.metadata))
                },
            ))
        })
    });
    let pods = watcher(Api::<PodView>::all(client.clone()), config())
        .map(|e| e.map(|e| Update::Pod(project(e, |p| OwnedPod::of(&p)))));
    select_all([
        nodes.boxed(),
        namespaces.boxed(),
        istiods.boxed(),
        webhooks.boxed(),
        pods.boxed(),
    ])
    .boxed()
}

/// The same event about `f(object)`.
fn project<K, T>(event: Event<K>, f: impl FnOnce(K) -> T) -> Event<T> {
    match event {
        Event::Apply(k) => Event::Apply(f(k)),
        Event::Delete(k) => Event::Delete(f(k)),
        Event::Init => Event::Init,
        Event::InitApply(k) => Event::InitApply(f(k)),
        Event::InitDone => Event::InitDone,
    }
}

/// Buffers of full lists in progress, one per kind.
#[derive(Default)]
pub struct ListBuffers {
    nodes: Option<Vec<shared::fleet::Node>>,
    namespaces: Option<Vec<(String, InjectionLabels)>>,
    istiods: Option<Vec<Istiod>>,
    webhooks: Option<Vec<(String, String)>>,
    pods: Option<Vec<OwnedPod>>,
}

impl Update {
    /// Changes `state`; returns the kind whose full list just completed.
    pub fn apply(self, state: &mut MemberState, lists: &mut ListBuffers) -> Option<Kind> {
        match self {
            Update::Node(e) => match e {
                Event::Apply(n) => state.put_node(n),
                Event::Delete(n) => state.remove_node(&n.name),
                Event::Init => lists.nodes = Some(Vec::new()),
                Event::InitApply(n) => lists.nodes.get_or_insert_default().push(n),
                Event::InitDone => {
                    state.replace_nodes(lists.nodes.take().unwrap_or_default());
                    return Some(Kind::Nodes);
                }
            },
            Update::Namespace(e) => match e {
                Event::Apply((name, labels)) => state.put_namespace(&name, labels),
                Event::Delete((name, _)) => state.remove_namespace(&name),
                Event::Init => lists.namespaces = Some(Vec::new()),
                Event::InitApply(n) => lists.namespaces.get_or_insert_default().push(n),
                Event::InitDone => {
                    state.replace_namespaces(lists.namespaces.take().unwrap_or_default());
                    return Some(Kind::Namespaces);
                }
            },
            Update::Istiod(e) => match e {
                Event::Apply(i) => state.put_istiod(i),
                Event::Delete(i) => state.remove_istiod(&i.name),
                Event::Init => lists.istiods = Some(Vec::new()),
                Event::InitApply(i) => lists.istiods.get_or_insert_default().push(i),
                Event::InitDone => {
                    state.replace_istiods(lists.istiods.take().unwrap_or_default());
                    return Some(Kind::Istiods);
                }
            },
            Update::Webhook(e) => match e {
                Event::Apply((name, rev)) => state.put_webhook(&name, rev),
                Event::Delete((name, _)) => state.put_webhook(&name, None),
                Event::Init => lists.webhooks = Some(Vec::new()),
                Event::InitApply((name, rev)) => {
                    if let Some(rev) = rev {
                        lists.webhooks.get_or_insert_default().push((name, rev));
                    }
                }
                Event::InitDone => {
                    state.replace_webhooks(lists.webhooks.take().unwrap_or_default());
                    return Some(Kind::Webhooks);
                }
            },
            Update::Pod(e) => match e {
                Event::Apply(p) => state.put_pod(p.facts()),
                Event::Delete(p) => state.remove_pod(&p.namespace, &p.name),
                Event::Init => lists.pods = Some(Vec::new()),
                Event::InitApply(p) => lists.pods.get_or_insert_default().push(p),
                Event::InitDone => {
                    let pods = lists.pods.take().unwrap_or_default();
                    state.replace_pods(pods.iter().map(OwnedPod::facts));
                    return Some(Kind::Pods);
                }
            },
        }
        None
    }
}
