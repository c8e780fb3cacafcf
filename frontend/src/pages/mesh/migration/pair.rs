//! Picking the revision pair the board shows: the old revision workloads
//! leave and the target they move to, from those the fleet runs.

use leptos::prelude::*;

use super::Migration;

fn options(revisions: &[String], chosen: &str, other: &str) -> impl IntoView + use<> {
    revisions
        .iter()
        .map(|r| {
            view! {
                <option value=r.clone() selected=r == chosen disabled=r == other>{r.clone()}</option>
            }
        })
        .collect_view()
}

#[component]
pub fn PairPicker(m: Migration) -> impl IntoView {
    let revisions = Memo::new(move |_| {
        m.fleet.with(|f| {
            f.as_ref()
                .map(|f| {
                    f.revisions()
                        .into_iter()
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    move || {
        match m.pair.get() {
        None => view! {
            <p class="muted" data-testid="migration-pair" data-ready="false">
                "A migration needs two control plane revisions in the fleet: install a new one first."
            </p>
        }
        .into_any(),
        Some((from, to)) => {
            let all = revisions.get();
            view! {
                <div class="migration-pair" data-testid="migration-pair" data-ready="true" data-from=from.clone() data-to=to.clone()>
                    <label>
                        "From "
                        <select name="from" on:change=move |ev| m.picked_from.set(Some(event_target_value(&ev)))>
                            {options(&all, &from, &to)}
                        </select>
                    </label>
                    <span aria-hidden="true">" → "</span>
                    <label>
                        "to "
                        <select name="to" on:change=move |ev| m.picked_to.set(Some(event_target_value(&ev)))>
                            {options(&all, &to, &from)}
                        </select>
                    </label>
                </div>
            }
            .into_any()
        }
    }
    }
}
