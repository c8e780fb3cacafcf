//! The loading state shown while data is on its way, and the one way a
//! view waits for a resource: loading, then the answer or its error.

use leptos::prelude::*;
use shared::ApiError;

use super::error_view::ErrorView;

#[component]
pub fn Loading(#[prop(into)] what: String) -> impl IntoView {
    view! {
        <div class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span>"Loading " {what} "…"</span>
        </div>
    }
}

/// What `resource` answered, drawn by `ok`: [`Loading`] (naming `what`)
/// until the first answer, an [`ErrorView`] if it failed; a refetch keeps
/// the last view until the new answer is in. Reads the resource instead
/// of awaiting it: an await still pending when the page goes away (a
/// periodic refetch at sign-out) would poll a disposed resource and panic.
#[component]
pub fn Loaded<T, V, F>(
    #[prop(into)] what: String,
    resource: LocalResource<Result<T, ApiError>>,
    ok: F,
) -> impl IntoView
where
    T: Clone + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
{
    move || match resource.get() {
        None => view! { <Loading what=what.clone()/> }.into_any(),
        Some(Err(error)) => view! { <ErrorView error/> }.into_any(),
        Some(Ok(value)) => ok(value).into_any(),
    }
}
