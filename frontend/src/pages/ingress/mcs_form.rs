//! The MultiClusterService form: namespace and name, the pod selector, the
//! first port, and the member clusters as checkboxes (none checked: every
//! member).

use leptos::prelude::*;
use shared::fleet::Fleet;
use shared::ingress::{ClusterSelector, FieldError, IntOrString, MultiClusterService, ServicePort};

use super::fields::{MetadataFields, Problems};
use crate::components::field::{Field, Touched};

fn selector_text(mcs: &MultiClusterService) -> String {
    mcs.spec
        .template
        .spec
        .selector
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn mcs_form(
    object: RwSignal<MultiClusterService>,
    errors: Signal<Vec<FieldError>>,
    fleet: Signal<Option<Fleet>>,
    existing: bool,
    touched: Touched,
) -> AnyView {
    let port = move || object.with(|o| o.ports().first().cloned().unwrap_or_default());
    let set_port = move |f: &dyn Fn(&mut ServicePort)| {
        object.update(|o| {
            let ports = &mut o.spec.template.spec.ports;
            if ports.is_empty() {
                ports.push(ServicePort::default());
            }
            f(&mut ports[0]);
        })
    };
    let members = move || {
        fleet
            .get()
            .map(|f| {
                f.clusters
                    .iter()
                    .map(|c| format!("{}/{}", c.member.location, c.member.name))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    view! {
        <fieldset class="form mcs-form" data-testid="mcs-form">
            <MetadataFields object errors existing touched/>
            <Field touched field="spec.template.spec.selector">
            <label>"Pod selector (key=value, comma separated)"
                <input data-testid="field-spec.template.spec.selector"
                    prop:value=move || object.with(selector_text)
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        object.update(|o| {
                            o.spec.template.spec.selector = text
                                .split(',')
                                .filter_map(|kv| kv.split_once('='))
                                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                                .collect();
                        });
                    }/>
            </label>
            <Problems errors field="spec.template.spec.selector"/>
            </Field>
            <Field touched field="spec.template.spec.ports">
            <div class="row">
                <label>"Port name"
                    <input data-testid="field-port-name" prop:value=move || port().name.unwrap_or_default()
                        on:input=move |ev| { let v = event_target_value(&ev); set_port(&|p| p.name = (!v.is_empty()).then(|| v.clone())); }/>
                </label>
                <label>"Port"
                    <input data-testid="field-port" type="number" prop:value=move || port().port.map(|p| p.to_string()).unwrap_or_default()
                        on:input=move |ev| { let v = event_target_value(&ev).parse().ok(); set_port(&|p| { p.port = v; p.protocol.get_or_insert_with(|| "TCP".into()); }); }/>
                </label>
                <label>"Target port"
                    <input data-testid="field-target-port" prop:value=move || port().target_port.map(|p| p.to_string()).unwrap_or_default()
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            let t = if v.is_empty() { None } else { Some(v.parse::<i64>().map(IntOrString::Int).unwrap_or(IntOrString::String(v))) };
                            set_port(&|p| p.target_port = t.clone());
                        }/>
                </label>
            </div>
            <Problems errors field="spec.template.spec.ports"/>
            </Field>
            <Field touched field="spec.clusters">
            <div class="clusters" data-testid="field-spec.clusters">
                <p>"Clusters (none checked: every member)"</p>
                {move || members().into_iter().map(|link| {
                    let l = link.clone();
                    let checked = move || object.with(|o| o.spec.clusters.iter().any(|c| c.link == l));
                    let l2 = link.clone();
                    view! {
                        <label class="inline">
                            <input type="checkbox" data-testid=format!("link-{link}") prop:checked=checked
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    object.update(|o| {
                                        o.spec.clusters.retain(|c| c.link != l2);
                                        if on {
                                            o.spec.clusters.push(ClusterSelector { link: l2.clone() });
                                        }
                                    });
                                }/>
                            {link.clone()}
                        </label>
                    }
                }).collect_view()}
            </div>
            <Problems errors field="spec.clusters"/>
            </Field>
        </fieldset>
    }
    .into_any()
}
