//! The Mesh tab's ingress gateway: its Service type, the external
//! addresses its load balancer reports and the `loadBalancerIP` asked for,
//! or why they are not known. Changing the address is the Mesh section's
//! gateway panel (it asks for confirmation); this only reads.

use leptos::prelude::*;
use shared::ClusterName;
use shared::mesh::migration::gateway::GatewayAddress;

use crate::api;
use crate::components::loading::Loaded;

fn address_view(a: GatewayAddress) -> impl IntoView {
    let cluster = a.cluster.to_string();
    let external = if a.external.is_empty() {
        view! { <span class="muted">"none reported by the load balancer"</span> }.into_any()
    } else {
        a.external
            .iter()
            .map(|e| view! { <code class="gateway-external">{e.clone()}</code> " " })
            .collect_view()
            .into_any()
    };
    let ports = a
        .ports
        .iter()
        .map(|p| match p.node_port {
            Some(node) => format!("{} {}→{node}", p.name, p.port),
            None => format!("{} {}", p.name, p.port),
        })
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <dl class="facts gateway-facts" data-cluster=cluster aria-label="Ingress gateway">
            <div><dt>"Service type"</dt><dd>{a.service_type.clone()}</dd></div>
            <div><dt>"External address"</dt><dd>{external}</dd></div>
            <div><dt>"loadBalancerIP asked for"</dt><dd>{a.load_balancer_ip.clone().unwrap_or_else(|| "none".into())}</dd></div>
            <div><dt>"Ports"</dt><dd>{if ports.is_empty() { "none".to_owned() } else { ports }}</dd></div>
        </dl>
    }
}

/// The cluster's ingress gateway address, read once when shown.
#[component]
pub fn Gateway(cluster: ClusterName) -> impl IntoView {
    let name = cluster.to_string();
    let address = LocalResource::new(move || api::migration::gateway(name.clone(), String::new()));
    view! {
        <section class="cluster-part" aria-labelledby="gateway-heading">
            <h2 id="gateway-heading">"Ingress gateway"</h2>
            <Loaded what="the ingress gateway" resource=address ok=address_view/>
        </section>
    }
}
