//! The MultiClusterIngress form: namespace and name, the default backend,
//! and host rules each routing to a MultiClusterService and port.

use leptos::prelude::*;
use shared::fleet::Fleet;
use shared::ingress::{BackendRef, FieldError, IngressRule, IntOrString, MultiClusterIngress};

use super::fields::{MetadataFields, Problems};
use crate::components::field::{Field, Touched};

fn port_of(text: &str) -> Option<IntOrString> {
    let text = text.trim();
    if text.is_empty() {
        None
    } else {
        Some(
            text.parse::<i64>()
                .map(IntOrString::Int)
                .unwrap_or_else(|_| IntOrString::String(text.to_owned())),
        )
    }
}

fn port_text(b: Option<&BackendRef>) -> String {
    b.and_then(|b| b.service_port.as_ref())
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// The form of a MultiClusterIngress. Its routes name services, not
/// clusters, so the fleet the editor passes every form goes unused.
pub fn mci_form(
    object: RwSignal<MultiClusterIngress>,
    errors: Signal<Vec<FieldError>>,
    _fleet: Signal<Option<Fleet>>,
    existing: bool,
    touched: Touched,
) -> AnyView {
    let spec = |o: &MultiClusterIngress| o.spec.template.spec.clone();
    // Rows are redrawn only when their number changes, keeping focus while typing.
    let rules = Memo::new(move |_| object.with(|o| o.spec.template.spec.rules.len()));
    let rule_row = move |i: usize| {
        let get = move || {
            object.with(|o| {
                o.spec
                    .template
                    .spec
                    .rules
                    .get(i)
                    .cloned()
                    .unwrap_or_default()
            })
        };
        let edit = move |f: &dyn Fn(&mut IngressRule)| {
            object.update(|o| {
                if let Some(r) = o.spec.template.spec.rules.get_mut(i) {
                    f(r);
                }
            })
        };
        let backend = move |f: &dyn Fn(&mut BackendRef)| {
            edit(&|r| f(r.backend.get_or_insert_with(BackendRef::default)))
        };
        let at = format!("spec.template.spec.rules[{i}]");
        view! {
            <Field touched field=at.clone()>
            <div class="row rule" data-testid=format!("rule-{i}")>
                <label>"Host" <input data-testid=format!("rule-{i}-host") prop:value=move || get().host.unwrap_or_default()
                    on:input=move |ev| { let v = event_target_value(&ev); edit(&|r| r.host = (!v.is_empty()).then(|| v.clone())); }/></label>
                <label>"Service" <input data-testid=format!("rule-{i}-service") prop:value=move || get().backend.map(|b| b.service_name).unwrap_or_default()
                    on:input=move |ev| { let v = event_target_value(&ev); backend(&|b| b.service_name = v.clone()); }/></label>
                <label>"Port" <input data-testid=format!("rule-{i}-port") prop:value=move || port_text(get().backend.as_ref())
                    on:input=move |ev| { let v = event_target_value(&ev); backend(&|b| b.service_port = port_of(&v)); }/></label>
                <button type="button" on:click=move |_| object.update(|o| { o.spec.template.spec.rules.remove(i); })>"Remove"</button>
            </div>
            <Problems errors field=at/>
            </Field>
        }
    };
    let default = move |f: &dyn Fn(&mut Option<BackendRef>)| {
        object.update(|o| f(&mut o.spec.template.spec.backend))
    };
    view! {
        <fieldset class="form mci-form" data-testid="mci-form">
            <MetadataFields object errors existing touched/>
            <Field touched field="spec.template.spec.backend">
            <div class="row">
                <label>"Default backend service"
                    <input data-testid="default-service" prop:value=move || object.with(|o| spec(o).backend.map(|b| b.service_name).unwrap_or_default())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            default(&|b| if v.is_empty() { *b = None } else { b.get_or_insert_with(BackendRef::default).service_name = v.clone() });
                        }/>
                </label>
                <label>"Port"
                    <input data-testid="default-port" prop:value=move || object.with(|o| port_text(spec(o).backend.as_ref()))
                        on:input=move |ev| { let v = event_target_value(&ev); default(&|b| if let Some(b) = b { b.service_port = port_of(&v) }); }/>
                </label>
            </div>
            <Problems errors field="spec.template.spec.backend"/>
            </Field>
            <h3>"Rules"</h3>
            {move || (0..rules.get()).map(rule_row).collect_view()}
            <button type="button" data-testid="add-rule"
                on:click=move |_| object.update(|o| o.spec.template.spec.rules.push(IngressRule { backend: Some(BackendRef::default()), ..IngressRule::default() }))>
                "Add rule"
            </button>
        </fieldset>
    }
    .into_any()
}
