//! Deleting a MultiClusterService or MultiClusterIngress from the config
//! cluster: the Delete button opens the shared confirmation naming the
//! config cluster, the object and the version shown; Cancel changes
//! nothing.

use leptos::prelude::*;

use crate::components::confirm_dialog::ConfirmDialog;

/// The Delete button and, once pressed, its confirmation: `title` is the
/// object (`MultiClusterService blue/foo`), `cluster` the config cluster,
/// `version` the `resourceVersion` shown; `on_delete` deletes.
#[component]
pub fn DeleteObject(
    #[prop(into)] title: Signal<String>,
    #[prop(into)] cluster: Signal<String>,
    #[prop(into)] version: Signal<Option<String>>,
    on_delete: Callback<()>,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    // A delete that ends (done or refused) closes the question.
    Effect::new(move |was: Option<bool>| {
        let now = pending.get();
        if was == Some(true) && !now {
            asking.set(false);
        }
        now
    });
    let dialog = move || {
        asking.get().then(|| {
            let title = title.get();
            let cluster = cluster.get();
            let at = version
                .get()
                .map(|v| format!(" (resourceVersion {v})"))
                .unwrap_or_default();
            let question = format!(
                "Delete {title} from the config cluster {cluster}? Its derived Services (or load balancer) go with it."
            );
            view! {
                <ConfirmDialog question objects=vec![format!("delete {title}{at} on {cluster}")]
                    confirm=format!("Delete {title}") pending
                    on_confirm=on_delete
                    on_cancel=Callback::new(move |()| asking.set(false))/>
            }
        })
    };
    view! {
        <button type="button" data-testid="delete-button" disabled=move || asking.get()
            on:click=move |_| asking.set(true)>"Delete"</button>
        {dialog}
    }
}
