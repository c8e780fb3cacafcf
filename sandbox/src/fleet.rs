//! A running sandbox fleet: one HTTPS server per cluster on loopback, the
//! shared CA, tokens and ports kept in the state directory so a kubeconfig
//! written once keeps working across restarts.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::admin;
use crate::cluster::Cluster;
use crate::controllers::Timing;
use crate::hsm_access::SandboxHsm;
use crate::ingress::{self, Hub, HubError};
use crate::kubeconfig;
use crate::ops::{self, WriteOptions};
use crate::scale::ScaleSpec;
use crate::scenario::{self, FleetDescription, Scenario};
use crate::service_account_tokens::TokenSigner;
use crate::store::Store;
use crate::tls::{Tls, TlsListener};

/// Namespaces every new cluster starts with, as kubeadm/GKE create them.
const SYSTEM_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

const ENDPOINTS_FILE: &str = "sandbox-endpoints.json";
/// Where the admin endpoint listens (`{"admin": "http://127.0.0.1:…"}`,
/// also as `url` for scripts written before), in the state directory and
/// beside a written kubeconfig.
pub const ADMIN_FILE: &str = "sandbox-admin.json";

#[derive(Debug, Clone)]
pub struct FleetOptions {
    /// Cluster names, which are also their kubeconfig context names.
    pub clusters: Vec<String>,
    /// Where state, CA, tokens and ports live; `None` keeps all in memory.
    pub state_dir: Option<PathBuf>,
    /// The address to listen on (loopback by default).
    pub host: std::net::IpAddr,
    /// What each cluster starts with and the fleet description; without
    /// one, clusters start with only the system namespaces.
    pub scenario: Option<Scenario>,
    /// Where to serve the admin endpoint ([`crate::admin`]): a loopback
    /// address, port 0 for any free one; `None` serves none.
    pub admin: Option<SocketAddr>,
    /// A generated fleet ([`crate::scale`]): its clusters are seeded from
    /// the spec on first start, instead of from a scenario.
    pub scale: Option<ScaleSpec>,
    /// The clusters' access to the HSM and Vault for istiod's HSM mode;
    /// without it an HSM istiod's `vault-client` cannot read its PIN.
    pub hsm: Option<SandboxHsm>,
}

impl FleetOptions {
    pub fn in_memory(clusters: &[&str]) -> Self {
        Self {
            clusters: clusters.iter().map(|c| (*c).to_owned()).collect(),
            state_dir: None,
            host: std::net::Ipv4Addr::LOCALHOST.into(),
            scenario: None,
            admin: None,
            scale: None,
            hsm: None,
        }
    }

    /// The clusters of `scenario`, seeded from it on first start.
    pub fn from_scenario(scenario: Scenario, state_dir: Option<PathBuf>) -> Self {
        Self {
            clusters: scenario.clusters.iter().map(|c| c.name.clone()).collect(),
            state_dir,
            host: std::net::Ipv4Addr::LOCALHOST.into(),
            scenario: Some(scenario),
            admin: None,
            scale: None,
            hsm: None,
        }
    }
}

impl FleetOptions {
    /// The generated fleet of `spec`, in memory (set `state_dir` to keep
    /// it); its clusters start settled, see [`crate::scale`].
    pub fn scaled(spec: ScaleSpec) -> Self {
        let mut options = Self::in_memory(&[]);
        options.clusters = spec.cluster_names();
        options.scale = Some(spec);
        options
    }
}

/// What is remembered between starts for each cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Endpoint {
    port: u16,
    token: String,
    /// The service account token signing key, PKCS#8 in base64.
    #[serde(default)]
    service_account_key: Option<String>,
}

pub struct Member {
    pub cluster: Arc<Cluster>,
    /// `https://127.0.0.1:<port>`.
    pub server: String,
    pub addr: SocketAddr,
}

