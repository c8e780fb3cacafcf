//! Footer line saying which backend the console talks to, and whether it
//! answers.

use leptos::prelude::*;

use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;

#[component]
pub fn StatusBar() -> impl IntoView {
    let version = LocalResource::new(api::meta::get_version);
    view! {
        <footer class="statusbar">
            <Transition fallback=|| view! { <Loading what="backend status"/> }>
                {move || Suspend::new(async move {
                    match version.await {
                        Ok(v) => {
                            let fleet = if v.sandbox { "embedded sandbox fleet" } else { "kubeconfig fleet" };
                            view! {
                                <span class="backend-ok">
                                    {v.product} " " {v.version} " · " {fleet}
                                </span>
                            }
                                .into_any()
                        }
                        Err(err) => view! { <ErrorView error=err/> }.into_any(),
                    }
                })}
            </Transition>
        </footer>
    }
}
