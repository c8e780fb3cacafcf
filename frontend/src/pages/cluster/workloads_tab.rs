//! The cluster's part of the Workloads section, `/c/:cluster/workloads`:
//! the workload migrations deployed to this cluster with their rollout
//! state and pods, each linking to the Workloads section where it is
//! followed, diagnosed and deleted.

use leptos::prelude::*;
use shared::time::format_utc;
use shared::workloads::MigrationStatus;
use shared::workloads::rollout::RolloutState;
use shared::{ClusterName, Section};

use super::links::SectionLinks;
use crate::api;
use crate::components::loading::Loaded;
use crate::components::status_badge::{StatusBadge, Tone};

/// A rollout state as a badge.
fn rollout(state: RolloutState) -> impl IntoView {
    let (tone, text) = match state {
        RolloutState::Available => (Tone::Pass, "available"),
        RolloutState::Progressing => (Tone::Warn, "progressing"),
        RolloutState::Failed => (Tone::Fail, "failed"),
        RolloutState::Missing => (Tone::Fail, "missing"),
    };
    view! { <StatusBadge tone text/> }
}

fn row(status: MigrationStatus) -> impl IntoView {
    let m = status.migration;
    let ready = status.pods.iter().filter(|p| p.ready).count();
    view! {
        <tr data-migration=m.name.clone() data-namespace=m.namespace.clone()>
            <th scope="row"><a href="/workloads">{m.name.clone()}</a></th>
            <td><code>{m.namespace.clone()}</code></td>
            <td>{rollout(status.state)} {status.error.map(|e| view! { " " <span class="small">{e}</span> })}</td>
            <td>{format!("{ready}/{} ready", status.pods.len())}</td>
            <td>{m.created_by.clone()}</td>
            <td>{format_utc(m.updated_at)}</td>
        </tr>
    }
}

fn table(cluster: &ClusterName, list: Vec<MigrationStatus>) -> AnyView {
    let mine: Vec<MigrationStatus> = list
        .into_iter()
        .filter(|s| s.migration.cluster == cluster.as_str())
        .collect();
    if mine.is_empty() {
        let empty = format!("No workload migrations deployed to {cluster} yet.");
        return view! { <p class="muted migrations-empty">{empty}</p> }.into_any();
    }
    view! {
        <table class="cluster-migrations">
            <thead><tr><th>"Migration"</th><th>"Namespace"</th><th>"Rollout"</th><th>"Pods"</th><th>"Deployed by"</th><th>"Updated"</th></tr></thead>
            <tbody>{mine.into_iter().map(row).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn WorkloadsTab(cluster: ClusterName) -> impl IntoView {
    let migrations = LocalResource::new(api::workloads::list);
    view! {
        <SectionLinks section=Section::Workloads cluster=cluster.clone()/>
        <section class="cluster-part" aria-labelledby="cluster-migrations-heading">
            <h2 id="cluster-migrations-heading">"Workload migrations"</h2>
            <Loaded what="workload migrations" resource=migrations ok=move |list| table(&cluster, list)/>
        </section>
    }
}
