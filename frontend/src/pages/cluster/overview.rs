//! The cluster overview's upper half: who the member is and whether it
//! answers, its nodes and capacity, its control plane revisions.

use leptos::prelude::*;
use shared::fleet::{Cluster, Reachability, units};
use shared::time::format_utc;

use crate::components::health::HealthBadge;
use crate::components::revision::{Palette, RevisionChip};
use crate::components::status_badge::{self, StatusBadge, Tone};

/// Reads one part of the cluster, redrawn when it changes.
fn part<T: 'static>(
    cluster: Memo<Option<Cluster>>,
    draw: impl Fn(&Cluster) -> T + Send + Sync + 'static,
) -> impl Fn() -> Option<T> {
    move || cluster.with(|c| c.as_ref().map(&draw))
}

/// The member's description and its reachability, with why not.
#[component]
pub fn Facts(cluster: Memo<Option<Cluster>>) -> impl IntoView {
    part(cluster, |c| {
        let m = &c.member;
        let reach = c.reachability.clone();
        let why = match &reach {
            Reachability::Unreachable { since, error } => Some(format!(
                "Unreachable since {}: {error}. What is shown below is what the console last knew.",
                format_utc(*since)
            )),
            Reachability::Degraded { since, error } => Some(format!(
                "Degraded since {}: {error}. What is shown below is what the console last knew.",
                format_utc(*since)
            )),
            Reachability::Misconfigured { error } => {
                Some(format!("The console cannot try this cluster: {error}"))
            }
            Reachability::Connecting { since } => Some(format!(
                "Waiting for the first answer (since {}).",
                format_utc(*since)
            )),
            Reachability::Reachable { .. } => None,
        };
        let since = match &reach {
            Reachability::Reachable { since } => Some(format!("since {}", format_utc(*since))),
            _ => None,
        };
        let project = m
            .project
            .as_ref()
            .map(|p| format!("{} ({})", p.id, p.number));
        view! {
            {why.map(|why| view! {
                <p class="reachability-notice" data-health=crate::components::health::slug(&reach)>{why}</p>
            })}
            <dl class="facts" aria-label="Cluster facts">
                <div><dt>"Reachability"</dt><dd><HealthBadge reachability=reach/> " " <span class="muted">{since}</span></dd></div>
                <div><dt>"Kubernetes"</dt><dd>{c.kubernetes_version.clone().unwrap_or_else(|| "unknown".into())}</dd></div>
                <div><dt>"Location"</dt><dd>{non_empty(&m.location)}</dd></div>
                <div><dt>"Platform"</dt><dd>{m.platform.title()}</dd></div>
                <div><dt>"Project"</dt><dd>{project.unwrap_or_else(|| "—".into())}</dd></div>
                <div><dt>"Network"</dt><dd>{m.network.clone().unwrap_or_else(|| "—".into())}</dd></div>
                <div><dt>"Context"</dt><dd><code>{m.context.clone()}</code></dd></div>
                <div><dt>"Multi-cluster ingress"</dt><dd>{if m.config_cluster { "★ config cluster" } else { "member" }}</dd></div>
            </dl>
        }
    })
}

fn non_empty(text: &str) -> String {
    if text.is_empty() {
        "—".into()
    } else {
        text.to_owned()
    }
}

/// The nodes table and the cluster's total allocatable capacity.
#[component]
pub fn Nodes(cluster: Memo<Option<Cluster>>) -> impl IntoView {
    part(cluster, |c| {
        let (cpu, memory) = c.capacity();
        let ready = c.nodes.iter().filter(|n| n.ready).count();
        let rows = c
            .nodes
            .iter()
            .map(|n| {
                view! {
                    <tr data-node=n.name.clone()>
                        <th scope="row"><code>{n.name.clone()}</code></th>
                        <td><StatusBadge tone=Tone::of(n.ready) text=if n.ready { "Ready" } else { "Not ready" }/></td>
                        <td class="num">{units::cpu(n.cpu_millis)}</td>
                        <td class="num">{units::memory(n.memory_bytes)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <section class="cluster-part" aria-labelledby="nodes-heading">
                <h2 id="nodes-heading">"Nodes"</h2>
                <p class="capacity">
                    "Total allocatable: " <strong>{units::cpu(cpu)}</strong> ", "
                    <strong>{units::memory(memory)}</strong>
                    <span class="muted">" on " {c.nodes.len()} " nodes, " {ready} " ready"</span>
                </p>
                {if c.nodes.is_empty() {
                    view! { <p class="muted">"No nodes known."</p> }.into_any()
                } else {
                    view! {
                        <table class="nodes">
                            <thead><tr><th>"Node"</th><th>"Status"</th><th class="num">"CPU"</th><th class="num">"Memory"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    }
                    .into_any()
                }}
            </section>
        }
    })
}

/// Control plane revisions with their version and readiness.
#[component]
pub fn ControlPlanes(cluster: Memo<Option<Cluster>>, palette: Memo<Palette>) -> impl IntoView {
    move || {
        let palette = palette.get();
        cluster.with(|c| {
            c.as_ref().map(|c| {
                let rows = c
                    .control_planes
                    .iter()
                    .map(|cp| {
                        let (tone, state) = status_badge::control_plane(cp);
                        view! {
                            <tr data-revision=cp.revision.clone()>
                                <th scope="row"><RevisionChip revision=cp.revision.clone() class=palette.class(&cp.revision)/></th>
                                <td>{cp.version.clone().unwrap_or_else(|| "unknown".into())}</td>
                                <td><code>{cp.deployment.clone().unwrap_or_else(|| "—".into())}</code></td>
                                <td><StatusBadge tone text=state/> " " <span class="muted">{cp.ready_replicas} "/" {cp.replicas} " replicas"</span></td>
                                <td>{if cp.webhook { "yes" } else { "no" }}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <section class="cluster-part" aria-labelledby="revisions-heading">
                        <h2 id="revisions-heading">"Control plane revisions"</h2>
                        {if c.control_planes.is_empty() {
                            view! { <p class="muted">"No mesh control plane installed."</p> }.into_any()
                        } else {
                            view! {
                                <table class="control-planes">
                                    <thead><tr><th>"Revision"</th><th>"Version"</th><th>"istiod"</th><th>"Readiness"</th><th>"Injection webhook"</th></tr></thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            }
                            .into_any()
                        }}
                    </section>
                }
            })
        })
    }
}
