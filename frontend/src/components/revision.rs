//! Revisions drawn the same way everywhere: one colour per control plane
//! revision across the fleet (the slot of `Fleet::revision_colour`), chips
//! naming them, and a namespace's pods as a small stacked bar.

use leptos::prelude::*;
use shared::fleet::{Fleet, PodCount};

/// Colour slots in the stylesheet (`.rev-c0` … `.rev-c7`); more revisions
/// than that reuse them in order.
const SLOTS: usize = 8;

/// The fleet's revisions in colour order, so pages can colour revisions
/// without holding the whole fleet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Palette {
    revisions: Vec<String>,
}

impl Palette {
    pub fn of(fleet: &Fleet) -> Self {
        Self {
            revisions: fleet.revisions().into_iter().map(str::to_owned).collect(),
        }
    }

    /// The CSS class of `revision`: its slot, `rev-other` for a revision no
    /// cluster runs a control plane for, `rev-none` for pods without a proxy.
    pub fn class(&self, revision: &str) -> String {
        if revision.is_empty() {
            return "rev-none".into();
        }
        match self.revisions.iter().position(|r| r == revision) {
            Some(slot) => format!("rev-c{}", slot % SLOTS),
            None => "rev-other".into(),
        }
    }
}

/// How a pod bar names a revision key (the empty key: no proxy).
pub fn revision_name(revision: &str) -> &str {
    if revision.is_empty() {
        "no proxy"
    } else {
        revision
    }
}

/// A revision as a coloured chip.
#[component]
pub fn RevisionChip(#[prop(into)] revision: String, #[prop(into)] class: String) -> impl IntoView {
    view! {
        <span class=format!("rev-chip {class}") data-revision=revision.clone()>{revision.clone()}</span>
    }
}

/// A namespace's pods by proxy revision: a stacked bar, then the counts.
#[component]
pub fn PodBar(pods: Vec<(String, PodCount)>, palette: Palette) -> impl IntoView {
    let total: u32 = pods.iter().map(|(_, c)| c.total).sum();
    if total == 0 {
        return view! { <span class="muted">"no pods"</span> }.into_any();
    }
    let described = pods
        .iter()
        .map(|(rev, c)| format!("{} on {}", c.total, revision_name(rev)))
        .collect::<Vec<_>>()
        .join(", ");
    let segments = pods
        .iter()
        .filter(|(_, c)| c.total > 0)
        .map(|(rev, c)| {
            // Set through the CSSOM, which the console's CSP allows (an
            // inline style attribute it would refuse).
            let grow = c.total.to_string();
            view! { <span class=format!("pod-segment {}", palette.class(rev)) style:flex-grow=grow></span> }
        })
        .collect_view();
    let counts = pods
        .iter()
        .map(|(rev, c)| {
            let title = format!("{} of {} Ready", c.ready, c.total);
            view! {
                <span class="pod-count" data-revision=rev.clone() title=title>
                    <span class=format!("swatch {}", palette.class(rev)) aria-hidden="true"></span>
                    {revision_name(rev).to_owned()} " " <strong>{c.total}</strong>
                </span>
            }
        })
        .collect_view();
    view! {
        <div class="pod-bar">
            <span class="pod-track" role="img" aria-label=format!("Pods: {described}")>{segments}</span>
            <span class="pod-counts">{counts}</span>
        </div>
    }
    .into_any()
}