pub struct Fleet {
    pub members: Vec<Member>,
    pub ca_pem: String,
    /// The fleet description as at start (its config cluster may change
    /// since: see [`Fleet::config_cluster`] and [`Hub::description`]).
    pub description: Option<FleetDescription>,
    /// Where the admin endpoint listens, when one was asked for.
    pub admin: Option<SocketAddr>,
    /// Which member is the config cluster for multi-cluster ingress.
    hub: Arc<Hub>,
    servers: Vec<JoinHandle<()>>,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for server in &self.servers {
            server.abort();
        }
    }
}

impl Fleet {
    /// Opens every cluster's store and starts serving it.
    pub async fn start(options: FleetOptions) -> io::Result<Self> {
        let state = options.state_dir.as_deref();
        let tls = Tls::load_or_create(state)?;
        let mut endpoints: BTreeMap<String, Endpoint> = match state {
            Some(dir) => read_endpoints(dir),
            None => BTreeMap::new(),
        };
        let mut members = Vec::new();
        let mut servers = Vec::new();
        let mut to_scale = Vec::new();
        for name in &options.clusters {
            let store = match state {
                Some(dir) => {
                    let clusters = dir.join("clusters");
                    std::fs::create_dir_all(&clusters)?;
                    Store::open(&clusters.join(format!("{name}.journal")))?
                }
                None => Store::memory(),
            };
            let remembered = endpoints.get(name).cloned();
            let token = remembered.as_ref().map_or_else(
                || crate::clock::hex(&rand::random::<[u8; 24]>()),
                |e| e.token.clone(),
            );
            let signer = remembered
                .as_ref()
                .and_then(|e| e.service_account_key.as_deref())
                .and_then(|key| STANDARD.decode(key).ok())
                .and_then(|key| TokenSigner::from_pkcs8(&key).ok())
                .unwrap_or_default();
            let tcp = bind(options.host, remembered.as_ref().map(|e| e.port)).await?;
            let addr = tcp.local_addr()?;
            endpoints.insert(
                name.clone(),
                Endpoint {
                    port: addr.port(),
                    token: token.clone(),
                    service_account_key: Some(STANDARD.encode(signer.pkcs8())),
                },
            );

            let fresh = store.is_empty();
            let cluster = Cluster::with_token_signer(name.clone(), token, store, signer);
            cluster.set_ca_pem(tls.ca_pem.clone());
            if let Some(profile) = options.scenario.as_ref().and_then(|s| s.profile(name)) {
                cluster.set_profile(profile);
            }
            if let Some(profile) = options.scale.and_then(|s| s.profile(name)) {
                cluster.set_profile(profile);
            }
            if let Some(hsm) = &options.hsm {
                cluster.set_hsm(hsm.clone());
            }
            seed(&cluster).await;
            if fresh && options.scale.is_some() {
                to_scale.push(cluster.clone());
            }
            if fresh
                && let Some(scenario) = &options.scenario
                && let Some(spec) = scenario.cluster(name)
            {
                scenario::seed(&cluster, scenario, spec)
                    .await
                    .map_err(io::Error::other)?;
            }
            let listener = TlsListener::new(tcp, tls.acceptor.clone(), cluster.faults().clone())?;
            let app = crate::api::router(cluster.clone());
            let cluster_name = name.clone();
            servers.push(tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app).await {
                    tracing::error!(cluster = %cluster_name, error = %e, "sandbox cluster stopped serving");
                }
            }));
            members.push(Member {
                cluster,
                server: format!("https://{addr}"),
                addr,
            });
        }
        if let Some(spec) = options.scale {
            seed_scaled(spec, to_scale).await?;
        }
        let timing = match options.scale {
            Some(_) => scaled_timing(),
            None => Timing::default(),
        };
        for member in &members {
            servers.extend(crate::controllers::spawn_with(
                member.cluster.clone(),
                timing,
            ));
        }
        if let Some(dir) = state {
            let text = serde_json::to_string_pretty(&endpoints).map_err(io::Error::other)?;
            let path = dir.join(ENDPOINTS_FILE);
            std::fs::write(&path, text)?;
            // Bearer tokens and signing keys: the owner's alone.
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        }
        let described = match (&options.scenario, options.scale) {
            (Some(scenario), _) => Some(scenario.description()),
            (None, Some(spec)) => Some(spec.description()),
            (None, None) => None,
        };
        let clusters: Vec<Arc<Cluster>> = members.iter().map(|m| m.cluster.clone()).collect();
        let hub = Arc::new(ingress::hub(
            &clusters,
            described.clone(),
            state.map(Path::to_owned),
        ));
        // A fleet without a description has no project to serve the API
        // under; its config cluster is set through `set_config_cluster`.
        if described.is_some() {
            let tcp = bind(std::net::Ipv4Addr::LOCALHOST.into(), hub.remembered_port()).await?;
            let (bound, task) = ingress::serve_hub(hub.clone(), tcp)?;
            servers.push(task);
            hub.serving_on(bound.port())?;
        }
        servers.push(ingress::spawn_controller(
            hub.clone(),
            &clusters,
            described.as_ref(),
            timing.resync,
        ));
        let description = hub.description();
        let admin = match options.admin {
            Some(addr) => {
                let targets = members
                    .iter()
                    .map(|m| admin::Target {
                        cluster: m.cluster.clone(),
                        server: m.server.clone(),
                    })
                    .collect();
                let (bound, task) = admin::start(addr, targets).await?;
                servers.push(task);
                Some(bound)
            }
            None => None,
        };
        if let Some(dir) = state {
            write_admin_file(dir, admin, hub.endpoint())?;
        }
        Ok(Self {
            members,
            ca_pem: tls.ca_pem,
            description,
            admin,
            hub,
            servers,
        })
    }

    /// The fleet's multi-cluster ingress setting and its fleet API.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// The member that is the config cluster now.
    pub fn config_cluster(&self) -> Option<String> {
        self.hub.config_cluster()
    }

    /// Makes `name` the config cluster, as a PATCH of the fleet API's
    /// `multiclusteringress` feature does; the controller switches its
    /// source at once.
    pub fn set_config_cluster(&self, name: &str) -> Result<(), HubError> {
        self.hub.set_config_cluster(name)
    }

    /// The fleet API's base URL (`http://127.0.0.1:<port>`), for a fleet
    /// with a description.
    pub fn hub_url(&self) -> Option<String> {
        self.hub.endpoint()
    }

    /// The admin endpoint's base URL (`http://127.0.0.1:<port>`).
    pub fn admin_url(&self) -> Option<String> {
        self.admin.map(|addr| format!("http://{addr}"))
    }

    pub fn cluster(&self, name: &str) -> Option<&Arc<Cluster>> {
        self.members
            .iter()
            .map(|m| &m.cluster)
            .find(|c| c.name == name)
    }

    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.cluster.name == name)
    }

    /// A kubeconfig (YAML) with one context per cluster.
    pub fn kubeconfig(&self) -> String {
        let entries: Vec<kubeconfig::Entry<'_>> = self
            .members
            .iter()
            .map(|m| kubeconfig::Entry {
                name: &m.cluster.name,
                server: &m.server,
                token: &m.cluster.token,
            })
            .collect();
        kubeconfig::render(&self.ca_pem, &entries)
    }

    /// Writes the kubeconfig to `path`, readable by its owner only (it
    /// holds the clusters' tokens), and, for a fleet from a scenario, the
    /// fleet description `fleet.yaml` beside it (see
    /// `sandbox/scenarios/README.md`).
    pub fn write_kubeconfig(&self, path: &Path) -> io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        crate::tls::write_private(path, &self.kubeconfig())?;
        self.hub
            .write_description(&path.with_file_name("fleet.yaml"))?;
        if let Some(dir) = path.parent() {
            write_admin_file(dir, self.admin, self.hub.endpoint())?;
        }
        Ok(())
    }
}

