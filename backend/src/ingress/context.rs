//! What every ingress request starts from: which member is the config
//! cluster (the fleet API's answer when fleet.yaml names one, which the
//! live snapshot then follows, else fleet.yaml's `configCluster`), the
//! fleet snapshot marked accordingly, and the config cluster's
//! MultiClusterServices and Ingresses.

use serde::de::DeserializeOwned;
use shared::ClusterName;
use shared::fleet::Fleet;
use shared::ingress::api::ConfigClusterState;
use shared::ingress::{IngressContext, MultiClusterIngress, MultiClusterService};

use crate::api::path::ObjectPath;
use crate::cluster::ingress::{self as on_cluster, Kind};
use crate::cluster::{FleetApiError, FleetService, MemberApi};
use crate::error::AppError;

/// The config cluster and what it holds, read for one request.
pub struct ConfigView {
    pub cluster: String,
    pub api: MemberApi,
    /// The snapshot, its `config_cluster` flags set from the fleet API.
    pub fleet: Fleet,
    pub services: Vec<MultiClusterService>,
    pub ingresses: Vec<MultiClusterIngress>,
}

impl ConfigView {
    pub async fn load(fleet: &FleetService) -> Result<Self, AppError> {
        let state = config_cluster(fleet).await?;
        let Some(cluster) = state.cluster.map(|c| c.to_string()) else {
            return Err(AppError::Conflict(
                "the fleet has no config cluster: set configCluster in fleet.yaml (or the fleet API's multiclusteringress feature) first".into(),
            ));
        };
        let api = fleet.member_api(&cluster)?;
        let services = on_cluster::services(&api).await?;
        let ingresses = on_cluster::ingresses(&api).await?;
        let mut snapshot = fleet.snapshot();
        for c in &mut snapshot.clusters {
            c.member.config_cluster = c.member.name.as_str() == cluster;
        }
        Ok(Self {
            cluster,
            api,
            fleet: snapshot,
            services,
            ingresses,
        })
    }

    /// The `kind` object at `at` as it is now, with its `resourceVersion`;
    /// a 404 on the config cluster when there is none.
    pub async fn one<T: DeserializeOwned>(
        &self,
        kind: Kind,
        at: &ObjectPath,
    ) -> Result<(T, Option<String>), AppError> {
        let (namespace, name) = (at.namespace.as_str(), at.name.as_str());
        on_cluster::one(&self.api, kind, namespace, name)
            .await?
            .ok_or_else(|| AppError::NotFoundOn {
                cluster: self.cluster.clone(),
                message: format!("no {} {namespace}/{name}", kind.kind()),
            })
    }

    /// What shared review checks against.
    pub fn context(&self) -> IngressContext<'_> {
        IngressContext {
            fleet: &self.fleet,
            services: &self.services,
            ingresses: &self.ingresses,
        }
    }
}

/// Which member is the config cluster now, and whether it can be changed.
pub async fn config_cluster(fleet: &FleetService) -> Result<ConfigClusterState, AppError> {
    let described = fleet
        .snapshot()
        .clusters
        .into_iter()
        .find(|c| c.member.config_cluster)
        .map(|c| c.member.name);
    match fleet.fleet_api() {
        Some(Ok(api)) => {
            let member = api.config_cluster().await.map_err(fleet_api_error)?;
            let cluster = match member {
                None => None,
                Some(name) => Some(name.parse().map_err(|e| {
                    AppError::Internal(format!("the fleet API names config cluster {name:?}: {e}"))
                })?),
            };
            // Switched by someone else since the console last looked.
            fleet
                .hub()
                .mark_config_cluster(cluster.as_ref().map(ClusterName::as_str));
            Ok(ConfigClusterState {
                cluster,
                switchable: true,
                note: None,
            })
        }
        Some(Err(reason)) => Ok(ConfigClusterState {
            cluster: described,
            switchable: false,
            note: Some(format!(
                "the fleet API named in fleet.yaml cannot be used ({reason}); the config cluster is fleet.yaml's configCluster"
            )),
        }),
        None => Ok(ConfigClusterState {
            cluster: described,
            switchable: false,
            note: Some(
                "this fleet has no fleet API (hub.endpoint in fleet.yaml), so the console cannot change the config cluster; it is fleet.yaml's configCluster".into(),
            ),
        }),
    }
}

/// A fleet API failure as an API error.
pub fn fleet_api_error(err: FleetApiError) -> AppError {
    const WHO: &str = "fleet API";
    match err {
        FleetApiError::Setup(_, _) => AppError::Internal(err.to_string()),
        FleetApiError::Unreachable(reason) => AppError::ClusterUnreachable {
            cluster: WHO.into(),
            reason,
        },
        FleetApiError::Refused { status, message } => AppError::RefusedBy {
            cluster: WHO.into(),
            status,
            message,
        },
    }
}
