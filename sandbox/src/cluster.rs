//! One simulated cluster: its name, credentials, storage, served kinds, the
//! pod logs its controllers write and the faults put on it.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use serde_json::Value;

use crate::faults::{FaultSet, Faults};
use crate::hsm_access::SandboxHsm;
use crate::resources::{Registry, ResourceType};
use crate::scenario::ClusterProfile;
use crate::service_account_tokens::{ServiceAccountIdentity, TokenSigner};
use crate::store::Store;

pub struct Cluster {
    pub name: String,
    /// The bearer token clients must present.
    pub token: String,
    pub store: Store,
    registry: RwLock<Registry>,
    /// Serialises read-modify-write operations (update, patch, delete).
    pub(crate) writes: tokio::sync::Mutex<()>,
    logs: Mutex<HashMap<(String, String, String), String>>,
    /// The world outside the cluster its controllers simulate.
    profile: RwLock<Arc<ClusterProfile>>,
    /// Bumped to end every open watch, as a dropped connection would.
    watch_epoch: tokio::sync::watch::Sender<u64>,
    faults: Arc<Faults>,
    /// Its access to the HSM and Vault (istiod's HSM mode), if any.
    hsm: RwLock<Option<Arc<SandboxHsm>>>,
    /// Signs the service account tokens mounted into its pods.
    tokens: TokenSigner,
    /// The CA its serving certificate chains to, PEM (what a service
    /// account token Secret carries as `ca.crt`).
    ca_pem: RwLock<Option<String>>,
    /// What RBAC allowed users other than the admin, as `(user, verb,
    /// group, resource[/subresource])`.
    granted: Mutex<BTreeSet<Grant>>,
}

/// One kind of request RBAC allowed a user: `(user, verb, group,
/// resource[/subresource])`.
pub type Grant = (String, String, String, String);

impl Cluster {
    pub fn new(name: impl Into<String>, token: impl Into<String>, store: Store) -> Arc<Self> {
        Self::with_token_signer(name, token, store, TokenSigner::new())
    }

    /// A cluster whose service account tokens are signed by `tokens` (the
    /// key of an earlier start).
    pub fn with_token_signer(
        name: impl Into<String>,
        token: impl Into<String>,
        store: Store,
        tokens: TokenSigner,
    ) -> Arc<Self> {
        let cluster = Arc::new(Self {
            name: name.into(),
            token: token.into(),
            store,
            registry: RwLock::new(Registry::builtin()),
            writes: tokio::sync::Mutex::new(()),
            logs: Mutex::default(),
            profile: RwLock::default(),
            watch_epoch: tokio::sync::watch::Sender::new(0),
            faults: Arc::default(),
            hsm: RwLock::default(),
            tokens,
            ca_pem: RwLock::default(),
            granted: Mutex::default(),
        });
        cluster.refresh_custom_resources();
        cluster
    }

    pub fn registry(&self) -> Registry {
        self.registry
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<ResourceType> {
        self.registry
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .find(group, version, plural)
            .cloned()
    }

    /// Re-reads the stored CRDs into the served kinds.
    pub fn refresh_custom_resources(&self) {
        let (crds, _) = self
            .store
            .list("customresourcedefinitions.apiextensions.k8s.io", None);
        let crds: Vec<Value> = crds.iter().map(|c| (**c).clone()).collect();
        self.registry
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .set_custom(&crds);
    }

    /// Appends to a container's log (what `kubectl logs` shows).
    pub fn append_log(&self, namespace: &str, pod: &str, container: &str, line: &str) {
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        let entry = logs
            .entry((namespace.into(), pod.into(), container.into()))
            .or_default();
        entry.push_str(line);
        if !line.ends_with('\n') {
            entry.push('\n');
        }
    }

    pub fn log(&self, namespace: &str, pod: &str, container: &str) -> String {
        self.logs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(namespace.into(), pod.into(), container.into()))
            .cloned()
            .unwrap_or_default()
    }

    /// Platform, project and registry access, as the scenario says.
    pub fn profile(&self) -> Arc<ClusterProfile> {
        self.profile
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_profile(&self, profile: ClusterProfile) {
        *self.profile.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(profile);
    }

    /// The HSM and Vault this cluster's pods can reach, if any.
    pub fn hsm(&self) -> Option<Arc<SandboxHsm>> {
        self.hsm.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The token a pod running as service account `namespace/name` has
    /// mounted (`pod`: its name and uid).
    pub fn service_account_token(
        &self,
        namespace: &str,
        name: &str,
        pod: Option<(&str, &str)>,
    ) -> Result<String, String> {
        self.tokens.issue(&self.store, namespace, name, pod)
    }

    /// A token for service account `namespace/name` as a `TokenRequest`
    /// asks.
    pub fn issue_token(
        &self,
        namespace: &str,
        name: &str,
        request: &crate::service_account_tokens::TokenRequest,
    ) -> Result<String, String> {
        self.tokens
            .issue_requested(&self.store, namespace, name, request)
    }

    /// The CA its API server's certificate chains to, if the fleet said.
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_ca_pem(&self, pem: String) {
        *self.ca_pem.write().unwrap_or_else(|e| e.into_inner()) = Some(pem);
    }

    /// Who `token` speaks for, as a `TokenReview` answers, when it is
    /// meant for one of `audiences` (none: the API server's).
    pub fn review_token(
        &self,
        token: &str,
        audiences: &[String],
    ) -> Result<ServiceAccountIdentity, String> {
        self.tokens.review(&self.store, token, audiences)
    }

    /// Remembers that RBAC allowed `user` a request like `attributes`.
    pub(crate) fn record_grant(&self, user: &str, attributes: &crate::rbac::Attributes) {
        self.granted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((
                user.to_owned(),
                attributes.verb.clone(),
                attributes.group.clone(),
                attributes.resource_path(),
            ));
    }

    /// Every kind of request RBAC has allowed a user other than the admin
    /// since the cluster started: what a restricted client actually used.
    pub fn granted(&self) -> BTreeSet<Grant> {
        self.granted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_hsm(&self, hsm: SandboxHsm) {
        *self.hsm.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(hsm));
    }

    /// A receiver that changes when [`Cluster::drop_watches`] is called.
    pub fn watch_disconnects(&self) -> tokio::sync::watch::Receiver<u64> {
        self.watch_epoch.subscribe()
    }

    /// Ends every open watch stream, as a network blip would; clients
    /// resume from the last version they saw.
    pub fn drop_watches(&self) {
        self.watch_epoch.send_modify(|epoch| *epoch += 1);
    }

    /// The faults put on this cluster (unreachable, slow, failing writes).
    pub fn faults(&self) -> &Arc<Faults> {
        &self.faults
    }

    /// Makes the cluster unreachable (its port refuses connections, open
    /// ones are cut) or reachable again; other faults are kept. Shorthand
    /// for [`Faults::replace`] with only `unreachable` changed.
    pub fn set_unreachable(&self, unreachable: bool) {
        let faults = self.faults.current();
        self.faults.replace(FaultSet {
            unreachable,
            ..faults
        });
    }

    pub fn is_unreachable(&self) -> bool {
        self.faults.current().unreachable
    }
}