/// Says where the admin endpoint (`admin`, and `url`) and the fleet API (`hub`) listen,
/// or removes a stale file of an earlier run that had them.
fn write_admin_file(dir: &Path, admin: Option<SocketAddr>, hub: Option<String>) -> io::Result<()> {
    let path = dir.join(ADMIN_FILE);
    let mut body = json!({});
    if let Some(addr) = admin {
        let url = format!("http://{addr}");
        body["admin"] = json!(url);
        body["url"] = json!(url);
    }
    if let Some(hub) = hub {
        body["hub"] = json!(hub);
    }
    if admin.is_some() || !body["hub"].is_null() {
        return std::fs::write(path, body.to_string());
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The controllers of a generated fleet resync every ten minutes rather
/// than every thirty seconds: a pass over 2,000 pods per cluster costs
/// seconds of CPU, and nothing in a settled fleet needs it.
fn scaled_timing() -> Timing {
    Timing {
        resync: std::time::Duration::from_secs(600),
        ..Timing::default()
    }
}

/// Seeds generated clusters in parallel, one thread per core, before any
/// controller starts (so none competes with the seeding).
async fn seed_scaled(spec: ScaleSpec, clusters: Vec<Arc<Cluster>>) -> io::Result<()> {
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let mut groups: Vec<Vec<Arc<Cluster>>> = vec![Vec::new(); threads];
    for (i, cluster) in clusters.into_iter().enumerate() {
        groups[i % threads].push(cluster);
    }
    let tasks: Vec<_> = groups
        .into_iter()
        .map(|group| {
            tokio::task::spawn_blocking(move || {
                group.iter().try_for_each(|c| spec.seed(c).map(drop))
            })
        })
        .collect();
    for task in tasks {
        task.await
            .map_err(io::Error::other)?
            .map_err(io::Error::other)?;
    }
    Ok(())
}

/// Binds the remembered port when it is free, else any free port. A port
/// just released by a fleet shutting down in this process may take a moment
/// to close, so the remembered one is retried briefly.
async fn bind(host: std::net::IpAddr, port: Option<u16>) -> io::Result<TcpListener> {
    if let Some(port) = port {
        for _ in 0..20 {
            if let Ok(listener) = TcpListener::bind((host, port)).await {
                return Ok(listener);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        tracing::warn!(
            port,
            "the remembered port is taken; the kubeconfig gets a new one"
        );
    }
    TcpListener::bind((host, 0)).await
}

fn read_endpoints(dir: &Path) -> BTreeMap<String, Endpoint> {
    std::fs::read_to_string(dir.join(ENDPOINTS_FILE))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// A new cluster starts with the system namespaces (and thereby their
/// `default` service accounts); every cluster has the multi-cluster
/// ingress CRDs, as every member of a fleet with the feature enabled does.
async fn seed(cluster: &Cluster) {
    let Some(namespaces) = cluster.find("", "v1", "namespaces") else {
        return;
    };
    let options = WriteOptions {
        user_agent: "kube-apiserver".into(),
        ..WriteOptions::default()
    };
    for name in SYSTEM_NAMESPACES {
        if cluster.store.get("namespaces", "", name).is_some() {
            continue;
        }
        let body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
        if let Err(e) = ops::create(cluster, &namespaces, "", body, &options).await {
            tracing::error!(cluster = %cluster.name, namespace = name, error = %e.message, "seeding failed");
        }
    }
    if let Some(roles) = cluster.find("rbac.authorization.k8s.io", "v1", "clusterroles")
        && cluster
            .store
            .get(&roles.key(), "", crate::rbac::AUTH_DELEGATOR)
            .is_none()
        && let Err(e) =
            ops::create(cluster, &roles, "", crate::rbac::auth_delegator(), &options).await
    {
        tracing::error!(cluster = %cluster.name, error = %e.message, "seeding system:auth-delegator failed");
    }
    ingress::crds::install(cluster).await;
}
