//! Changing the config cluster (SPEC §4.5): pick a candidate, compare its
//! MultiClusterServices and Ingresses with the config cluster's, copy them
//! over, and switch — after a confirmation naming both clusters — which
//! the backend allows only once they are identical.

use leptos::prelude::*;
use shared::ingress::api::Comparison;
use shared::{ApiError, ClusterName};

use super::can_edit;
use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::error_view::ErrorView;
use crate::live_fleet::LiveFleet;

fn comparison_view(c: Comparison) -> impl IntoView {
    if c.identical() {
        return view! {
            <p class="ok" data-testid="config-identical">
                {c.to.to_string()} " holds the same resources as " {c.from.to_string()} "."
            </p>
        }
        .into_any();
    }
    let to = c.to.to_string();
    view! {
        <ul class="differences" data-testid="config-differences">
            {c.differences.iter().map(|d| view! { <li>{d.describe(&to)}</li> }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The confirmation of switching the config cluster from `c.from` to
/// `c.to`, naming both and what moves.
fn switch_question(
    c: &Comparison,
    pending: Signal<bool>,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView + use<> {
    let (from, to) = (c.from.to_string(), c.to.to_string());
    let question = format!(
        "Make {to} the fleet's config cluster instead of {from}? The multi-cluster load balancers are then programmed from {to}'s resources."
    );
    let objects = vec![
        format!("config cluster: {from} → {to}"),
        format!("MultiClusterServices and MultiClusterIngresses are read from and written to {to}"),
        format!("{from} keeps its copies, no longer acted on"),
    ];
    view! {
        <ConfirmDialog question objects confirm=format!("Switch to {to}") pending on_confirm on_cancel/>
    }
}

#[component]
pub fn ConfigClusterPanel(on_change: Callback<()>) -> impl IntoView {
    let live = LiveFleet::get();
    let state = LocalResource::new(api::ingress::config_cluster);
    let candidate = RwSignal::new(String::new());
    let comparison: RwSignal<Option<Comparison>> = RwSignal::new(None);
    let problem: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let note: RwSignal<Option<String>> = RwSignal::new(None);
    let run = Action::new_local(move |step: &&'static str| {
        let step = *step;
        let to = candidate.get_untracked().parse::<ClusterName>();
        async move {
            let Ok(to) = to else { return };
            problem.set(None);
            note.set(None);
            let result = match step {
                "compare" => api::ingress::compare(to)
                    .await
                    .map(|c| comparison.set(Some(c))),
                "copy" => api::ingress::copy(to).await.map(|r| {
                    note.set(Some(format!(
                        "Copied: {}",
                        if r.changes.is_empty() {
                            "nothing to change".into()
                        } else {
                            r.changes.join(", ")
                        }
                    )));
                    comparison.set(Some(r.comparison));
                }),
                _ => api::ingress::switch(to).await.map(|s| {
                    note.set(Some(format!(
                        "The config cluster is now {}.",
                        s.cluster.map(|c| c.to_string()).unwrap_or_default()
                    )));
                    comparison.set(None);
                    state.refetch();
                    on_change.run(());
                }),
            };
            if let Err(e) = result {
                problem.set(Some(e));
            }
        }
    });
    // The switch is externally visible: it waits for the confirmation.
    let asking = RwSignal::new(false);
    let members = move || {
        let current = state.get().and_then(Result::ok).and_then(|s| s.cluster);
        live.fleet()
            .get()
            .map(|f| {
                f.clusters
                    .iter()
                    .map(|c| c.member.name.clone())
                    .filter(|n| Some(n) != current.as_ref())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    view! {
        <section class="config-cluster" data-testid="config-cluster">
            <h2>"Config cluster"</h2>
            {move || state.get().map(|s| match s {
                Err(error) => view! { <ErrorView error/> }.into_any(),
                Ok(s) => view! {
                    <p>
                        "Now: " <strong data-testid="config-cluster-current">{s.cluster.map(|c| c.to_string()).unwrap_or_else(|| "none".into())}</strong>
                    </p>
                    {s.note.map(|n| view! { <p class="notice" data-testid="config-note">{n}</p> })}
                }.into_any(),
            })}
            <label>
                "Candidate "
                <select data-testid="config-candidate" prop:value=candidate on:change=move |ev| { candidate.set(event_target_value(&ev)); comparison.set(None); asking.set(false); }>
                    <option value="">"choose a member"</option>
                    {move || members().into_iter().map(|m| view! { <option value=m.to_string()>{m.to_string()}</option> }).collect_view()}
                </select>
            </label>
            <div class="actions">
                <button data-testid="config-compare" disabled=move || candidate.get().is_empty() on:click=move |_| { run.dispatch_local("compare"); }>"Compare"</button>
                {move || can_edit().then(|| view! {
                    <button data-testid="config-copy" disabled=move || candidate.get().is_empty() on:click=move |_| { run.dispatch_local("copy"); }>"Copy resources to the candidate"</button>
                    <button class="primary" data-testid="config-switch"
                        disabled=move || asking.get() || !comparison.get().is_some_and(|c| c.identical())
                        on:click=move |_| asking.set(true)>"Switch…"</button>
                })}
            </div>
            {move || asking.get().then(|| comparison.get().map(|c| switch_question(&c, run.pending().into(),
                Callback::new(move |()| { asking.set(false); run.dispatch_local("switch"); }),
                Callback::new(move |()| asking.set(false)))))}
            {move || comparison.get().map(comparison_view)}
            {move || note.get().map(|n| view! { <p class="ok" role="status" data-testid="config-status">{n}</p> })}
            {move || problem.get().map(|error| view! { <ErrorView error/> })}
        </section>
    }
}
