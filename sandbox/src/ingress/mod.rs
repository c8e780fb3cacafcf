//! Multi-cluster ingress as Google hosts it, played against the sandbox
//! fleet (SPEC §4, seed 003). It spans clusters, so it lives at the fleet
//! level: the `networking.gke.io/v1` [`crds`] in every member; a
//! controller that reads MultiClusterServices and MultiClusterIngresses
//! only from the config cluster and keeps the [`derived`] Services on the
//! members they select, gives each ingress a [`vip`] and tells of problems
//! in Events; and the fleet's [`hub`] setting of which member is the config
//! cluster, served by a GKE Hub–like fleet API ([`hub_api`]).
//!
//! Selection, validation, quotas, routing and derived names are the shared
//! rules of `shared::ingress`, the same the console runs.

mod admission;
mod controller;
pub mod crds;
pub mod derived;
pub mod hub;
mod hub_api;
mod ingresses;
mod notices;
mod reconcile;
mod view;
pub mod vip;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::cluster::Cluster;
use crate::scenario::FleetDescription;
pub use derived::DERIVED_LABEL;
pub use hub::{Hub, HubError, HubMember};
pub use vip::VIP_RANGE;

/// The hub of a fleet of `clusters`, members as `description` places them.
pub(crate) fn hub(
    clusters: &[Arc<Cluster>],
    description: Option<FleetDescription>,
    state_dir: Option<std::path::PathBuf>,
) -> Hub {
    let members = clusters
        .iter()
        .map(|c| HubMember {
            name: c.name.clone(),
            location: description
                .as_ref()
                .and_then(|d| d.members.iter().find(|m| m.name == c.name))
                .map(|m| m.location.clone())
                .unwrap_or_default(),
        })
        .collect();
    Hub::new(members, description, state_dir)
}

/// Starts the controller over `clusters`.
pub(crate) fn spawn_controller(
    hub: Arc<Hub>,
    clusters: &[Arc<Cluster>],
    description: Option<&FleetDescription>,
    resync: Duration,
) -> JoinHandle<()> {
    controller::spawn(hub, view::members(clusters, description), resync)
}

/// Serves the fleet API on `listener`.
pub(crate) fn serve_hub(
    hub: Arc<Hub>,
    listener: TcpListener,
) -> io::Result<(SocketAddr, JoinHandle<()>)> {
    let bound = listener.local_addr()?;
    let app = hub_api::router(hub, bound.port());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the sandbox fleet API stopped");
        }
    });
    Ok((bound, task))
}
