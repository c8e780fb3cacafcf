//! The ingress gateway's external address on a cluster that allocates no
//! LoadBalancer IP (seed 004): set `spec.loadBalancerIP` (checked as an
//! address while typed, by the same rule the backend applies), or read the
//! NodePort mapping a manual load balancer needs, as a table and as text
//! to copy. Setting the address changes where the mesh is reached from
//! outside: it is asked first, naming the cluster and old -> new address.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ApiError;
use shared::mesh::migration::gateway::{GatewayAddress, LoadBalancerIp, SetLoadBalancerIp};

use super::Migration;
use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::error_view::ErrorView;

fn address_view(a: &GatewayAddress, text_url: String) -> impl IntoView + use<> {
    let external = if a.external.is_empty() {
        "none".to_owned()
    } else {
        a.external.join(", ")
    };
    let rows = a
        .mapping
        .iter()
        .map(|r| {
            view! {
                <tr data-port=r.port_name.clone()>
                    <td>{r.port_name.clone()} " (" {r.protocol.clone()} ")"</td>
                    <td><code>{r.frontend.clone()}</code></td>
                    <td>{r.backends.iter().map(|b| view! { <code>{b.clone()}</code> " " }).collect_view()}</td>
                </tr>
            }
        })
        .collect_view();
    let mapping = if a.mapping.is_empty() {
        view! { <p class="muted">"No NodePort mapping: enter a VIP, or the Service allocates no node ports."</p> }
            .into_any()
    } else {
        view! {
            <table class="nodeport-mapping" data-testid="nodeport-mapping">
                <thead><tr><th>"Port"</th><th>"VIP:port"</th><th>"Node address:nodePort"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <label class="mapping-text">
                "As text, to copy"
                <textarea readonly rows="6" data-testid="mapping-text" prop:value=a.mapping_text.clone()></textarea>
            </label>
            <a href=text_url download="nodeport-mapping.txt">"Download as text"</a>
        }
        .into_any()
    };
    view! {
        <dl class="gateway-facts" data-testid="gateway-facts">
            <dt>"Service type"</dt><dd>{a.service_type.clone()}</dd>
            <dt>"loadBalancerIP"</dt><dd data-field="load_balancer_ip">{a.load_balancer_ip.clone().unwrap_or_else(|| "not set".into())}</dd>
            <dt>"External addresses"</dt><dd>{external}</dd>
            <dt>"Nodes"</dt><dd>{a.nodes.iter().map(|n| format!("{} ({})", n.name, n.address)).collect::<Vec<_>>().join(", ")}</dd>
        </dl>
        {mapping}
    }
}

