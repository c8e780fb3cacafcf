//! The Security tab's trust anchors: this cluster's row of the trust
//! inventory (`GET /api/trust`): CA mode, root fingerprint and expiry,
//! intermediate and its expiry, trust domains and expiry warnings. A part
//! the console does not know reads "unknown" with the reason.

use leptos::prelude::*;
use shared::ClusterName;
use shared::csr::{ClusterTrust, TrustInventory, TrustPart};
use shared::time::format_utc;

use crate::api;
use crate::components::loading::Loaded;
use crate::components::status_badge::{StatusBadge, Tone};

/// "unknown", then why.
fn unknown(c: &ClusterTrust, part: TrustPart) -> AnyView {
    let reason = c.unknown_reason(part).unwrap_or_default();
    view! {
        <span class="unknown">"unknown"</span>
        <span class="muted small unknown-reason">" — " {reason}</span>
    }
    .into_any()
}

fn expiry(not_after: Option<i64>) -> Option<impl IntoView> {
    not_after.map(|t| view! { " " <span class="muted small">"expires " {format_utc(t)}</span> })
}

fn facts(c: ClusterTrust) -> impl IntoView {
    let mode = match c.ca_mode {
        Some(m) => view! { {m.title()} }.into_any(),
        None => unknown(&c, TrustPart::CaMode),
    };
    let root = match &c.root_fingerprint {
        Some(f) => {
            view! { <code class="fingerprint">{f.clone()}</code> {expiry(c.root_not_after)} }
                .into_any()
        }
        None => unknown(&c, TrustPart::Root),
    };
    let intermediate = match &c.intermediate_subject {
        Some(s) => view! { {s.clone()} {expiry(c.intermediate_not_after)} }.into_any(),
        None => unknown(&c, TrustPart::Intermediate),
    };
    let domain = match &c.trust_domain {
        Some(d) if c.trust_domain_aliases.is_empty() => view! { {d.clone()} }.into_any(),
        Some(d) => view! { {d.clone()} <span class="muted small">" aliases: " {c.trust_domain_aliases.join(", ")}</span> }
            .into_any(),
        None => unknown(&c, TrustPart::TrustDomain),
    };
    let warnings = c
        .warnings
        .iter()
        .map(|w| view! { <li><StatusBadge tone=Tone::Warn text=w.message.clone()/></li> })
        .collect_view();
    view! {
        <dl class="facts trust-facts" data-cluster=c.cluster.clone() aria-label="Trust anchors">
            <div><dt>"CA mode"</dt><dd class="ca-mode">{mode}</dd></div>
            <div><dt>"Root (SHA-256)"</dt><dd class="root">{root}</dd></div>
            <div><dt>"Intermediate"</dt><dd class="intermediate">{intermediate}</dd></div>
            <div><dt>"Trust domain"</dt><dd>{domain}</dd></div>
            <div><dt>"Roots its workloads trust"</dt><dd>{c.trusted_roots.len()}</dd></div>
        </dl>
        {(!c.warnings.is_empty()).then(|| view! { <ul class="trust-warnings">{warnings}</ul> })}
    }
}

/// This cluster's row, or why the inventory has none.
fn row_of(cluster: &ClusterName, inventory: TrustInventory) -> AnyView {
    match inventory
        .clusters
        .into_iter()
        .find(|c| c.cluster == cluster.as_str())
    {
        Some(c) => facts(c).into_any(),
        None => {
            let why = format!(
                "The trust inventory has no row for {cluster}: the console does not have it as a member."
            );
            view! { <p class="trust-missing">{why}</p> }.into_any()
        }
    }
}

#[component]
pub fn TrustFacts(cluster: ClusterName) -> impl IntoView {
    let trust = LocalResource::new(api::csr::trust);
    view! {
        <section class="cluster-part" aria-labelledby="trust-heading">
            <h2 id="trust-heading">"Trust anchors"</h2>
            <Loaded what="the trust inventory" resource=trust ok=move |inventory| row_of(&cluster, inventory)/>
        </section>
    }
}
