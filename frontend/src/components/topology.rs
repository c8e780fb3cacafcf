//! The fleet topology picture, drawn as SVG by the app: a box per region
//! and platform, a card per member cluster with its health, node count and
//! control plane revisions, the config cluster marked. Each card is a link
//! to the cluster's page, named by the cluster. The geometry comes from
//! `shared::fleet::layout`.

use leptos::ev::MouseEvent;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use shared::fleet::layout::{ChipSizes, Rect, TopologySizes, ellipsize, place_chips, place_groups};
use shared::fleet::{Cluster, Fleet, TopologyGroup};

use crate::components::health;
use crate::components::revision::Palette;

/// Left inset of a card's text.
const INSET: u32 = 12;
/// Characters of the 12px card text that fit in a card line.
const LINE_CHARS: usize = 30;

/// The picture, laid out for `width` CSS pixels.
#[component]
pub fn Topology(fleet: Fleet, width: u32) -> impl IntoView {
    let sizes = TopologySizes::default();
    let groups = fleet.topology();
    let counts: Vec<usize> = groups.iter().map(|g| g.clusters.len()).collect();
    let placement = place_groups(&counts, width, &sizes);
    let palette = Palette::of(&fleet);
    let navigate = use_navigate();
    let follow = move |href: String| {
        let navigate = navigate.clone();
        move |ev: MouseEvent| {
            // The router follows HTML links only; an SVG link would reload
            // the page. Modified clicks keep the browser's meaning.
            if ev.button() == 0
                && !(ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key())
            {
                ev.prevent_default();
                navigate(&href, NavigateOptions::default());
            }
        }
    };
    let boxes = groups
        .iter()
        .zip(&placement.groups)
        .map(|(group, place)| {
            let cards = group
                .clusters
                .iter()
                .zip(&place.cards)
                .map(|(cluster, rect)| {
                    let href = format!("/c/{}", cluster.name());
                    card(cluster, *rect, &palette, href.clone(), follow(href))
                })
                .collect_view();
            view! {
                <g class="topology-group" data-region=group.region.clone() data-platform=group.platform.title()>
                    <rect
                        class="group-frame"
                        x=place.frame.x
                        y=place.frame.y
                        width=place.frame.width
                        height=place.frame.height
                        rx="8"
                    ></rect>
                    <text class="group-title" x=place.frame.x + INSET y=place.frame.y + 19>
                        {region(group)}
                    </text>
                    <text class="group-platform" x=place.frame.x + INSET y=place.frame.y + 36>
                        {platform(group)}
                    </text>
                    {cards}
                </g>
            }
        })
        .collect_view();
    let (w, h) = (placement.width.max(1), placement.height.max(1));
    view! {
        <svg
            class="topology"
            role="group"
            aria-label="Fleet topology"
            viewBox=format!("0 0 {w} {h}")
            width=w
            height=h
        >
            {boxes}
        </svg>
    }
}

fn region(group: &TopologyGroup<'_>) -> String {
    if group.region.is_empty() {
        "No location".into()
    } else {
        group.region.clone()
    }
}

fn platform(group: &TopologyGroup<'_>) -> String {
    let title = group.platform.title();
    if group.platform.on_prem() {
        format!("{title} · on-prem")
    } else {
        title.to_owned()
    }
}

/// What a card's tooltip says: everything the card shortens.
fn tooltip(cluster: &Cluster) -> String {
    let m = &cluster.member;
    let mut lines = vec![
        format!("{} — {}", m.name, cluster.reachability.label()),
        format!("{} · {}", m.location, m.platform.title()),
    ];
    if let Some(version) = &cluster.kubernetes_version {
        lines.push(format!("Kubernetes {version}"));
    }
    if let Some(error) = cluster.reachability.error() {
        lines.push(format!("Why: {error}"));
    }
    if m.config_cluster {
        lines.push("Config cluster for multi-cluster ingress".into());
    }
    let revisions: Vec<&str> = cluster
        .control_planes
        .iter()
        .map(|cp| cp.revision.as_str())
        .collect();
    if !revisions.is_empty() {
        lines.push(format!("Revisions: {}", revisions.join(", ")));
    }
    lines.join("\n")
}

