//! Taking over objects other owners manage: offered when a preview is
//! refused because the spec names objects no migration created (the 409's
//! fields list them with their field managers). The operator confirms
//! these exact objects; the console then forces its apply on them, audits
//! it, and keeps them when the migration is deleted.

use leptos::prelude::*;
use shared::workloads::DeployRequest;
use shared::workloads::api::TakeoverRequest;
use shared::{ApiError, ErrorCode, FieldError};

use crate::api;
use crate::components::error_view::ErrorView;

/// The objects a refused preview says other owners manage, if that is why
/// it was refused.
pub fn owned_by_others(error: &ApiError) -> Option<Vec<FieldError>> {
    (error.code == ErrorCode::Conflict)
        .then(|| error.fields.clone())
        .flatten()
        .filter(|f| !f.is_empty())
}

#[component]
pub fn TakeOver(
    request: DeployRequest,
    objects: Vec<FieldError>,
    on_deployed: Callback<()>,
) -> impl IntoView {
    let confirmed = RwSignal::new(false);
    let titles: Vec<String> = objects.iter().map(|o| o.field.clone()).collect();
    let take_over = Action::new_local(move |r: &TakeoverRequest| {
        let r = r.clone();
        async move {
            let done = api::workloads::take_over(r).await;
            if done.is_ok() {
                on_deployed.run(());
            }
            done
        }
    });
    view! {
        <div class="take-over" role="region" aria-label="Take over">
            <p>"These objects exist, and no workload migration in this namespace created them:"</p>
            <ul>
                {objects.into_iter().map(|o| view! {
                    <li data-object=o.field.clone()><code>{o.field.clone()}</code> " " <span class="muted">{o.message}</span></li>
                }).collect_view()}
            </ul>
            <p class="muted">"Rename them in the spec, or take them over: the console then owns their fields, and deleting the migration keeps them."</p>
            <label class="inline">
                <input type="checkbox" name="confirm-take-over" prop:checked=confirmed on:change=move |ev| confirmed.set(event_target_checked(&ev))/>
                "I take over exactly these objects from their owners"
            </label>
            <div class="actions">
                <button
                    type="button"
                    name="take-over"
                    class="danger"
                    disabled=move || !confirmed.get() || take_over.pending().get()
                    on:click=move |_| {
                        take_over.dispatch_local(TakeoverRequest {
                            deploy: request.clone(),
                            take_over: titles.clone(),
                        });
                    }
                >"Take over and deploy"</button>
            </div>
            {move || take_over.value().get().map(|result| match result {
                Ok(m) => view! { <p class="ok" role="status">{format!("Took over and deployed {} on {}/{}.", m.name, m.cluster, m.namespace)}</p> }.into_any(),
                Err(error) => view! { <ErrorView error/> }.into_any(),
            })}
        </div>
    }
}
