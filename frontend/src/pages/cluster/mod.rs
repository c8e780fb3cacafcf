//! One member cluster's page, `/c/:cluster` and `/c/:cluster/:section`:
//! the overview (reachability, nodes, control planes, namespaces) from the
//! live fleet, and the per-cluster tabs: that cluster's part of the Mesh,
//! Security and Workloads sections.

mod csrs;
mod gateway;
mod links;
mod mesh_tab;
mod namespaces;
mod overview;
mod security_tab;
mod standings;
mod trust;
mod workloads_tab;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::fleet::Cluster;
use shared::{ApiError, ClusterName, ErrorCode, Section};

use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;
use crate::components::revision::Palette;
use crate::live_fleet::LiveFleet;
use crate::session::Auth;

#[component]
pub fn ClusterPage() -> impl IntoView {
    let params = use_params_map();
    move || {
        let params = params.read();
        let raw = params.get("cluster").unwrap_or_default();
        let cluster = match raw.parse::<ClusterName>() {
            Ok(cluster) => cluster,
            Err(err) => {
                let error = ApiError::new(ErrorCode::BadRequest, err.to_string());
                return view! { <h1>"Cluster"</h1><ErrorView error/> }.into_any();
            }
        };
        let section = match params.get("section") {
            None => None,
            Some(slug) => match Section::from_slug(&slug).filter(|s| s.per_cluster()) {
                Some(section) => Some(section),
                None => {
                    let error = ApiError::new(
                        ErrorCode::NotFound,
                        format!("clusters have no page {slug:?}"),
                    )
                    .with_cluster(cluster.to_string());
                    return view! { <h1>"Cluster " {cluster.to_string()}</h1><ErrorView error/> }
                        .into_any();
                }
            },
        };
        let heading = match section {
            Some(s) => format!("{} on {cluster}", s.title()),
            None => format!("Cluster {cluster}"),
        };
        let role = Auth::get().account().map(|a| a.role);
        let tabs = Section::ALL
            .into_iter()
            .filter(|s| s.per_cluster() && role.is_none_or(|r| r.sees(*s)))
            .map(|s| view! { <A href=s.cluster_path(&cluster)>{s.title()}</A> })
            .collect_view();
        let body = tab(section, cluster.clone());
        let (overview, name) = (format!("/c/{cluster}"), cluster.to_string());
        let trail = match section {
            Some(s) => view! {
                <li><A href=overview exact=true>{name}</A></li>
                <li aria-current="page">{s.title()}</li>
            }
            .into_any(),
            None => view! { <li aria-current="page">{name}</li> }.into_any(),
        };
        view! {
            <section class="cluster-page" data-cluster=cluster.to_string()>
                <nav class="breadcrumb" aria-label="Breadcrumb">
                    <ol><li><A href="/fleet">"Fleet"</A></li>{trail}</ol>
                </nav>
                <h1>{heading}</h1>
                <nav class="tabs" aria-label="Cluster pages">
                    <A href=format!("/c/{cluster}") exact=true>"Overview"</A>
                    {tabs}
                </nav>
                {body}
            </section>
        }
        .into_any()
    }
}

/// The error shown for a name the fleet does not have, as the backend
/// words its 404.
fn unknown_cluster(name: &ClusterName) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("no member cluster named {name} in the fleet"),
    )
    .with_cluster(name.to_string())
}

/// Nothing, or the error view when the fleet has no such cluster.
#[component]
fn KnownCluster(cluster: ClusterName) -> impl IntoView {
    let fleet = LiveFleet::get().fleet();
    let name = cluster.to_string();
    let missing =
        Memo::new(move |_| fleet.with(|f| f.as_ref().is_some_and(|f| f.cluster(&name).is_none())));
    move || {
        missing
            .get()
            .then(|| view! { <ErrorView error=unknown_cluster(&cluster)/> })
    }
}

/// The page below the tabs: the overview or one section's tab.
fn tab(section: Option<Section>, cluster: ClusterName) -> AnyView {
    match section {
        None => view! { <Overview cluster/> }.into_any(),
        Some(Section::Mesh) => view! { <mesh_tab::MeshTab cluster/> }.into_any(),
        Some(Section::Security) => view! {
            <KnownCluster cluster=cluster.clone()/>
            <security_tab::SecurityTab cluster/>
        }
        .into_any(),
        Some(Section::Workloads) => view! {
            <KnownCluster cluster=cluster.clone()/>
            <workloads_tab::WorkloadsTab cluster/>
        }
        .into_any(),
        // `per_cluster` admits only the three above.
        Some(other) => {
            let error = ApiError::new(
                ErrorCode::NotFound,
                format!("clusters have no page {:?}", other.slug()),
            );
            view! { <ErrorView error/> }.into_any()
        }
    }
}

/// What a page of the cluster drawn from the live fleet can show.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    Loading,
    Failed,
    Unknown,
    Cluster,
}

/// The cluster as the live fleet knows it, and what can be shown of it.
/// Only a change to this cluster redraws what reads it.
fn live_cluster(cluster: &ClusterName) -> (Memo<Option<Cluster>>, Memo<Shown>) {
    let live = LiveFleet::get();
    let fleet = live.fleet();
    let name = cluster.to_string();
    let current =
        Memo::new(move |_| fleet.with(|f| f.as_ref().and_then(|f| f.cluster(&name).cloned())));
    let shown = Memo::new(move |_| {
        let loaded = fleet.with(Option::is_some);
        match (loaded, current.with(Option::is_some)) {
            (_, true) => Shown::Cluster,
            (true, false) => Shown::Unknown,
            (false, _) if live.error().is_some() => Shown::Failed,
            (false, _) => Shown::Loading,
        }
    });
    (current, shown)
}

/// The fleet's revision colours.
fn live_palette() -> Memo<Palette> {
    let fleet = LiveFleet::get().fleet();
    Memo::new(move |_| fleet.with(|f| f.as_ref().map(Palette::of).unwrap_or_default()))
}

/// Loading, the fleet's error, the unknown-cluster error, or `draw` once
/// the live fleet has the cluster.
fn when_known(
    cluster: ClusterName,
    shown: Memo<Shown>,
    draw: impl Fn() -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let live = LiveFleet::get();
    view! {
        {move || live.error().map(|error| view! { <ErrorView error/> })}
        {move || match shown.get() {
            Shown::Failed => ().into_any(),
            Shown::Loading => view! { <Loading what="the cluster"/> }.into_any(),
            Shown::Unknown => view! { <ErrorView error=unknown_cluster(&cluster)/> }.into_any(),
            Shown::Cluster => draw(),
        }}
    }
}

/// The live overview. The cluster's parts redraw themselves, so a change
/// keeps the namespace filter and its focus.
#[component]
fn Overview(cluster: ClusterName) -> impl IntoView {
    let (current, shown) = live_cluster(&cluster);
    let palette = live_palette();
    when_known(cluster, shown, move || {
        view! {
            <overview::Facts cluster=current/>
            <overview::Nodes cluster=current/>
            <overview::ControlPlanes cluster=current palette/>
            <namespaces::NamespaceTable cluster=current palette/>
        }
        .into_any()
    })
}
