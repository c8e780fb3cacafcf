//! The MultiClusterIngress half of a pass: each admitted ingress gets a
//! VIP in `status.VIP` (see [`super::vip`]), and Events say which of its
//! backends name no MultiClusterService (or no port of one) and which
//! members they link lack the namespace. The routes are the shared
//! `resolve_routes`, the console's own.

use serde_json::{Value, json};
use shared::fleet::Fleet;
use shared::ingress::quota::quota_project;
use shared::ingress::{
    ExclusionReason, MultiClusterIngress, MultiClusterService, Selection, resolve_routes,
    resolve_selection, validate_mci,
};

use super::admission::admit;
use super::crds::MCI;
use super::notices::{Notice, namespace_missing};
use super::reconcile::writer;
use super::view::Stored;
use super::vip::{self, Claim};
use crate::cluster::Cluster;
use crate::controllers::util;
use crate::resources::ResourceType;

/// Each MultiClusterIngress of `config`: its VIP and what is wrong
/// with its backends.
pub(crate) async fn reconcile(
    config: &Cluster,
    fleet: &Fleet,
    services: &[MultiClusterService],
    ingresses: &[Stored<MultiClusterIngress>],
    notices: &mut Vec<Notice>,
) {
    let project = quota_project(fleet).unwrap_or("the fleet project");
    let mut admitted: Vec<(&Stored<MultiClusterIngress>, &MultiClusterIngress)> = Vec::new();
    let mut refused: Vec<&Stored<MultiClusterIngress>> = Vec::new();
    for (rank, stored) in ingresses.iter().enumerate() {
        match admit(stored, project, rank, notices, validate_mci) {
            Some(mci) => admitted.push((stored, mci)),
            None => refused.push(stored),
        }
    }
    for (stored, mci) in &admitted {
        backend_notices(stored, mci, services, fleet, notices);
    }
    let claims: Vec<Claim<'_>> = admitted
        .iter()
        .map(|(stored, mci)| Claim {
            namespace: mci.namespace(),
            name: mci.name(),
            current: stored.object["status"]["VIP"].as_str(),
            static_ip: mci.static_ip(),
        })
        .collect();
    let vips = vip::allocate(&claims);
    let Some(rt) = util::rt(config, MCI) else {
        return;
    };
    for ((stored, _), vip) in admitted.iter().zip(vips) {
        match &vip {
            Some(ip) => notices.push(Notice::normal(
                &stored.object,
                "VIPAllocated",
                format!("the load balancer serves this ingress on {ip}"),
            )),
            None => notices.push(Notice::warning(
                &stored.object,
                "NoVIP",
                format!("no address is free in {}", vip::VIP_RANGE),
            )),
        }
        write_vip(config, &rt, &stored.object, vip.as_deref()).await;
    }
    for stored in refused {
        write_vip(config, &rt, &stored.object, None).await;
    }
}

/// Backends naming no MultiClusterService (or no port of it), and
/// members a backend links that lack the namespace.
fn backend_notices(
    stored: &Stored<MultiClusterIngress>,
    mci: &MultiClusterIngress,
    services: &[MultiClusterService],
    fleet: &Fleet,
    notices: &mut Vec<Notice>,
) {
    let routes = resolve_routes(mci, services, fleet);
    for error in &routes.errors {
        let reason = if error.field.ends_with(".servicePort") {
            "BackendPortNotFound"
        } else {
            "BackendNotFound"
        };
        notices.push(Notice::warning(&stored.object, reason, error.to_string()));
    }
    let mut told: Vec<&str> = Vec::new();
    for route in routes.default_backend.iter().chain(&routes.rules) {
        if route.target.is_none() || told.contains(&route.service.as_str()) {
            continue;
        }
        told.push(&route.service);
        let Some(mcs) = services
            .iter()
            .find(|s| s.namespace() == mci.namespace() && s.name() == route.service)
        else {
            continue;
        };
        let selection = resolve_selection(mcs, fleet);
        for missing in selection.members.iter().filter(|m| {
            m.link.is_some()
                && m.selection
                    == Selection::Excluded {
                        reason: ExclusionReason::NamespaceMissing,
                    }
        }) {
            notices.push(Notice::warning(
                &stored.object,
                "NamespaceMissing",
                format!(
                    "backend {}: {}",
                    route.service,
                    namespace_missing(mcs.namespace(), &missing.location, missing.cluster.as_str())
                ),
            ));
        }
    }
}

/// Sets (or clears) `status.VIP`, keeping the rest of the status.
async fn write_vip(config: &Cluster, rt: &ResourceType, object: &Value, vip: Option<&str>) {
    let current = match &object["status"] {
        Value::Object(fields) => fields.clone(),
        _ => serde_json::Map::new(),
    };
    let mut status = current.clone();
    match vip {
        Some(ip) => {
            status.insert("VIP".into(), json!(ip));
        }
        None => {
            status.remove("VIP");
        }
    }
    if status != current {
        util::write_status(config, rt, object, Value::Object(status), &writer()).await;
    }
}
