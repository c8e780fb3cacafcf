//! Finishing a migration per cluster: removing the old revision's control
//! plane once nothing uses it, and removing the new one after a rollback
//! left it unused — each its own confirmed action (see [`super::removal`]).

use leptos::prelude::*;
use shared::fleet::Cluster;
use shared::mesh::migration::run::MigrationOp;
use shared::mesh::migration::{ensure_unused, istiod_name};

use super::Migration;
use super::board::columns;
use super::removal::{RemovalControl, Removals};
use super::steps::run_view;

/// The latest finish of `revision` on cluster `name`.
fn latest_finish(m: Migration, name: String, revision: String) -> impl Fn() -> Option<AnyView> {
    move || {
        m.runs.with(|runs| {
            runs.iter()
                .filter(|r| {
                    r.op == MigrationOp::Finish
                        && r.cluster.as_str() == name
                        && r.revision == revision
                })
                .max_by_key(|r| r.started)
                .map(|run| run_view(run).into_any())
        })
    }
}

#[component]
fn FinishRow(
    m: Migration,
    r: Removals,
    cluster: Cluster,
    from: String,
    to: String,
) -> impl IntoView {
    let name = cluster.name().to_string();
    // Finishing deletes istiod, not the revision's injection webhook: a
    // revision left with only its webhook has no control plane to finish.
    let old = cluster.control_planes.iter().find(|cp| cp.revision == from);
    let has_old = old.is_some_and(|cp| cp.deployment.is_some());
    let webhook_left = old.is_some_and(|cp| cp.webhook);
    // The new revision is offered for removal only once nothing uses it
    // (after a rollback); its preview decides.
    let new_unused = cluster
        .control_planes
        .iter()
        .any(|cp| cp.revision == to && cp.deployment.is_some())
        && ensure_unused(&cluster, &to).is_ok();
    let finish = if has_old {
        let label = format!("Finish: delete {} on {name}…", istiod_name(&from));
        view! { <RemovalControl m r cluster=cluster.clone() revision=from.clone() label/> }
            .into_any()
    } else {
        view! {
            <span class="ok" data-testid="old-gone">
                "no " <code>{istiod_name(&from)}</code> " control plane any more"
                {webhook_left.then_some(" (its injection webhook remains)")}
            </span>
        }
        .into_any()
    };
    let remove_new = new_unused.then(|| {
        let label = format!("Remove {to} from {name}…");
        view! { <RemovalControl m r cluster=cluster.clone() revision=to.clone() label/> }
    });
    let (old_run, new_run) = (
        latest_finish(m, name.clone(), from),
        latest_finish(m, name.clone(), to),
    );
    view! {
        <li class="finish-cluster" data-cluster=name.clone() data-old-present=has_old.to_string()>
            <strong>{name.clone()}</strong> ": "
            {finish}
            {remove_new}
            {old_run}
            {new_run}
        </li>
    }
}

#[component]
pub fn FinishPanel(m: Migration) -> impl IntoView {
    let r = Removals::new();
    move || {
        let (from, to) = m.pair.get()?;
        let clusters = m
            .fleet
            .with(|f| f.as_ref().map(|f| columns(f, &from, &to)))?;
        let rows = clusters
            .into_iter()
            .map(|c| view! { <FinishRow m r cluster=c from=from.clone() to=to.clone()/> })
            .collect_view();
        Some(view! {
            <section class="finish-panel" data-testid="finish-panel" aria-labelledby="finish-heading">
                <h3 id="finish-heading">"Finish: remove " <code>{from.clone()}</code></h3>
                <ul>{rows}</ul>
            </section>
        })
    }
}
