//! Footer line saying which backend the console talks to, whether it
//! answers, and whether the fleet on screen is live.

use leptos::prelude::*;

use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;
use crate::live_fleet::{Link, LiveFleet};

/// The live fleet's stream state, once someone is signed in.
#[component]
fn FleetLink() -> impl IntoView {
    let live = LiveFleet::get();
    move || {
        let link = live.link();
        (link != Link::Idle).then(|| {
            view! {
                <span class=format!("fleet-link link-{}", link.slug()) data-link=link.slug() role="status">
                    "Fleet " {link.label()}
                </span>
            }
        })
    }
}

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
            <FleetLink/>
        </footer>
    }
}
