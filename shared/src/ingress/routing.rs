//! MultiClusterIngress routing (SPEC §4.3): each host/path and the default
//! backend → the MultiClusterService it names (same namespace, in the
//! config cluster) → its port → the members that serve it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::derived::derived_service_name;
use super::error::FieldError;
use super::mci::MultiClusterIngress;
use super::mcs::MultiClusterService;
use super::object::IntOrString;
use super::selection::{SelectionReport, resolve_selection};
use crate::ClusterName;
use crate::fleet::Fleet;

/// Where one route ends up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RouteTarget {
    /// The derived Service on each member, `mci-<mcs>-svc-<hash>`.
    pub derived_service: String,
    pub port: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_name: Option<String>,
    /// Members that serve it ([`super::Selection::is_chosen`]), fleet order.
    pub clusters: Vec<ClusterName>,
}

/// One host/path (or the default backend) and its service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Route {
    /// The `backend` field it comes from.
    pub field: String,
    /// `None`: every host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `None`: every path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_port: Option<IntOrString>,
    /// `None` when the service or its port does not exist (see `errors`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<RouteTarget>,
}

/// Every route of one MultiClusterIngress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RouteTable {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_backend: Option<Route>,
    /// Rule routes, in manifest order.
    pub rules: Vec<Route>,
    /// Backends naming no MultiClusterService or no port of it.
    pub errors: Vec<FieldError>,
}

/// Resolves the routes of `mci`. `services`: the MultiClusterServices in
/// the config cluster (any namespace; only `mci`'s own are used).
pub fn resolve_routes(
    mci: &MultiClusterIngress,
    services: &[MultiClusterService],
    fleet: &Fleet,
) -> RouteTable {
    let namespace = mci.namespace();
    let mine: BTreeMap<&str, &MultiClusterService> = services
        .iter()
        .filter(|s| s.namespace() == namespace)
        .map(|s| (s.name(), s))
        .collect();
    let mut selections: BTreeMap<&str, SelectionReport> = BTreeMap::new();
    let mut table = RouteTable::default();

    for used in mci.backends() {
        let backend = used.backend;
        let name = backend.service_name.as_str();
        let mut target = None;
        match mine.get(name) {
            // An empty name is a shape error, reported by validation.
            _ if name.is_empty() => {}
            None => {
                let known: Vec<&str> = mine.keys().copied().collect();
                let expected = if known.is_empty() {
                    format!(
                        "namespace {namespace} has no MultiClusterService yet; create {name} first"
                    )
                } else {
                    format!("expected one of: {}", known.join(", "))
                };
                table.errors.push(FieldError::new(
                    format!("{}.serviceName", used.field),
                    format!(
                        "no MultiClusterService {name:?} in namespace {namespace} of the config cluster; {expected}"
                    ),
                ));
            }
            Some(mcs) => match &backend.service_port {
                None => {}
                Some(port_ref) => match mcs.port(port_ref) {
                    None => table.errors.push(FieldError::new(
                        format!("{}.servicePort", used.field),
                        format!(
                            "MultiClusterService {name} has no port {port_ref}; its ports: {}",
                            describe_ports(mcs)
                        ),
                    )),
                    Some(port) => {
                        let selection = selections
                            .entry(name)
                            .or_insert_with(|| resolve_selection(mcs, fleet));
                        target = Some(RouteTarget {
                            derived_service: derived_service_name(namespace, name),
                            port: port.port.unwrap_or_default(),
                            port_name: port.name.clone(),
                            clusters: selection.chosen(),
                        });
                    }
                },
            },
        }
        let route = Route {
            field: used.field.clone(),
            host: used.host.map(str::to_owned),
            path: used.path.map(str::to_owned),
            service: name.to_owned(),
            service_port: backend.service_port.clone(),
            target,
        };
        if used.default {
            table.default_backend = Some(route);
        } else {
            table.rules.push(route);
        }
    }
    table
}

fn describe_ports(mcs: &MultiClusterService) -> String {
    let ports: Vec<String> = mcs
        .ports()
        .iter()
        .filter_map(|p| {
            let n = p.port?;
            Some(match &p.name {
                Some(name) => format!("{n} ({name})"),
                None => n.to_string(),
            })
        })
        .collect();
    if ports.is_empty() {
        "none".into()
    } else {
        ports.join(", ")
    }
}
