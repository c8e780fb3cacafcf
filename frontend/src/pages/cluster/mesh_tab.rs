//! The cluster's part of the Mesh section, `/c/:cluster/mesh`: its control
//! plane revisions (version, readiness, webhook) and each namespace's
//! injection and migration state from the live fleet, its ingress gateway
//! address, its install and migration runs, and links to the Mesh
//! section's actions for the roles that may take them.

use leptos::prelude::*;
use shared::mesh::migration::run::MigrationRun;
use shared::{ClusterName, Section};

use super::gateway::Gateway;
use super::links::SectionLinks;
use super::overview::ControlPlanes;
use super::standings::Standings;
use crate::api::follow::Followed;
use crate::pages::mesh::runs::RunList;

#[component]
pub fn MeshTab(cluster: ClusterName) -> impl IntoView {
    let (current, shown) = super::live_cluster(&cluster);
    let palette = super::live_palette();
    let runs = LocalResource::new(MigrationRun::list);
    let live = super::when_known(cluster.clone(), shown, move || {
        view! {
            <ControlPlanes cluster=current palette/>
            <Standings cluster=current palette runs/>
        }
        .into_any()
    });
    view! {
        <SectionLinks section=Section::Mesh cluster=cluster.clone()/>
        {live}
        <Gateway cluster=cluster.clone()/>
        <RunList changed=Signal::derive(|| 0) cluster/>
    }
}
