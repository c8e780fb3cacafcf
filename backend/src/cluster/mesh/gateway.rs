//! The ingress gateway's external address (SPEC §2.6): reading the
//! `istio-system/istio-ingressgateway` Service and the nodes' InternalIPs
//! into the NodePort mapping, and setting `spec.loadBalancerIP` by
//! server-side apply under the console's field manager.

use k8s_openapi::api::core::v1::{Node, Service};
use kube::api::Api;
use serde_json::json;
use shared::ClusterName;
use shared::mesh::ISTIO_SYSTEM;
use shared::mesh::migration::gateway::{
    GatewayAddress, GatewayPort, INGRESS_GATEWAY, LoadBalancerIp, NodeAddress, mapping_text,
    node_port_mapping,
};

use super::calls;
use super::error::MigrationError;
use crate::cluster::MemberApi;
use crate::cluster::apply::{self, ApplyError};

/// The gateway Service and the mapping to `vip` (else its
/// `loadBalancerIP`); `None` when the cluster has no gateway Service.
pub async fn address(
    member: &MemberApi,
    cluster: ClusterName,
    vip: Option<LoadBalancerIp>,
) -> Result<Option<GatewayAddress>, MigrationError> {
    let client = member.client();
    let services: Api<Service> = Api::namespaced(client.clone(), ISTIO_SYSTEM);
    let Some(service) = calls::get_opt(
        &services,
        INGRESS_GATEWAY,
        format!("reading Service istio-system/{INGRESS_GATEWAY}"),
    )
    .await?
    else {
        return Ok(None);
    };
    let spec = service.spec.unwrap_or_default();
    let ports: Vec<GatewayPort> = spec
        .ports
        .iter()
        .flatten()
        .map(|p| GatewayPort {
            name: p.name.clone().unwrap_or_default(),
            port: u16::try_from(p.port).unwrap_or(0),
            node_port: p.node_port.and_then(|n| u16::try_from(n).ok()),
            protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
        })
        .collect();
    let mut nodes: Vec<NodeAddress> = calls::list_all::<Node>(member, "nodes")
        .await?
        .into_iter()
        .filter_map(|n| {
            let address = n
                .status?
                .addresses?
                .into_iter()
                .find(|a| a.type_ == "InternalIP")?
                .address;
            Some(NodeAddress {
                name: n.metadata.name.unwrap_or_default(),
                address,
            })
        })
        .collect();
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    let external = service
        .status
        .and_then(|s| s.load_balancer?.ingress)
        .into_iter()
        .flatten()
        .filter_map(|i| i.ip.or(i.hostname))
        .collect();
    let vip = vip
        .map(|v| v.to_string())
        .or_else(|| spec.load_balancer_ip.clone());
    let mapping = vip
        .as_deref()
        .map(|v| node_port_mapping(v, &ports, &nodes))
        .unwrap_or_default();
    Ok(Some(GatewayAddress {
        cluster,
        service_type: spec.type_.unwrap_or_else(|| "ClusterIP".into()),
        load_balancer_ip: spec.load_balancer_ip,
        external,
        mapping_text: mapping_text(&mapping),
        mapping,
        ports,
        nodes,
        vip,
    }))
}

/// Sets `spec.loadBalancerIP` of the gateway Service.
pub async fn set_load_balancer_ip(
    member: &MemberApi,
    ip: LoadBalancerIp,
) -> Result<(), ApplyError> {
    let client = member.client();
    let body = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": INGRESS_GATEWAY, "namespace": ISTIO_SYSTEM},
        "spec": {"loadBalancerIP": ip.to_string()},
    });
    apply::apply(client, &body, false).await.map(|_| ())
}
