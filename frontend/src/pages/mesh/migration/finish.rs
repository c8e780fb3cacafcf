//! Finishing a migration per cluster: deleting the old revision's control
//! plane once nothing uses it. The dependency check shows what still does
//! (from the live fleet) before anyone clicks; the backend decides, and its
//! refusal names the namespaces and pods.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ApiError;
use shared::fleet::Cluster;
use shared::mesh::migration::run::{FinishRequest, MigrationOp};
use shared::mesh::migration::{ensure_unused, istiod_name};

use super::Migration;
use super::board::columns;
use super::steps::run_view;
use crate::api;
use crate::components::error_view::ErrorView;

fn dependency_check(cluster: &Cluster, from: &str) -> impl IntoView + use<> {
    match ensure_unused(cluster, from) {
        Ok(doomed) => {
            let titles = doomed.iter().map(|d| d.title()).collect::<Vec<_>>().join(", ");
            view! {
                <p class="ok dependency-check" data-unused="true">
                    "Nothing uses " <code>{from.to_owned()}</code> " any more: finishing deletes " {titles} "."
                </p>
            }
            .into_any()
        }
        Err(in_use) => view! {
            <p class="warning dependency-check" data-unused="false">"Still in use — " {in_use.to_string()}</p>
        }
        .into_any(),
    }
}

#[component]
fn FinishRow(
    m: Migration,
    cluster: Cluster,
    from: String,
    errors: RwSignal<HashMap<String, ApiError>>,
) -> impl IntoView {
    let name = cluster.name().to_string();
    let busy = RwSignal::new(false);
    // Finishing deletes istiod, not the revision's injection webhook: a
    // revision left with only its webhook has no control plane to finish.
    let old = cluster.control_planes.iter().find(|cp| cp.revision == from);
    let has_old = old.is_some_and(|cp| cp.deployment.is_some());
    let webhook_left = old.is_some_and(|cp| cp.webhook);
    let label = format!("Finish: delete {} on {name}", istiod_name(&from));
    let key = name.clone();
    let finish = {
        let (name, from) = (name.clone(), from.clone());
        move || {
            let Ok(cluster) = name.parse() else { return };
            let request = FinishRequest {
                cluster,
                revision: from.clone(),
            };
            let key = name.clone();
            busy.set(true);
            errors.update(|e| {
                e.remove(&key);
            });
            spawn_local(async move {
                match api::migration::finish(request).await {
                    Ok(run) => m.track(run),
                    Err(e) => errors.update(|errors| {
                        errors.insert(key, e);
                    }),
                }
                busy.try_set(false);
            });
        }
    };
    let latest = {
        let (name, from) = (name.clone(), from.clone());
        move || {
            m.runs.with(|runs| {
                runs.iter()
                    .filter(|r| {
                        r.op == MigrationOp::Finish
                            && r.cluster.as_str() == name
                            && r.revision == from
                    })
                    .max_by_key(|r| r.started)
                    .map(run_view)
            })
        }
    };
    view! {
        <li class="finish-cluster" data-cluster=name.clone() data-old-present=has_old.to_string()>
            <strong>{name.clone()}</strong> ": "
            {if has_old {
                view! {
                    {dependency_check(&cluster, &from)}
                    {move || m.may_act.get().then(|| {
                        let finish = finish.clone();
                        view! {
                            <button data-action="finish" disabled=move || busy.get()
                                on:click=move |_| finish()>
                                {label.clone()}
                            </button>
                        }
                    })}
                }
                .into_any()
            } else {
                view! {
                    <span class="ok" data-testid="old-gone">
                        "no " <code>{istiod_name(&from)}</code> " control plane any more"
                        {webhook_left.then_some(" (its injection webhook remains)")}
                    </span>
                }
                .into_any()
            }}
            {move || errors.with(|e| e.get(&key).cloned()).map(|error| view! { <ErrorView error/> })}
            {latest}
        </li>
    }
}

#[component]
pub fn FinishPanel(m: Migration) -> impl IntoView {
    // Kept outside the redrawn rows: a refusal stays shown while the fleet
    // changes.
    let errors = RwSignal::new(HashMap::<String, ApiError>::new());
    move || {
        let (from, to) = m.pair.get()?;
        let clusters = m
            .fleet
            .with(|f| f.as_ref().map(|f| columns(f, &from, &to)))?;
        let rows = clusters
            .into_iter()
            .map(|c| view! { <FinishRow m cluster=c from=from.clone() errors/> })
            .collect_view();
        Some(view! {
            <section class="finish-panel" data-testid="finish-panel" aria-labelledby="finish-heading">
                <h3 id="finish-heading">"Finish: remove " <code>{from.clone()}</code></h3>
                <ul>{rows}</ul>
            </section>
        })
    }
}
