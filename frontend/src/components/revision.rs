//! Revisions drawn the same way everywhere: one colour per control plane
//! revision, fixed by its name (`shared::fleet::revision_slot`) so it
//! never changes when another revision appears; chips naming them with
//! their version where known, and a namespace's pods as a small stacked
//! bar.

use std::collections::BTreeMap;

use leptos::prelude::*;
use shared::fleet::{Fleet, PodCount, revision_slot};

/// The fleet's revisions and their versions, so pages can colour and name
/// revisions without holding the whole fleet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Palette {
    /// Each installed revision's image version, empty where unknown.
    versions: BTreeMap<String, String>,
}

impl Palette {
    pub fn of(fleet: &Fleet) -> Self {
        let mut versions = BTreeMap::new();
        for cp in fleet.clusters.iter().flat_map(|c| c.control_planes.iter()) {
            let known = versions
                .entry(cp.revision.clone())
                .or_insert_with(String::new);
            if let (true, Some(version)) = (known.is_empty(), &cp.version) {
                known.clone_from(version);
            }
        }
        Self { versions }
    }

    /// The CSS class of `revision`: its slot, `rev-other` for a revision no
    /// cluster runs a control plane for, `rev-none` for pods without a proxy.
    pub fn class(&self, revision: &str) -> String {
        if revision.is_empty() {
            "rev-none".into()
        } else if self.versions.contains_key(revision) {
            format!("rev-c{}", revision_slot(revision))
        } else {
            "rev-other".into()
        }
    }

    /// The image version of `revision`, where a cluster reports one.
    pub fn version(&self, revision: &str) -> Option<String> {
        self.versions
            .get(revision)
            .filter(|v| !v.is_empty())
            .cloned()
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

/// A revision as a coloured chip, followed by its version when given.
#[component]
pub fn RevisionChip(
    #[prop(into)] revision: String,
    #[prop(into)] class: String,
    #[prop(optional_no_strip)] version: Option<String>,
) -> impl IntoView {
    view! {
        <span class=format!("rev-chip {class}") data-revision=revision.clone()>{revision.clone()}</span>
        {version.map(|v| view! { " " <span class="rev-version muted small">{v}</span> })}
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
