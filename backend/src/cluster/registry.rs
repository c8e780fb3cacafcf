//! Who the members are: the kubeconfig's contexts joined with the fleet
//! description beside it. A member whose context is missing or unusable is
//! kept, with the reason, so the console can show it rather than lose it.

use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};
use shared::ClusterName;
use shared::fleet::{FleetDescription, Member, MemberDescription, Platform};

/// The file next to the kubeconfig that describes the fleet.
pub const DESCRIPTION_FILE: &str = "fleet.yaml";

/// The fleet as configured: its name and project, and every member.
pub struct Registry {
    pub name: Option<String>,
    pub project: Option<String>,
    pub members: Vec<Registered>,
    /// The fleet API's base URL (`hub.endpoint`), which says and changes
    /// the config cluster.
    pub hub: Option<String>,
    /// How long one request to a member may take.
    pub timeout: std::time::Duration,
}

/// One member and how to reach it, or why it cannot be reached.
pub struct Registered {
    pub member: Member,
    /// An on-prem admin cluster (nothing is installed on those).
    pub admin: bool,
    /// The client the fleet watch runs on (long-lived reads).
    pub client: Result<kube::Client, ContextError>,
    /// The client every other call uses: each request answers within
    /// [`REQUEST_TIMEOUT`] or fails, so a hanging member holds nothing up.
    pub requests: Result<kube::Client, ContextError>,
    /// The API server the context points at, when it is usable.
    pub api_server: Option<ApiServer>,
}

/// A member's API server as its kubeconfig context names it: what another
/// system (Vault's Kubernetes auth) needs to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiServer {
    /// `https://host:port`.
    pub url: String,
    /// The CA certificates its serving certificate chains to, PEM; `None`
    /// when the context trusts the system roots.
    pub ca_pem: Option<String>,
}

/// Why a member's kubeconfig context gives no client.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ContextError {
    #[error("context {context:?} is not in the kubeconfig {path}")]
    Missing { context: String, path: String },
    #[error("context {context:?} cannot be used: {reason}")]
    Unusable { context: String, reason: String },
}

/// Why the fleet could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("cannot read the kubeconfig {path}: {reason}")]
    Kubeconfig { path: PathBuf, reason: String },
    #[error("cannot read the fleet description {path}: {reason}")]
    Description { path: PathBuf, reason: String },
}

impl Registry {
    /// No members: a console without a fleet.
    pub fn empty() -> Self {
        Self {
            name: None,
            project: None,
            members: Vec::new(),
            hub: None,
            timeout: REQUEST_TIMEOUT,
        }
    }

    /// Reads `kubeconfig` and `description` (default: `fleet.yaml` beside
    /// the kubeconfig, optional there). With a description its members are
    /// the fleet; without one every context is a member. Requests are
    /// bounded by [`REQUEST_TIMEOUT`].
    pub async fn load(
        kubeconfig: &Path,
        description: Option<&Path>,
    ) -> Result<Self, RegistryError> {
        Self::load_bounded(kubeconfig, description, REQUEST_TIMEOUT).await
    }

    /// [`Registry::load`] with each request to a member bounded by
    /// `timeout`.
    pub async fn load_bounded(
        kubeconfig: &Path,
        description: Option<&Path>,
        timeout: std::time::Duration,
    ) -> Result<Self, RegistryError> {
        let config = Kubeconfig::read_from(kubeconfig).map_err(|e| RegistryError::Kubeconfig {
            path: kubeconfig.to_owned(),
            reason: e.to_string(),
        })?;
        let beside = kubeconfig.with_file_name(DESCRIPTION_FILE);
        let description = match description {
            Some(path) => Some(read_description(path)?),
            None if beside.is_file() => Some(read_description(&beside)?),
            None => None,
        };
        let described: Vec<MemberDescription> = match &description {
            Some(d) => d.members.clone(),
            None => config
                .contexts
                .iter()
                .map(|c| MemberDescription {
                    name: c.name.clone(),
                    context: Some(c.name.clone()),
                    location: String::new(),
                    platform: Platform::Unknown,
                    project: None,
                    network: None,
                    admin: false,
                    labels: Default::default(),
                })
                .collect(),
        };
        let config_cluster = description.as_ref().and_then(|d| d.config_cluster.clone());
        let mut members = Vec::new();
        for d in described {
            let name: ClusterName = match d.name.parse() {
                Ok(name) => name,
                Err(e) => {
                    tracing::warn!(member = %d.name, error = %e, "skipping a member whose name is not a cluster name");
                    continue;
                }
            };
            let member = Member {
                name,
                context: d.context().to_owned(),
                location: d.location.clone(),
                platform: d.platform,
                project: d.project.clone(),
                network: d.network.clone(),
                config_cluster: config_cluster.as_deref() == Some(d.name.as_str()),
                labels: d.labels.clone(),
            };
            let (client, requests, api_server) =
                match client_for(&config, &member.context, kubeconfig, timeout).await {
                    Ok((client, requests, api_server)) => {
                        (Ok(client), Ok(requests), Some(api_server))
                    }
                    Err(e) => (Err(e.clone()), Err(e), None),
                };
            members.push(Registered {
                member,
                admin: d.admin,
                client,
                requests,
                api_server,
            });
        }
        Ok(Self {
            hub: description
                .as_ref()
                .and_then(|d| d.hub.as_ref())
                .map(|h| h.endpoint.clone()),
            name: description.as_ref().map(|d| d.fleet.name.clone()),
            project: description.map(|d| d.fleet.project),
            members,
            timeout,
        })
    }
}

fn read_description(path: &Path) -> Result<FleetDescription, RegistryError> {
    let fail = |reason: String| RegistryError::Description {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    serde_yaml::from_str(&text).map_err(|e| fail(e.to_string()))
}

/// How long one request to a member may take unless configured
/// (`--call-timeout`; connecting, sending, and each wait for more of the
/// answer): long enough for a slow WAN, short enough that a hanging member
/// fails its callers instead of holding them.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Clients for `context` (one for the fleet watch, one for requests, see
/// [`Registered`]) and the API server they talk to, or why there are none.
async fn client_for(
    config: &Kubeconfig,
    context: &str,
    path: &Path,
    timeout: std::time::Duration,
) -> Result<(kube::Client, kube::Client, ApiServer), ContextError> {
    if !config.contexts.iter().any(|c| c.name == context) {
        return Err(ContextError::Missing {
            context: context.to_owned(),
            path: path.display().to_string(),
        });
    }
    let unusable = |e: &dyn std::fmt::Display| ContextError::Unusable {
        context: context.to_owned(),
        reason: e.to_string(),
    };
    let options = KubeConfigOptions {
        context: Some(context.to_owned()),
        ..KubeConfigOptions::default()
    };
    let config = kube::Config::from_custom_kubeconfig(config.clone(), &options)
        .await
        .map_err(|e| unusable(&e))?;
    let api_server = ApiServer {
        url: config
            .cluster_url
            .to_string()
            .trim_end_matches('/')
            .to_owned(),
        ca_pem: config.root_cert.as_ref().map(|certs| {
            certs
                .iter()
                .map(|der| pem::encode(&pem::Pem::new("CERTIFICATE", der.clone())))
                .collect()
        }),
    };
    let mut bounded = config.clone();
    bounded.connect_timeout = Some(timeout);
    bounded.read_timeout = Some(timeout);
    bounded.write_timeout = Some(timeout);
    let requests = kube::Client::try_from(bounded).map_err(|e| unusable(&e))?;
    let client = kube::Client::try_from(config).map_err(|e| unusable(&e))?;
    Ok((client, requests, api_server))
}
