//! Shown for any path the route table does not know.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

#[component]
pub fn NotFound() -> impl IntoView {
    let location = use_location();
    view! {
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>"Nothing lives at " <code>{move || location.pathname.get()}</code> "."</p>
            <p><A href="/fleet">"Back to the fleet"</A></p>
        </section>
    }
}
