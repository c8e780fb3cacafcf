//! The wizard's first step: the cluster to install on, chosen from the
//! live fleet.

use leptos::prelude::*;
use shared::ApiError;

use super::wizard::Wizard;
use crate::components::error_view::ErrorView;
use crate::live_fleet::LiveFleet;

#[component]
pub fn ClusterStep(w: Wizard) -> impl IntoView {
    let fleet = LiveFleet::get().fleet();
    let picked = RwSignal::new(w.cluster.get_untracked().unwrap_or_default());
    let error = RwSignal::new(None::<ApiError>);
    let options = move || {
        fleet.with(|f| {
            f.iter()
                .flat_map(|f| &f.clusters)
                .map(|c| {
                    let name = c.name().to_string();
                    let reachable = c.reachability.is_reachable();
                    let label = format!(
                        "{name} — {} · {}{}",
                        c.member.platform.title(),
                        c.member.location,
                        if reachable { "" } else { " (not reachable)" }
                    );
                    let value = name.clone();
                    view! {
                        <option
                            value=name
                            disabled=!reachable
                            prop:selected=move || picked.with(|p| *p == value)
                        >
                            {label}
                        </option>
                    }
                })
                .collect_view()
        })
    };
    let next = move |_| {
        let name = picked.get_untracked();
        if name.is_empty() {
            return;
        }
        if let Err(e) = w.choose(name) {
            error.set(Some(e));
        }
    };
    view! {
        <div class="wizard-step" data-step="cluster">
            <h3>"1. Cluster"</h3>
            <p class="muted">"The member cluster that gets the new control plane revision."</p>
            <div class="form">
                <label>
                    "Cluster"
                    <select name="cluster" on:change=move |ev| picked.set(event_target_value(&ev))>
                        <option value="" disabled=true prop:selected=move || picked.with(String::is_empty)>
                            "Choose a cluster"
                        </option>
                        {options}
                    </select>
                </label>
            </div>
            {move || error.get().map(|error| view! { <ErrorView error/> })}
            <div class="wizard-actions">
                <button class="primary" disabled=move || picked.with(String::is_empty) on:click=next>
                    "Next: settings"
                </button>
            </div>
        </div>
    }
}
