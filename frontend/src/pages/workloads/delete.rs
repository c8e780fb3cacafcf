//! Deleting a migration: its row's Delete button opens the shared
//! confirmation naming the cluster, the namespace and the objects the
//! migration created (deleted with it unless another migration in the
//! namespace uses them) and those it keeps; Cancel changes nothing.

use leptos::prelude::*;
use shared::workloads::api::{Migration, Origin};

use crate::components::confirm_dialog::ConfirmDialog;

/// What deleting `m` does, one line per object.
fn consequences(m: &Migration) -> Vec<String> {
    let at = format!("{}/{}", m.cluster, m.namespace);
    let mut lines: Vec<String> = m
        .objects
        .iter()
        .map(|o| match o.origin {
            Origin::Created => format!("delete {} on {at}", o.title()),
            _ => format!("keep {} on {at} (not created by this migration)", o.title()),
        })
        .collect();
    if let Some(secret) = &m.service_account_secret {
        lines.push(format!(
            "remove pull secret {secret} from the default service account of {at}"
        ));
    }
    lines
}

/// The Delete button of migration `m` and, once pressed, its
/// confirmation; `on_delete` deletes it. `asking` (the id of the migration
/// whose deletion is being asked) lives outside the list, which is redrawn
/// on every refresh: the question stays open across refreshes.
#[component]
pub fn DeleteMigration(
    m: Migration,
    asking: RwSignal<Option<String>>,
    on_delete: Callback<String>,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    let here = {
        let id = m.id.clone();
        move || asking.with(|a| a.as_deref() == Some(id.as_str()))
    };
    let (here_dialog, here_button) = (here.clone(), here);
    let question = format!(
        "Delete migration {} on {}/{}? Objects it created that no other migration in the namespace uses are deleted.",
        m.name, m.cluster, m.namespace
    );
    let objects = consequences(&m);
    let (id, ask) = (m.id.clone(), m.id.clone());
    let dialog = move || {
        here_dialog().then(|| {
            let id = id.clone();
            view! {
                <ConfirmDialog question=question.clone() objects=objects.clone()
                    confirm="Delete migration" pending
                    on_confirm=Callback::new(move |()| { asking.set(None); on_delete.run(id.clone()); })
                    on_cancel=Callback::new(move |()| asking.set(None))/>
            }
        })
    };
    view! {
        <button name="delete-migration" disabled=move || here_button() || pending.get()
            on:click=move |_| asking.set(Some(ask.clone()))>"Delete"</button>
        {dialog}
    }
}
