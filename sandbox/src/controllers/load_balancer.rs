//! The service controller of the cluster's load balancer: a Service of type
//! `LoadBalancer` gets an external IP in `status.loadBalancer.ingress`. On
//! cloud platforms (GKE, attached clusters) the cloud allocates one (or
//! honours `spec.loadBalancerIP`); on-prem (GKE on VMware, bare metal) the
//! bundled load balancer needs `spec.loadBalancerIP`, so the Service stays
//! `<pending>` until it is set. Other Service types hold no ingress.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::events::{self, Source, Type};
use super::runtime::{Key, Reconciler, key_of};
use super::util::{self, SERVICES};
use crate::cluster::Cluster;
use crate::store::Event;

const MANAGER: &str = "cloud-controller-manager";
const SOURCE: Source<'static> = Source::controller("service-controller");

pub struct LoadBalancerController;

impl Reconciler for LoadBalancerController {
    fn primary(&self) -> &'static str {
        SERVICES
    }

    fn keys_for(&self, _cluster: &Cluster, event: &Event) -> Vec<Key> {
        if &*event.resource == SERVICES {
            vec![key_of(&event.object)]
        } else {
            Vec::new()
        }
    }

    async fn reconcile(&self, cluster: &Arc<Cluster>, key: &Key) -> Option<Duration> {
        let svc = cluster.store.get(SERVICES, &key.0, &key.1)?;
        let is_lb = svc["spec"]["type"] == "LoadBalancer";
        let current = current_ip(&svc);
        let wanted = if is_lb {
            wanted_ip(cluster, &svc, current)
        } else {
            None
        };
        if wanted.as_deref() == current {
            return None;
        }
        let mut status = svc["status"].clone();
        status["loadBalancer"] = match &wanted {
            Some(ip) => json!({"ingress": [{"ip": ip, "ipMode": "VIP"}]}),
            None => json!({}),
        };
        if is_lb {
            events::record(
                cluster,
                &svc,
                None,
                Type::Normal,
                "EnsuringLoadBalancer",
                "Ensuring load balancer",
                SOURCE,
            )
            .await;
        }
        let rt = util::rt(cluster, SERVICES)?;
        util::write_status(cluster, &rt, &svc, status, &util::writer(MANAGER, MANAGER)).await;
        if is_lb && wanted.is_some() {
            events::record(
                cluster,
                &svc,
                None,
                Type::Normal,
                "EnsuredLoadBalancer",
                "Ensured load balancer",
                SOURCE,
            )
            .await;
        }
        None
    }
}

fn current_ip(svc: &Value) -> Option<&str> {
    svc["status"]["loadBalancer"]["ingress"][0]["ip"].as_str()
}

/// The address the load balancer serves `svc` on, if it has one.
fn wanted_ip(cluster: &Cluster, svc: &Value, current: Option<&str>) -> Option<String> {
    let requested = util::str_at(svc, "/spec/loadBalancerIP");
    if !requested.is_empty() {
        return Some(requested.to_owned());
    }
    if cluster.profile().platform.on_prem() {
        return None;
    }
    if let Some(ip) = current {
        return Some(ip.to_owned());
    }
    let (services, _) = cluster.store.list(SERVICES, None);
    let taken: Vec<&str> = services.iter().filter_map(|s| current_ip(s)).collect();
    let seed = format!(
        "{}/{}/{}",
        cluster.name,
        util::str_at(svc, "/metadata/namespace"),
        util::name(svc)
    );
    let start = seed.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (0..65_000u32)
        .map(|k| {
            let n = start.wrapping_add(k) % 65_000;
            format!(
                "34.{}.{}.{}",
                100 + n / 64_000 % 50,
                n / 250 % 256,
                n % 250 + 2
            )
        })
        .find(|ip| !taken.contains(&ip.as_str()))
}
