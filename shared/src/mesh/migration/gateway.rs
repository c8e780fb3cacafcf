//! The ingress gateway's external address on clusters that do not
//! allocate LoadBalancer IPs (seed 004): the `spec.loadBalancerIP` an
//! operator sets (validated here), or the mapping a manual load balancer
//! needs, VIP:port → every node's address:nodePort for each gateway port.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ClusterName;
use crate::newtype::text_form;

/// The ingress gateway Service every revision shares.
pub const INGRESS_GATEWAY: &str = "istio-ingressgateway";

/// An address a load balancer can serve: a unicast IP, not 0.0.0.0,
/// loopback or multicast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct LoadBalancerIp(IpAddr);

/// Why a text is not a usable load balancer address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a usable load balancer IP: {reason}")]
pub struct InvalidIp {
    pub value: String,
    pub reason: &'static str,
}

impl FromStr for LoadBalancerIp {
    type Err = InvalidIp;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fail = |reason| InvalidIp {
            value: s.to_owned(),
            reason,
        };
        let ip: IpAddr = s
            .trim()
            .parse()
            .map_err(|_| fail("it is not an IPv4 or IPv6 address"))?;
        if ip.is_unspecified() {
            return Err(fail("it is the unspecified address"));
        }
        if ip.is_loopback() {
            return Err(fail("it is a loopback address"));
        }
        if ip.is_multicast() {
            return Err(fail("it is a multicast address"));
        }
        Ok(Self(ip))
    }
}

text_form!(LoadBalancerIp);

impl fmt::Display for LoadBalancerIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// `PUT …/ingress-gateway/load-balancer-ip`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SetLoadBalancerIp {
    pub ip: LoadBalancerIp,
}

/// One port of the gateway Service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct GatewayPort {
    pub name: String,
    pub port: u16,
    /// Absent when the Service allocates none (ClusterIP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_port: Option<u16>,
    pub protocol: String,
}

/// A node and the address a load balancer reaches it on (InternalIP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NodeAddress {
    pub name: String,
    pub address: String,
}

/// One forwarding rule of a manual load balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MappingRow {
    /// The gateway port's name, e.g. `http2`.
    pub port_name: String,
    pub protocol: String,
    /// `VIP:port`.
    pub frontend: String,
    /// `node address:nodePort`, one per node.
    pub backends: Vec<String>,
}

/// `GET /api/clusters/{name}/ingress-gateway`: what the gateway Service
/// exposes and how a manual load balancer would reach it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct GatewayAddress {
    pub cluster: ClusterName,
    /// `spec.type`.
    pub service_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_ip: Option<String>,
    /// Addresses in `status.loadBalancer.ingress`.
    pub external: Vec<String>,
    pub ports: Vec<GatewayPort>,
    pub nodes: Vec<NodeAddress>,
    /// The VIP the mapping uses (the query's, else `loadBalancerIP`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vip: Option<String>,
    pub mapping: Vec<MappingRow>,
    /// The mapping as copyable text.
    pub mapping_text: String,
}

/// VIP:port → every node address:nodePort, for each port with a
/// nodePort, in port order.
pub fn node_port_mapping(
    vip: &str,
    ports: &[GatewayPort],
    nodes: &[NodeAddress],
) -> Vec<MappingRow> {
    ports
        .iter()
        .filter_map(|p| {
            let node_port = p.node_port?;
            Some(MappingRow {
                port_name: p.name.clone(),
                protocol: p.protocol.clone(),
                frontend: host_port(vip, p.port),
                backends: nodes
                    .iter()
                    .map(|n| host_port(&n.address, node_port))
                    .collect(),
            })
        })
        .collect()
}

/// One `frontend -> backend` line per node and port, commented with the
/// port's name: what to paste into a load balancer's configuration notes.
pub fn mapping_text(rows: &[MappingRow]) -> String {
    let mut text = String::new();
    for row in rows {
        for backend in &row.backends {
            text.push_str(&format!(
                "{} -> {backend}  # {} ({})\n",
                row.frontend, row.port_name, row.protocol
            ));
        }
    }
    text
}

fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_balancer_ips_must_be_usable_unicast_addresses() {
        assert_eq!(
            "203.0.113.1".parse::<LoadBalancerIp>().map(String::from),
            Ok("203.0.113.1".to_owned())
        );
        assert!("2001:db8::1".parse::<LoadBalancerIp>().is_ok());
        for bad in [
            "",
            "203.0.113",
            "203.0.113.256",
            "0.0.0.0",
            "127.0.0.1",
            "224.0.0.1",
            "::",
        ] {
            assert!(bad.parse::<LoadBalancerIp>().is_err(), "{bad}");
        }
        let err = "lb.example.com".parse::<LoadBalancerIp>().unwrap_err();
        assert!(err.to_string().contains("not an IPv4 or IPv6 address"));
    }

    #[test]
    fn the_mapping_sends_each_vip_port_to_every_node_on_its_node_port() {
        let ports = vec![
            GatewayPort {
                name: "http2".into(),
                port: 80,
                node_port: Some(31380),
                protocol: "TCP".into(),
            },
            GatewayPort {
                name: "internal".into(),
                port: 8080,
                node_port: None,
                protocol: "TCP".into(),
            },
            GatewayPort {
                name: "https".into(),
                port: 443,
                node_port: Some(31390),
                protocol: "TCP".into(),
            },
        ];
        let nodes = vec![
            NodeAddress {
                name: "n0".into(),
                address: "192.168.0.10".into(),
            },
            NodeAddress {
                name: "n1".into(),
                address: "192.168.0.11".into(),
            },
        ];
        let rows = node_port_mapping("203.0.113.1", &ports, &nodes);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].frontend, "203.0.113.1:80");
        assert_eq!(
            rows[0].backends,
            ["192.168.0.10:31380", "192.168.0.11:31380"]
        );
        assert_eq!(
            mapping_text(&rows).lines().collect::<Vec<_>>(),
            [
                "203.0.113.1:80 -> 192.168.0.10:31380  # http2 (TCP)",
                "203.0.113.1:80 -> 192.168.0.11:31380  # http2 (TCP)",
                "203.0.113.1:443 -> 192.168.0.10:31390  # https (TCP)",
                "203.0.113.1:443 -> 192.168.0.11:31390  # https (TCP)",
            ]
        );
        assert_eq!(
            node_port_mapping("2001:db8::1", &ports[..1], &nodes[..1])[0].frontend,
            "[2001:db8::1]:80"
        );
    }
}
