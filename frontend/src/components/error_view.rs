//! Renders a `shared::ApiError` where the user acted: what failed, the
//! cluster it concerns and the request id to quote.

use leptos::prelude::*;
use shared::ApiError;

#[component]
pub fn ErrorView(error: ApiError) -> impl IntoView {
    let ApiError {
        code,
        message,
        cluster,
        request_id,
        // Shown beside their inputs by the forms that send them.
        fields: _,
        // Shown beside the change by the editors that sent it.
        fresh: _,
    } = error;
    view! {
        <div class="error-view" role="alert">
            <strong class="error-title">{code.title()}</strong>
            <p class="error-message">{message}</p>
            {cluster.map(|c| view! { <p class="error-cluster">"Cluster: " <code>{c}</code></p> })}
            {request_id.map(|id| view! { <p class="error-request muted">"Request id " <code>{id}</code></p> })}
        </div>
    }
}
