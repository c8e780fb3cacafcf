//! The trust inventory: each member's root fingerprint, intermediate and
//! expiries, trust domains and CA mode, with expiry warnings; fetched
//! again while shown, so a signed chain shows up.

use leptos::prelude::*;
use shared::csr::{ClusterTrust, TrustInventory};
use shared::time::format_utc;

use crate::api;
use crate::components::loading::Loaded;

fn row(c: ClusterTrust) -> impl IntoView {
    let when = |t: Option<i64>| t.map(format_utc).unwrap_or_default();
    let warnings = c
        .warnings
        .iter()
        .map(|w| view! { <li class="warning">{w.message.clone()}</li> })
        .collect_view();
    view! {
        <tr data-cluster=c.cluster.clone()>
            <td>{c.cluster.clone()}</td>
            <td>{c.ca_mode.map(|m| m.title()).unwrap_or("unknown")}</td>
            <td>
                {c.root_fingerprint.clone().map(|f| view! { <code class="fingerprint">{f}</code> })}
                " " <span class="muted small">{when(c.root_not_after)}</span>
            </td>
            <td>{c.intermediate_subject.clone().unwrap_or_default()} " " <span class="muted small">{when(c.intermediate_not_after)}</span></td>
            <td>
                {c.trust_domain.clone().unwrap_or_default()}
                {(!c.trust_domain_aliases.is_empty()).then(|| view! {
                    <span class="muted small trust-aliases">"aliases: " {c.trust_domain_aliases.join(", ")}</span>
                })}
            </td>
            <td><ul>{warnings}</ul>{c.error.clone()}</td>
        </tr>
    }
}

#[component]
pub fn TrustTable() -> impl IntoView {
    let trust = LocalResource::new(api::csr::trust);
    if let Ok(handle) = set_interval_with_handle(move || trust.refetch(), super::REFRESH) {
        on_cleanup(move || handle.clear());
    }
    view! {
        <h2>"Trust inventory"</h2>
        <Loaded what="the trust inventory" resource=trust ok=|inventory: TrustInventory| view! {
            <table class="trust-inventory">
                <thead><tr><th>"Cluster"</th><th>"CA mode"</th><th>"Root (SHA-256)"</th><th>"Intermediate"</th><th>"Trust domain"</th><th>"Warnings"</th></tr></thead>
                <tbody>{inventory.clusters.into_iter().map(row).collect_view()}</tbody>
            </table>
        }/>
    }
}
