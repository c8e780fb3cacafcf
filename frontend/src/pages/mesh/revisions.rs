//! Control plane revisions across the fleet, from the live fleet: per
//! cluster, each revision with its version, istiod's ready replicas and
//! the namespaces whose labels ask for it.

use leptos::prelude::*;

use crate::components::status_badge::{self, StatusBadge};
use shared::fleet::{Cluster, ControlPlane, Fleet};

use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;
use crate::components::revision::{Palette, RevisionChip};
use crate::live_fleet::LiveFleet;

/// The namespaces of `cluster` whose injection labels ask for `revision`.
fn namespaces_on(cluster: &Cluster, revision: &str) -> Vec<String> {
    cluster
        .namespaces
        .iter()
        .filter(|n| n.injection().target_revision() == Some(revision))
        .map(|n| n.name.clone())
        .collect()
}

fn readiness(cp: &ControlPlane) -> impl IntoView + use<> {
    let (tone, word) = status_badge::control_plane(cp);
    view! {
        <StatusBadge tone text=word/>
        " "
        <span class="muted">{cp.ready_replicas} "/" {cp.replicas} " replicas"</span>
    }
}

fn revision_row(cluster: &Cluster, cp: &ControlPlane, palette: &Palette) -> impl IntoView + use<> {
    let name = cluster.name().to_string();
    let namespaces = namespaces_on(cluster, &cp.revision);
    view! {
        <tr data-cluster=name.clone() data-revision=cp.revision.clone()>
            <th scope="row"><a href=format!("/c/{name}")>{name.clone()}</a></th>
            <td><RevisionChip revision=cp.revision.clone() class=palette.class(&cp.revision)/></td>
            <td class="rev-version">{cp.version.clone().unwrap_or_else(|| "unknown".into())}</td>
            <td class="rev-ready" data-ready=cp.ready().to_string()>{readiness(cp)}</td>
            <td class="rev-namespaces">
                {if namespaces.is_empty() {
                    view! { <span class="muted">"none"</span> }.into_any()
                } else {
                    namespaces
                        .into_iter()
                        .map(|n| view! { <code class="ns-name">{n}</code> " " })
                        .collect_view()
                        .into_any()
                }}
            </td>
        </tr>
    }
}

fn rows(fleet: &Fleet) -> impl IntoView + use<> {
    let palette = Palette::of(fleet);
    fleet
        .clusters
        .iter()
        .map(|c| {
            if c.control_planes.is_empty() {
                let name = c.name().to_string();
                view! {
                    <tr data-cluster=name.clone() data-revision="">
                        <th scope="row"><a href=format!("/c/{name}")>{name.clone()}</a></th>
                        <td colspan="4" class="muted">
                            {if c.reachability.is_reachable() {
                                "no mesh control plane"
                            } else {
                                "not reachable: revisions unknown"
                            }}
                        </td>
                    </tr>
                }
                .into_any()
            } else {
                c.control_planes
                    .iter()
                    .map(|cp| revision_row(c, cp, &palette))
                    .collect_view()
                    .into_any()
            }
        })
        .collect_view()
}

/// The table, redrawn as the fleet changes.
#[component]
pub fn RevisionTable() -> impl IntoView {
    let live = LiveFleet::get();
    let fleet = live.fleet();
    view! {
        <section class="mesh-part" aria-labelledby="revisions-heading">
            <h2 id="revisions-heading">"Revisions per cluster"</h2>
            {move || live.error().map(|error| view! { <ErrorView error/> })}
            {move || fleet.with(|f| match f {
                None => view! { <Loading what="the fleet"/> }.into_any(),
                Some(f) => view! {
                    <table class="mesh-revisions">
                        <thead>
                            <tr>
                                <th>"Cluster"</th>
                                <th>"Revision"</th>
                                <th>"Version"</th>
                                <th>"istiod"</th>
                                <th>"Namespaces labelled for it"</th>
                            </tr>
                        </thead>
                        <tbody>{rows(f)}</tbody>
                    </table>
                }
                .into_any(),
            })}
        </section>
    }
}
