//! Taking over objects other owners manage: offered when a preview is
//! refused because the spec names objects no migration created (the 409's
//! fields list them with their field managers). The operator confirms
//! these exact objects in the shared dialog naming the cluster; the console then forces its apply on them, audits
//! it, and keeps them when the migration is deleted.

use leptos::prelude::*;
use shared::workloads::DeployRequest;
use shared::workloads::api::TakeoverRequest;
use shared::{ApiError, ErrorCode, FieldError};

use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
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
    let asking = RwSignal::new(false);
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
    let at = format!("{}/{}", request.cluster, request.namespace);
    let dialog = move || {
        asking.get().then(|| {
            let (request, titles) = (request.clone(), titles.clone());
            let objects = titles.iter().map(|t| format!("take over {t} on {at}")).collect();
            view! {
                <ConfirmDialog
                    question=format!("Take over these objects on {at} from their owners and deploy? The console then owns their fields, and deleting the migration keeps them.")
                    objects confirm="Take over and deploy" pending=take_over.pending()
                    on_confirm=Callback::new(move |()| {
                        asking.set(false);
                        take_over.dispatch_local(TakeoverRequest { deploy: request.clone(), take_over: titles.clone() });
                    })
                    on_cancel=Callback::new(move |()| asking.set(false))/>
            }
        })
    };
    view! {
        <div class="take-over" role="region" aria-label="Take over">
            <p>"These objects exist, and no workload migration in this namespace created them:"</p>
            <ul>
                {objects.into_iter().map(|o| view! {
                    <li data-object=o.field.clone()><code>{o.field.clone()}</code> " " <span class="muted">{o.message}</span></li>
                }).collect_view()}
            </ul>
            <p class="muted">"Rename them in the spec, or take them over: the console then owns their fields, and deleting the migration keeps them."</p>
            <div class="actions">
                <button type="button" name="take-over" class="danger"
                    disabled=move || asking.get() || take_over.pending().get()
                    on:click=move |_| asking.set(true)>"Take over…"</button>
            </div>
            {dialog}
            {move || take_over.value().get().map(|result| match result {
                Ok(m) => view! { <p class="ok" role="status">{format!("Took over and deployed {} on {}/{}.", m.name, m.cluster, m.namespace)}</p> }.into_any(),
                Err(error) => view! { <ErrorView error/> }.into_any(),
            })}
        </div>
    }
}
