//! Service port names: Istio picks a port's protocol from its name,
//! `protocol[-suffix]` (the seeds require it of every Service port).

use serde::{Deserialize, Serialize};

use super::{Check, CheckResult, Verdict};

/// The protocols Istio's protocol selection recognises in a port name.
pub const PROTOCOLS: [&str; 12] = [
    "http",
    "http2",
    "https",
    "grpc",
    "grpc-web",
    "tcp",
    "tls",
    "mongo",
    "mysql",
    "redis",
    "udp",
    "http_proxy",
];

/// One port of a Service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ServicePort {
    /// Empty when the port is unnamed.
    #[serde(default)]
    pub name: String,
    pub port: u16,
    /// `TCP`, `UDP` or `SCTP`.
    #[serde(default = "tcp")]
    pub protocol: String,
}

fn tcp() -> String {
    "TCP".into()
}

/// A Service and its ports, as the backend lists them from the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ServicePorts {
    pub namespace: String,
    pub name: String,
    pub ports: Vec<ServicePort>,
}

/// The protocol Istio reads from `name`, if it reads one: the part before
/// the first `-` (`grpc-web` whole), case-insensitively.
pub fn protocol_of(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let prefix = if lower == "grpc-web" || lower.starts_with("grpc-web-") {
        "grpc-web"
    } else {
        lower.split('-').next().unwrap_or_default()
    };
    PROTOCOLS.iter().copied().find(|p| *p == prefix)
}

/// A name Istio would read right for this port: the protocol its number
/// usually carries, followed by the old name as suffix.
pub fn suggest_port_name(port: &ServicePort) -> String {
    let protocol = if port.protocol.eq_ignore_ascii_case("UDP") {
        "udp"
    } else {
        match port.port {
            80 | 8000 | 8080 | 9090 => "http",
            443 | 8443 => "https",
            3306 => "mysql",
            6379 => "redis",
            27017 => "mongo",
            _ => "tcp",
        }
    };
    let suffix: String = port
        .name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let suffix = suffix.trim_matches('-');
    if suffix.is_empty() || suffix == protocol {
        protocol.to_owned()
    } else {
        format!("{protocol}-{suffix}")
    }
}

pub(super) fn port_names(services: &[ServicePorts]) -> CheckResult {
    let check = Check::ServicePortNames;
    let total: usize = services.iter().map(|s| s.ports.len()).sum();
    let offenders: Vec<String> = services
        .iter()
        .flat_map(|s| s.ports.iter().map(move |p| (s, p)))
        .filter(|(_, p)| protocol_of(&p.name).is_none())
        .map(|(s, p)| {
            let shown = if p.name.is_empty() {
                "an unnamed port".to_owned()
            } else {
                format!("port {:?}", p.name)
            };
            format!(
                "{}/{}: {shown} ({}/{}) should be named like {:?}",
                s.namespace,
                s.name,
                p.port,
                p.protocol,
                suggest_port_name(p)
            )
        })
        .collect();
    if offenders.is_empty() {
        return CheckResult::pass(
            check,
            format!(
                "All {total} port(s) of {} Service(s) are named protocol[-suffix].",
                services.len()
            ),
        );
    }
    let mut evidence = vec![format!(
        "{} of {total} Service port(s) are not named protocol[-suffix] (protocol one of {}; the optional suffix starts with '-'), so Istio cannot tell their protocol:",
        offenders.len(),
        PROTOCOLS.join(", ")
    )];
    evidence.extend(offenders);
    CheckResult::new(check, Verdict::Fail, evidence)
}