#[component]
pub fn GatewayPanel(m: Migration) -> impl IntoView {
    let cluster = RwSignal::new(String::new());
    let vip = RwSignal::new(String::new());
    let address = RwSignal::new(None::<Result<GatewayAddress, ApiError>>);
    let clusters = Memo::new(move |_| {
        m.fleet.with(|f| {
            f.as_ref()
                .map(|f| {
                    f.clusters
                        .iter()
                        .filter(|c| !c.control_planes.is_empty())
                        .map(|c| c.name().to_string())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let vip_problem = move || {
        vip.with(|v| {
            let v = v.trim();
            (!v.is_empty())
                .then(|| v.parse::<LoadBalancerIp>().err().map(|e| e.to_string()))
                .flatten()
        })
    };
    let load = move || {
        let c = cluster.get_untracked();
        if c.is_empty() || vip_problem().is_some() {
            return;
        }
        let v = vip.get_untracked();
        spawn_local(async move {
            let result = api::migration::gateway(c, v).await;
            address.try_set(Some(result));
        });
    };
    Effect::new(move |_| {
        cluster.track();
        vip.track();
        untrack(load);
    });
    view! {
        <section class="gateway-panel" data-testid="gateway-panel" aria-labelledby="gateway-heading">
            <h3 id="gateway-heading">"Ingress gateway external address"</h3>
            <label>
                "Cluster "
                <select name="gateway_cluster" on:change=move |ev| cluster.set(event_target_value(&ev))>
                    <option value="" selected=move || cluster.with(String::is_empty)>"pick a cluster"</option>
                    {move || clusters.get().into_iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
                </select>
            </label>
            <label>
                " VIP for the mapping "
                <input name="vip" placeholder="203.0.113.10" prop:value=move || vip.get()
                    aria-invalid=move || vip_problem().is_some().to_string()
                    on:change=move |ev| vip.set(event_target_value(&ev))/>
            </label>
            {move || vip_problem().map(|p| view! { <p class="field-problem">{p}</p> })}
            {move || (!cluster.with(String::is_empty)).then(|| {
                let c = cluster.get();
                address.with(|a| match a {
                    None => view! { <p class="muted">"Reading the gateway…"</p> }.into_any(),
                    Some(Err(error)) => view! { <ErrorView error=error.clone()/> }.into_any(),
                    Some(Ok(a)) => address_view(a, api::migration::gateway_text_url(&c, &vip.get_untracked())).into_any(),
                })
            })}
            {move || (m.may_act.get() && !cluster.with(String::is_empty)).then(|| view! { <SetAddress cluster address/> })}
        </section>
    }
}

/// What the operator is asked before the address changes.
#[derive(Clone)]
struct Change {
    cluster: String,
    old: String,
    new: LoadBalancerIp,
}

/// The loadBalancerIP field; Set asks, naming the cluster and old -> new
/// address, and only the confirmation sends the change.
#[component]
fn SetAddress(
    cluster: RwSignal<String>,
    address: RwSignal<Option<Result<GatewayAddress, ApiError>>>,
) -> impl IntoView {
    let ip = RwSignal::new(String::new());
    let set_error = RwSignal::new(None::<ApiError>);
    let asking = RwSignal::new(None::<Change>);
    let parsed_ip = move || ip.with(|s| s.parse::<LoadBalancerIp>());
    let ask = move |_| {
        let Ok(new) = parsed_ip() else { return };
        let old = address.with_untracked(|a| match a {
            Some(Ok(a)) => a
                .load_balancer_ip
                .clone()
                .unwrap_or_else(|| "not set".into()),
            _ => "unknown".into(),
        });
        set_error.set(None);
        asking.set(Some(Change {
            cluster: cluster.get_untracked(),
            old,
            new,
        }));
    };
    let save = Action::new_local(move |change: &Change| {
        let change = change.clone();
        async move {
            let request = SetLoadBalancerIp { ip: change.new };
            match api::migration::set_load_balancer_ip(change.cluster, request).await {
                Ok(a) => address.set(Some(Ok(a))),
                Err(e) => set_error.set(Some(e)),
            }
            asking.try_set(None);
        }
    });
    let pending = save.pending();
    let dialog = move |change: Change| {
        let question = format!(
            "Change the ingress gateway's external address on {}: {} -> {}?",
            change.cluster, change.old, change.new
        );
        let objects = vec![format!(
            "Service istio-system/istio-ingressgateway: spec.loadBalancerIP {} -> {}",
            change.old, change.new
        )];
        view! {
            <ConfirmDialog question objects confirm="Change the address" pending
                on_confirm=Callback::new(move |()| {
                    save.dispatch_local(change.clone());
                })
                on_cancel=Callback::new(move |()| asking.set(None))/>
        }
    };
    view! {
        <div class="set-lb-ip">
            <label>
                "Set loadBalancerIP "
                <input name="load_balancer_ip" placeholder="203.0.113.10" prop:value=move || ip.get()
                    aria-invalid=move || (!ip.with(String::is_empty) && parsed_ip().is_err()).to_string()
                    on:input=move |ev| ip.set(event_target_value(&ev))/>
            </label>
            <button data-action="set-lb-ip" disabled=move || parsed_ip().is_err() || asking.with(Option::is_some) on:click=ask>"Set…"</button>
            {move || (!ip.with(String::is_empty)).then(|| parsed_ip().err().map(|e| view! { <p class="field-problem">{e.to_string()}</p> })).flatten()}
            {move || asking.get().map(dialog)}
            {move || set_error.get().map(|error| view! { <ErrorView error/> })}
        </div>
    }
}
