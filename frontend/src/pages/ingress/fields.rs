//! Putting review errors next to the field they are about.

use leptos::prelude::*;
use shared::ingress::FieldError;
use shared::ingress::error::errors_under;

/// The errors on `field` (and below it), as the shared review words them.
#[component]
pub fn Problems(errors: Signal<Vec<FieldError>>, #[prop(into)] field: String) -> impl IntoView {
    move || {
        errors.with(|all| {
            errors_under(all, &field)
                .map(|e| {
                    view! {
                        <p class="field-problem" data-testid="field-error" data-field=e.field.clone()>
                            {e.message.clone()}
                        </p>
                    }
                })
                .collect_view()
        })
    }
}
