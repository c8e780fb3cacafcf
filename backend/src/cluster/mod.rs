//! The fleet the console operates: the member registry (kubeconfig +
//! fleet description), one watcher per member, and the [`Hub`] holding the
//! live snapshot and its deltas. Handlers read it through [`FleetService`].

pub mod apply;
pub mod csr;
pub mod delete;
mod describe;
mod error;
pub mod fan_out;
pub mod fleet_api;
pub mod hsm_request;
pub mod hub;
pub mod ingress;
mod member_api;
pub mod mesh;
pub mod reach;
pub mod registry;
pub mod token_reviewer;
pub mod trust;
mod versioned;
pub mod watch;
pub mod workloads;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use shared::fleet::{Cluster, Fleet, NamespaceDetail, Reachability};
use tokio::task::JoinHandle;

use self::apply::ApplyError;
pub use self::error::{ClusterError, ClusterErrorKind};
pub use self::fleet_api::{FleetApi, FleetApiError};
pub use self::hub::{Hub, Resume};
pub use self::member_api::MemberApi;
pub use self::registry::{ApiServer, ContextError, REQUEST_TIMEOUT, Registry, RegistryError};
use self::watch::state::MemberState;
use self::watch::stats::{WatchReading, WatchStats};
pub use self::watch::{MemberWatch, WatchTiming};
use crate::clock::Clock;

/// The live fleet, cheap to clone; the watchers stop when the last clone
/// is dropped.
#[derive(Clone)]
pub struct FleetService {
    hub: Arc<Hub>,
    members: Arc<HashMap<String, Arc<Mutex<MemberState>>>>,
    watch_stats: Arc<HashMap<String, Arc<WatchStats>>>,
    clients: Arc<HashMap<String, Result<kube::Client, ContextError>>>,
    api_servers: Arc<HashMap<String, ApiServer>>,
    admins: Arc<Vec<String>>,
    fleet_api: Option<Result<FleetApi, FleetApiError>>,
    /// How long one request to a member may take (the registry's).
    timeout: std::time::Duration,
    _tasks: Arc<Tasks>,
}

struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

impl FleetService {
    /// A console without member clusters.
    pub fn empty() -> Self {
        Self::start(Registry::empty(), Clock::system(), WatchTiming::default())
    }

    /// Starts watching every member of `registry` that has a client; the
    /// others are listed as misconfigured with the reason.
    pub fn start(registry: Registry, clock: Clock, timing: WatchTiming) -> Self {
        let now = clock.now();
        let clusters = registry
            .members
            .iter()
            .map(|r| {
                let reachability = match &r.client {
                    Ok(_) => Reachability::Connecting { since: now },
                    Err(error) => Reachability::Misconfigured {
                        error: error.to_string(),
                    },
                };
                Cluster::new(r.member.clone(), reachability)
            })
            .collect();
        let fleet = Fleet {
            version: 0,
            name: registry.name.clone(),
            project: registry.project.clone(),
            clusters,
        };
        // Versions of different runs must not meet: see `Hub::new`.
        let first_version = u64::try_from(now).unwrap_or(0).saturating_mul(1_000_000);
        let hub = Arc::new(Hub::new(fleet, first_version));
        let fleet_api = registry.hub.as_deref().map(|endpoint| {
            let project = registry.project.as_deref().unwrap_or_default();
            FleetApi::new(endpoint, project)
        });
        let timeout = registry.timeout;
        let mut members = HashMap::new();
        let mut watch_stats = HashMap::new();
        let mut tasks = Vec::new();
        let mut clients = HashMap::new();
        let mut api_servers = HashMap::new();
        let admins = registry
            .members
            .iter()
            .filter(|r| r.admin)
            .map(|r| r.member.name.to_string())
            .collect();
        if let Some(Ok(api)) = &fleet_api {
            tasks.push(tokio::spawn(follow_fleet_api(api.clone(), hub.clone())));
        }
        for registered in registry.members {
            clients.insert(registered.member.name.to_string(), registered.requests);
            if let Some(api_server) = registered.api_server {
                api_servers.insert(registered.member.name.to_string(), api_server);
            }
            let state = Arc::new(Mutex::new(MemberState::default()));
            members.insert(registered.member.name.to_string(), state.clone());
            if let Ok(client) = registered.client {
                let stats = Arc::new(WatchStats::default());
                watch_stats.insert(registered.member.name.to_string(), stats.clone());
                let watch = MemberWatch {
                    name: registered.member.name,
                    client,
                    state,
                    hub: hub.clone(),
                    clock: clock.clone(),
                    timing,
                    stats,
                };
                tasks.push(tokio::spawn(watch.run()));
            }
        }
        Self {
            hub,
            members: Arc::new(members),
            watch_stats: Arc::new(watch_stats),
            clients: Arc::new(clients),
            api_servers: Arc::new(api_servers),
            admins: Arc::new(admins),
            fleet_api,
            timeout,
            _tasks: Arc::new(Tasks(tasks)),
        }
    }

