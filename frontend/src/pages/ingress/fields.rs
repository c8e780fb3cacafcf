//! Putting review errors next to the field they are about, and the
//! fields every object has.

use leptos::prelude::*;
use shared::ingress::FieldError;
use shared::ingress::error::errors_under;

use crate::api::ingress::IngressObject;
use crate::components::field::{Field, Touched};

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

/// The namespace and name of an object, fixed once it `existing`.
#[component]
pub fn MetadataFields<T: IngressObject + Send + Sync + 'static>(
    object: RwSignal<T>,
    errors: Signal<Vec<FieldError>>,
    existing: bool,
    touched: Touched,
) -> impl IntoView {
    view! {
        <Field touched field="metadata.namespace">
            <label>"Namespace"
                <input data-testid="field-metadata.namespace" disabled=existing
                    prop:value=move || object.with(|o| o.metadata().namespace().to_owned())
                    on:input=move |ev| object.update(|o| o.metadata_mut().namespace = Some(event_target_value(&ev)))/>
            </label>
            <Problems errors field="metadata.namespace"/>
        </Field>
        <Field touched field="metadata.name">
            <label>"Name"
                <input data-testid="field-metadata.name" disabled=existing
                    prop:value=move || object.with(|o| o.metadata().name.clone())
                    on:input=move |ev| object.update(|o| o.metadata_mut().name = event_target_value(&ev))/>
            </label>
            <Problems errors field="metadata.name"/>
        </Field>
    }
}
