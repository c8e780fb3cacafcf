//! Picking the revision pair the board shows: the old revision workloads
//! leave and the target they move to, from those the fleet runs.

use leptos::prelude::*;

use super::Migration;

/// One side of the pair: a labelled select of the fleet's revisions with
/// `chosen` selected and `other` (the other side's) disabled; a pick goes
/// to `picked`.
fn revision_select(
    label: &'static str,
    name: &'static str,
    picked: RwSignal<Option<String>>,
    revisions: &[String],
    (chosen, other): (&str, &str),
) -> impl IntoView + use<> {
    let options = revisions
        .iter()
        .map(|r| {
            view! {
                <option value=r.clone() selected=r == chosen disabled=r == other>{r.clone()}</option>
            }
        })
        .collect_view();
    view! {
        <label>
            {label}
            <select name=name on:change=move |ev| picked.set(Some(event_target_value(&ev)))>
                {options}
            </select>
        </label>
    }
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
                    {revision_select("From ", "from", m.picked_from, &all, (&from, &to))}
                    <span aria-hidden="true">" → "</span>
                    {revision_select("to ", "to", m.picked_to, &all, (&to, &from))}
                </div>
            }
            .into_any()
        }
    }
    }
}
