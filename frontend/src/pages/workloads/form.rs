//! The deploy form: the spec (pasted or uploaded, checked while typing with
//! the backend's own rules), the target, registry access (a JSON key or a
//! user and password, wired through the default service account or the pod
//! templates) and AWS workload identity; preview first, then deploy.
//! Problems speak once their field was touched or a preview attempted.
//! The state is [`super::draft::Draft`], the fieldsets
//! [`super::form_parts`].

use leptos::prelude::*;
use shared::workloads::DeployRequest;

use super::draft::{Draft, FORM};
use super::form_parts::{AccessPart, AwsPart, ProblemOn, SpecPart, TargetPart};
use super::preview::PreviewView;
use super::takeover::{TakeOver, owned_by_others};
use crate::api;
use crate::components::error_view::ErrorView;

#[component]
pub fn DeployForm(on_deployed: Callback<()>) -> impl IntoView {
    let d = Draft::new();
    let request = move || d.request();
    let previewed = RwSignal::new(None::<DeployRequest>);
    let preview = Action::new_local(move |r: &DeployRequest| api::workloads::preview(r.clone()));
    let deploy = Action::new_local(move |r: &DeployRequest| {
        let r = r.clone();
        async move {
            let done = api::workloads::deploy(r).await;
            if done.is_ok() {
                d.forget_credentials();
                previewed.set(None);
                on_deployed.run(());
            }
            done
        }
    });
    let preview_ok = move || {
        matches!(preview.value().get(), Some(Ok(_)))
            && previewed.get().is_some()
            && previewed.get() == request().ok()
    };
    view! {
        <form class="form deploy-form" data-form=FORM on:submit=move |ev| ev.prevent_default()>
            <h2>"Deploy a migrated workload"</h2>
            <SpecPart d/>
            <TargetPart d/>
            <AccessPart d/>
            <AwsPart d/>
            <ProblemOn d field=""/>
            <div class="actions">
                <button
                    type="button"
                    name="preview"
                    disabled=move || d.shows_problem() || preview.pending().get()
                    on:click=move |_| match request() {
                        Ok(r) => {
                            previewed.set(Some(r.clone()));
                            preview.dispatch_local(r);
                        }
                        Err(_) => d.touched.attempt(FORM),
                    }
                >"Preview"</button>
                <button
                    type="button"
                    name="deploy"
                    class="primary"
                    disabled=move || !preview_ok() || deploy.pending().get()
                    on:click=move |_| {
                        if let Ok(r) = request() {
                            deploy.dispatch_local(r);
                        }
                    }
                >"Deploy"</button>
            </div>
        </form>
        {move || preview.value().get().map(|result| match result {
            Ok(preview) => view! { <PreviewView preview/> }.into_any(),
            Err(error) => {
                // Objects other owners manage: offer the explicit take-over
                // of exactly those, for the request that was previewed.
                let offer = owned_by_others(&error)
                    .zip(previewed.get().filter(|p| Some(p) == request().ok().as_ref()));
                view! {
                    <ErrorView error/>
                    {offer.map(|(objects, request)| view! { <TakeOver request objects on_deployed/> })}
                }
                .into_any()
            }
        })}
        {move || deploy.value().get().map(|result| match result {
            Ok(m) => view! { <p class="ok" role="status">{format!("Deployed {} on {}/{}: follow its rollout below.", m.name, m.cluster, m.namespace)}</p> }.into_any(),
            Err(error) => view! { <ErrorView error/> }.into_any(),
        })}
    }
}
