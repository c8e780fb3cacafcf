//! The one way the console asks before a destructive or externally
//! visible action: a question naming the cluster, the objects concerned
//! one per line, a confirm button saying what it does, and Cancel, which
//! changes nothing.

use leptos::prelude::*;

/// Asks `question`, listing `objects`; `on_confirm` acts, `on_cancel`
/// only closes. `pending` disables the confirm button while the action
/// runs.
#[component]
pub fn ConfirmDialog(
    #[prop(into)] question: String,
    /// What happens to which object, one line each.
    #[prop(optional)]
    objects: Vec<String>,
    /// The confirm button's label, saying what it does.
    #[prop(into)]
    confirm: String,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
    #[prop(optional, into)] pending: Signal<bool>,
) -> impl IntoView {
    let list = (!objects.is_empty()).then(|| {
        let items = objects
            .into_iter()
            .map(|o| view! { <li>{o}</li> })
            .collect_view();
        view! { <ul class="confirm-objects" data-testid="confirm-objects">{items}</ul> }
    });
    let label = question.clone();
    view! {
        <div class="confirm" role="dialog" aria-label=label data-testid="confirm-dialog">
            <p class="confirm-question">{question}</p>
            {list}
            <button class="danger" data-action="confirm" disabled=move || pending.get()
                on:click=move |_| on_confirm.run(())>{confirm}</button>
            " "
            <button data-action="cancel" on:click=move |_| on_cancel.run(())>"Cancel"</button>
        </div>
    }
}