    /// How long one request to a member may take (`--call-timeout`).
    pub fn call_timeout(&self) -> std::time::Duration {
        self.timeout
    }

    /// What each watched member's task has seen, by member name (members
    /// without a usable context have no watch and are absent).
    pub fn watch_readings(&self) -> Vec<(String, WatchReading)> {
        let mut readings: Vec<_> = self
            .watch_stats
            .iter()
            .map(|(name, stats)| (name.clone(), stats.read()))
            .collect();
        readings.sort_by(|a, b| a.0.cmp(&b.0));
        readings
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    pub fn snapshot(&self) -> Fleet {
        self.hub.snapshot()
    }

    pub fn cluster(&self, name: &str) -> Option<Cluster> {
        self.hub.cluster(name)
    }

    /// The API server of member `name`, as its kubeconfig context names it.
    pub fn api_server(&self, name: &str) -> Option<&ApiServer> {
        self.api_servers.get(name)
    }

    /// The client acting on member `name`: unknown members and members
    /// without a usable kubeconfig context are errors naming the cluster.
    pub fn client(&self, name: &str) -> Result<kube::Client, ClusterError> {
        match self.clients.get(name) {
            None => Err(ClusterError::new(name, ClusterErrorKind::Unknown)),
            Some(Ok(client)) => Ok(client.clone()),
            Some(Err(reason)) => Err(ClusterError::new(
                name,
                ApplyError::Unreachable(reason.to_string()),
            )),
        }
    }

    /// MemberApi `name` to act on, with the same errors as [`Self::client`].
    pub fn member_api(&self, name: &str) -> Result<MemberApi, ClusterError> {
        self.client(name).map(|client| MemberApi::new(name, client))
    }

    /// The fleet API, when fleet.yaml names one (`hub.endpoint`); an
    /// error says why the one it names cannot be used.
    pub fn fleet_api(&self) -> Option<Result<&FleetApi, &FleetApiError>> {
        self.fleet_api.as_ref().map(Result::as_ref)
    }

    /// Whether the fleet description marks member `name` as an on-prem
    /// admin cluster.
    pub fn is_admin(&self, name: &str) -> bool {
        self.admins.iter().any(|a| a == name)
    }

    /// A namespace of a member and its pods; `None` if either is unknown.
    pub fn namespace(&self, cluster: &str, namespace: &str) -> Option<NamespaceDetail> {
        let known = self.hub.cluster(cluster)?;
        let state = self.members.get(cluster)?;
        let state = state.lock().unwrap_or_else(|e| e.into_inner());
        Some(NamespaceDetail {
            cluster: known.member.name,
            namespace: state.namespace(namespace)?,
            pods: state.pods(namespace),
        })
    }
}

/// At startup the fleet API, not fleet.yaml, says which member is the
/// config cluster; it may have been switched since fleet.yaml was written.
/// Later switches are marked by the requests that read or make them.
async fn follow_fleet_api(api: FleetApi, hub: Arc<Hub>) {
    match api.config_cluster().await {
        Ok(config) => {
            hub.mark_config_cluster(config.as_deref());
        }
        Err(error) => {
            tracing::warn!(%error, "the fleet API did not say which member is the config cluster; keeping fleet.yaml's");
        }
    }
}
