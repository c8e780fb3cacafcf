//! Selection previews: for a MultiClusterService, every member with its
//! selection (and why it is excluded), whether its derived Service exists
//! and how many pods the selector matches there; for a
//! MultiClusterIngress, hosts → MultiClusterService → clusters → pods,
//! the VIP and the default backend. Members are asked in parallel; one
//! that does not answer is shown with its error, not failed as a whole.

use std::collections::BTreeMap;

use futures_util::future::join_all;
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::ClusterName;
use shared::fleet::PodCount;
use shared::ingress::api::{ClusterPods, MciPreview, McsPreview, MemberPreview, RoutePreview};
use shared::ingress::{
    MultiClusterIngress, MultiClusterService, derived_service_name, review_mci, review_mcs,
};

use super::context::ConfigView;
use super::resource::Resource;
use crate::cluster::FleetService;
use crate::cluster::ingress::{self as on_cluster, Kind};
use crate::error::AppError;

/// What one member says about one MultiClusterService.
struct Probe {
    derived: Option<bool>,
    pods: Option<PodCount>,
    error: Option<String>,
}

async fn probe(fleet: &FleetService, cluster: &str, mcs: &MultiClusterService) -> Probe {
    let api = match fleet.member_api(cluster) {
        Ok(api) => api,
        Err(e) => {
            return Probe {
                derived: None,
                pods: None,
                error: Some(e.to_string()),
            };
        }
    };
    let (derived, pods) = tokio::join!(
        on_cluster::derived_present(&api, mcs),
        on_cluster::matching_pods(&api, mcs)
    );
    // The member is named beside the error, so the error leaves it out.
    let error = [derived.as_ref().err(), pods.as_ref().err()]
        .into_iter()
        .flatten()
        .map(|e| e.kind.to_string())
        .next();
    Probe {
        derived: derived.ok(),
        pods: pods.ok(),
        error,
    }
}

/// A resource whose page shows what it does across the fleet.
pub trait Previewed: Resource + DeserializeOwned + Send + Sync + 'static {
    type Preview: Serialize + Send;

    /// The preview of `object`, read at `resource_version`.
    fn preview(
        fleet: &FleetService,
        view: &ConfigView,
        found: (Self, Option<String>),
    ) -> impl Future<Output = Result<Self::Preview, AppError>> + Send;
}

impl Previewed for MultiClusterService {
    type Preview = McsPreview;

    async fn preview(
        fleet: &FleetService,
        view: &ConfigView,
        (mcs, resource_version): (Self, Option<String>),
    ) -> Result<McsPreview, AppError> {
        let review = review_mcs(&mcs, &view.context());
        let derived_service = derived_service_name(mcs.namespace(), mcs.name());
        let probes = join_all(
            review
                .selection
                .members
                .iter()
                .map(|m| probe(fleet, m.cluster.as_str(), &mcs)),
        )
        .await;
        let members = review
            .selection
            .members
            .iter()
            .zip(probes)
            .map(|(m, p)| MemberPreview {
                cluster: m.cluster.clone(),
                location: m.location.clone(),
                config_cluster: m.config_cluster,
                selection: m.selection,
                derived_service: derived_service.clone(),
                derived: p.derived,
                pods: p.pods,
                error: p.error,
            })
            .collect();
        let events =
            on_cluster::events(&view.api, Kind::Service, mcs.namespace(), mcs.name()).await?;
        Ok(McsPreview {
            config_cluster: config_name(view)?,
            service: mcs,
            resource_version,
            review,
            members,
            events,
        })
    }
}

impl Previewed for MultiClusterIngress {
    type Preview = MciPreview;

    async fn preview(
        fleet: &FleetService,
        view: &ConfigView,
        (mci, resource_version): (Self, Option<String>),
    ) -> Result<MciPreview, AppError> {
        let review = review_mci(&mci, &view.context());
        let routes: Vec<(bool, _)> = review
            .routes
            .default_backend
            .iter()
            .map(|r| (true, r))
            .chain(review.routes.rules.iter().map(|r| (false, r)))
            .collect();
        // Each (service, cluster) once, however many hosts route to it.
        let mut wanted: BTreeMap<(String, ClusterName), ()> = BTreeMap::new();
        for (_, route) in &routes {
            for cluster in route.target.iter().flat_map(|t| &t.clusters) {
                wanted.insert((route.service.clone(), cluster.clone()), ());
            }
        }
        let keys: Vec<(String, ClusterName)> = wanted.into_keys().collect();
        let namespace = mci.namespace();
        let counts = join_all(keys.iter().map(|(service, cluster)| async move {
            let mcs = view
                .services
                .iter()
                .find(|s| s.namespace() == namespace && s.name() == service)?;
            probe(fleet, cluster.as_str(), mcs).await.pods
        }))
        .await;
        let pods: BTreeMap<&(String, ClusterName), Option<PodCount>> =
            keys.iter().zip(counts).collect();
        let routes = routes
            .into_iter()
            .map(|(default, route)| RoutePreview {
                clusters: route
                    .target
                    .iter()
                    .flat_map(|t| &t.clusters)
                    .map(|cluster| ClusterPods {
                        cluster: cluster.clone(),
                        pods: pods
                            .get(&(route.service.clone(), cluster.clone()))
                            .copied()
                            .flatten(),
                    })
                    .collect(),
                route: route.clone(),
                default,
            })
            .collect();
        let events =
            on_cluster::events(&view.api, Kind::Ingress, mci.namespace(), mci.name()).await?;
        Ok(MciPreview {
            config_cluster: config_name(view)?,
            vip: mci.vip().map(str::to_owned),
            ingress: mci,
            resource_version,
            review,
            routes,
            events,
        })
    }
}

pub fn config_name(view: &ConfigView) -> Result<ClusterName, AppError> {
    view.cluster
        .parse()
        .map_err(|e| AppError::Internal(format!("config cluster {:?}: {e}", view.cluster)))
}
