//! The loading state shown while data is on its way.

use leptos::prelude::*;

#[component]
pub fn Loading(#[prop(into)] what: String) -> impl IntoView {
    view! {
        <div class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span>"Loading " {what} "…"</span>
        </div>
    }
}