fn card(
    cluster: &Cluster,
    rect: Rect,
    palette: &Palette,
    href: String,
    on_click: impl FnMut(MouseEvent) + 'static,
) -> AnyView {
    let name = cluster.name().to_string();
    let reach = &cluster.reachability;
    let slug = health::slug(reach);
    let config = cluster.member.config_cluster;
    let ready = cluster.nodes.iter().filter(|n| n.ready).count();
    let nodes = match (cluster.nodes.len(), ready) {
        (1, 1) => "1 node".to_owned(),
        (n, r) if r == n => format!("{n} nodes"),
        (n, r) => format!("{n} nodes, {r} ready"),
    };
    // The release without its build suffix (`v1.33.5-gke.1000`): the
    // tooltip and the cluster page give it whole.
    let meta = match &cluster.kubernetes_version {
        Some(v) => format!(
            "{nodes} · Kubernetes {}",
            v.split(['-', '+']).next().unwrap_or(v)
        ),
        None => nodes,
    };
    let reason = reach.error().map(|e| ellipsize(e, LINE_CHARS));
    // Unreachable cards spend a line on the reason and keep one chip row.
    let (chips_y, rows) = if reason.is_some() { (88, 1) } else { (70, 2) };
    let labels: Vec<&str> = cluster
        .control_planes
        .iter()
        .map(|cp| cp.revision.as_str())
        .collect();
    let chip_sizes = ChipSizes::default();
    let (chips, left) = place_chips(&labels, rect.width - 2 * INSET, rows, &chip_sizes);
    // With revisions left out, the last chip counts them.
    let shown = chips.len() - usize::from(left > 0);
    let chips = chips
        .into_iter()
        .enumerate()
        .map(|(i, chip)| {
            let revision = labels.get(i).filter(|_| i < shown);
            let class = match revision {
                Some(r) => format!("rev-chip {}", palette.class(r)),
                None => "rev-chip rev-more".to_owned(),
            };
            view! {
                <g
                    class=class
                    data-revision=revision.map(|r| r.to_string())
                    transform=format!("translate({} {})", chip.rect.x, chip.rect.y)
                >
                    <rect width=chip.rect.width height=chip.rect.height rx="10"></rect>
                    <text x=chip_sizes.padding / 2 y="14">{chip.label}</text>
                </g>
            }
        })
        .collect_view();
    let no_mesh = labels.is_empty().then(|| {
        view! { <g><text class="card-muted" x="0" y="14">"no mesh control plane"</text></g> }
    });
    view! {
        <g
            class=format!("cluster-card health-{slug}")
            class:config-cluster=config
            data-cluster=name.clone()
            data-health=slug
            data-config=config.to_string()
            transform=format!("translate({} {})", rect.x, rect.y)
        >
            <a href=href aria-label=name.clone() on:click=on_click>
                <title>{tooltip(cluster)}</title>
                <rect class="card" width=rect.width height=rect.height rx="6"></rect>
                <text class="card-name" x=INSET y="24">{ellipsize(&name, 24)}</text>
                <text class="card-health" x=INSET y="44">
                    {health::glyph(reach)} " " {reach.label()}
                </text>
                <text class="card-meta" x=INSET y="62">{ellipsize(&meta, LINE_CHARS)}</text>
                {reason.map(|r| view! { <g><text class="card-reason" x=INSET y="80">{r}</text></g> })}
                <g class="chips" transform=format!("translate({INSET} {chips_y})")>
                    {chips}
                    {no_mesh}
                </g>
                {config.then(|| view! {
                    <g class="config-mark">
                        <text x=INSET y=rect.height - 12>"★ config cluster"</text>
                    </g>
                })}
            </a>
        </g>
    }
    .into_any()
}
