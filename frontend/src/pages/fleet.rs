//! The fleet page: headline figures, the topology picture and its legend,
//! all drawn from the live fleet, so they change as the clusters do.

use leptos::ev;
use leptos::prelude::*;
use shared::Section;
use shared::fleet::{Cluster, Fleet, Reachability};

use crate::components::error_view::ErrorView;
use crate::components::health;
use crate::components::loading::Loading;
use crate::components::revision::Palette;
use crate::components::topology::Topology;
use crate::live_fleet::LiveFleet;

/// The page's content width in CSS pixels, for laying out the picture:
/// the window less the page padding, at most the page's own width.
fn content_width() -> u32 {
    let window = window().inner_width().ok().and_then(|w| w.as_f64());
    let width = window.unwrap_or(1280.0) - 40.0;
    width.clamp(240.0, 1160.0) as u32
}

/// The fleet without its namespaces: all the picture draws, so namespace
/// and pod changes (the most frequent) leave the picture and the focus in
/// it alone.
fn without_namespaces(fleet: &Fleet) -> Fleet {
    Fleet {
        version: 0,
        name: fleet.name.clone(),
        project: fleet.project.clone(),
        clusters: fleet
            .clusters
            .iter()
            .map(|c| Cluster {
                member: c.member.clone(),
                reachability: c.reachability.clone(),
                kubernetes_version: c.kubernetes_version.clone(),
                nodes: c.nodes.clone(),
                control_planes: c.control_planes.clone(),
                namespaces: Vec::new(),
            })
            .collect(),
    }
}

#[component]
pub fn FleetPage() -> impl IntoView {
    let live = LiveFleet::get();
    let fleet = live.fleet();
    let picture = Memo::new(move |_| fleet.with(|f| f.as_ref().map(without_namespaces)));
    let loaded = Memo::new(move |_| fleet.with(Option::is_some));
    let width = RwSignal::new(content_width());
    let resize = window_event_listener(ev::resize, move |_| width.set(content_width()));
    on_cleanup(move || resize.remove());
    let section = Section::Fleet;
    view! {
        <section class="section-page fleet-page" data-section=section.slug()>
            <h1>{section.title()}</h1>
            <p class="lead">{section.summary()}</p>
            {move || live.error().map(|error| view! { <ErrorView error/> })}
            {move || match (loaded.get(), live.error().is_some()) {
                (false, true) => ().into_any(),
                (false, false) => view! { <Loading what="the fleet"/> }.into_any(),
                (true, _) => view! {
                    {move || fleet.with(|f| f.as_ref().map(|f| (fleet_identity(f), figures(f))))}
                    <figure class="topology-figure">
                        {move || picture.with(|p| p.as_ref().map(|p| view! {
                            <Topology fleet=p.clone() width=width.get()/>
                            {legend(p)}
                        }))}
                    </figure>
                }
                .into_any(),
            }}
        </section>
    }
}

fn fleet_identity(fleet: &Fleet) -> impl IntoView + use<> {
    let name = fleet.name.clone();
    let project = fleet.project.clone();
    (name.is_some() || project.is_some()).then(|| {
        view! {
            <p class="fleet-identity muted">
                {name.map(|n| view! { "Fleet " <strong>{n}</strong> })}
                {project.map(|p| view! { " in project " <code>{p}</code> })}
            </p>
        }
    })
}

fn figures(fleet: &Fleet) -> impl IntoView + use<> {
    let s = fleet.summary();
    let unreachable = s.reachable < s.clusters;
    view! {
        <dl class="figures" aria-label="Fleet summary">
            <div class="figure" data-figure="clusters">
                <dt>"Clusters"</dt>
                <dd>{s.clusters}</dd>
            </div>
            <div class="figure" class:figure-bad=unreachable data-figure="reachable">
                <dt>"Reachable"</dt>
                <dd>{s.reachable} <span class="figure-of">" of " {s.clusters}</span></dd>
            </div>
            <div class="figure" data-figure="revisions">
                <dt>"Revisions in use"</dt>
                <dd>{s.revisions}</dd>
            </div>
            <div class="figure" class:figure-warn={s.namespaces_restart_pending > 0} data-figure="restart-pending">
                <dt>"Namespaces with restart pending"</dt>
                <dd>{s.namespaces_restart_pending}</dd>
            </div>
        </dl>
    }
}

fn legend(fleet: &Fleet) -> impl IntoView + use<> {
    let palette = Palette::of(fleet);
    let revisions = fleet
        .revision_usage()
        .into_iter()
        .map(|(revision, clusters)| {
            let on = if clusters == 1 {
                "1 cluster".to_owned()
            } else {
                format!("{clusters} clusters")
            };
            view! {
                <li data-revision=revision.to_owned()>
                    <span class=format!("swatch {}", palette.class(revision)) aria-hidden="true"></span>
                    <code>{revision.to_owned()}</code>
                    <span class="muted">" on " {on}</span>
                </li>
            }
        })
        .collect_view();
    let states = [
        Reachability::Reachable { since: 0 },
        Reachability::Connecting { since: 0 },
        Reachability::Unreachable {
            since: 0,
            error: String::new(),
        },
        Reachability::Degraded {
            since: 0,
            error: String::new(),
        },
        Reachability::Misconfigured {
            error: String::new(),
        },
    ]
    .map(|r| {
        view! {
            <li class=format!("health-{}", health::slug(&r))>
                <span class="legend-glyph" aria-hidden="true">{health::glyph(&r)}</span>
                " " {r.label()}
            </li>
        }
    });
    let no_revisions = fleet
        .revisions()
        .is_empty()
        .then(|| view! { <li class="muted">"No control plane installed anywhere"</li> });
    view! {
        <figcaption class="legend">
            <div>
                <h2>"Revisions"</h2>
                <ul class="legend-revisions">{revisions}{no_revisions}</ul>
            </div>
            <div>
                <h2>"Health"</h2>
                <ul class="legend-health">{states.into_iter().collect_view()}</ul>
            </div>
            <div>
                <h2>"Marks"</h2>
                <ul>
                    <li><span class="legend-config">"★"</span> " config cluster (multi-cluster ingress)"</li>
                    <li class="muted">"Hover a cluster for details; select it to open its page."</li>
                </ul>
            </div>
        </figcaption>
    }
}
