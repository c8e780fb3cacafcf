//! One pass of the multi-cluster ingress controller over the whole fleet,
//! from the config cluster's resources: the derived Services every member
//! should have (made, fixed or removed so), then the ingresses
//! ([`super::ingresses`]), then Events for what stands in the way. A pass
//! over an unchanged fleet writes nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use shared::fleet::Fleet;
use shared::ingress::quota::quota_project;
use shared::ingress::{
    ExclusionReason, MultiClusterService, Selection, resolve_selection, validate_mcs,
};

use super::admission::admit;
use super::derived::{self, DERIVED_LABEL};
use super::hub::Hub;
use super::ingresses;
use super::notices::{Notice, Reported, namespace_missing};
use super::view::{self, MemberCluster, Stored};
use crate::cluster::Cluster;
use crate::controllers::util::{self, SERVICES};
use crate::ops::{self, DeleteOptions, WriteOptions};
use crate::resources::ResourceType;

const MANAGER: &str = "multiclusteringress-controller";

/// (namespace, name) of a derived Service.
type ServiceKey = (String, String);

/// A derived Service wanted on one member, and the MultiClusterService
/// it comes from (to tell of trouble writing it).
struct Wanted {
    service: Value,
    parent: Arc<Value>,
}

pub(crate) struct Controller {
    pub hub: Arc<Hub>,
    pub members: Vec<MemberCluster>,
    reported: Reported,
}

impl Controller {
    pub fn new(hub: Arc<Hub>, members: Vec<MemberCluster>) -> Self {
        Self {
            hub,
            members,
            reported: Reported::default(),
        }
    }

    pub async fn pass(&mut self) {
        let config_name = self.hub.config_cluster();
        let config = config_name
            .as_deref()
            .and_then(|n| self.members.iter().find(|m| m.member.name.as_str() == n))
            .map(|m| m.cluster.clone());
        // The hosted controller cannot read an unreachable config cluster;
        // what it set up stays as it is until it can.
        if config.as_ref().is_some_and(|c| c.is_unreachable()) {
            return;
        }
        let project = self.hub.project.as_ref().map(|(id, _)| id.as_str());
        let fleet = view::fleet(&self.members, config_name.as_deref(), project);
        let mut notices = Vec::new();
        let (services, ingresses) = match &config {
            Some(c) => (view::services(c), view::ingresses(c)),
            None => (Vec::new(), Vec::new()),
        };
        let (admitted, wanted) = self.wanted_services(&fleet, &services, &mut notices);
        self.apply(&wanted, &mut notices).await;
        match &config {
            Some(c) => {
                ingresses::reconcile(c, &fleet, &admitted, &ingresses, &mut notices).await;
                self.reported.report(c, notices).await;
            }
            None => self.reported.clear(),
        }
    }

    /// The derived Services each member should have, by member name, and
    /// the MultiClusterServices admitted (valid and within quota).
    fn wanted_services(
        &self,
        fleet: &Fleet,
        services: &[Stored<MultiClusterService>],
        notices: &mut Vec<Notice>,
    ) -> (
        Vec<MultiClusterService>,
        BTreeMap<String, BTreeMap<ServiceKey, Wanted>>,
    ) {
        let project = quota_project(fleet).unwrap_or("the fleet project");
        let mut zones: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut admitted = Vec::new();
        let mut wanted: BTreeMap<String, BTreeMap<ServiceKey, Wanted>> = BTreeMap::new();
        for (rank, stored) in services.iter().enumerate() {
            let Some(mcs) = admit(stored, project, rank, notices, validate_mcs) else {
                continue;
            };
            let report = resolve_selection(mcs, fleet);
            for unmatched in &report.unmatched {
                notices.push(Notice::warning(
                    &stored.object,
                    "UnknownCluster",
                    unmatched.message(),
                ));
            }
            for chosen in &report.members {
                let cluster = chosen.cluster.as_str();
                match chosen.selection {
                    Selection::Selected => {
                        let zones = zones
                            .entry(cluster.to_owned())
                            .or_insert_with(|| self.zones(cluster));
                        let service = derived::service(mcs, cluster, zones);
                        let key = (mcs.namespace().to_owned(), util::name(&service).to_owned());
                        wanted.entry(cluster.to_owned()).or_default().insert(
                            key,
                            Wanted {
                                service,
                                parent: stored.object.clone(),
                            },
                        );
                    }
                    // Only a member the service links by name was meant to
                    // serve it; without spec.clusters a member lacking the
                    // namespace simply has nothing to serve (sameness).
                    Selection::Excluded {
                        reason: ExclusionReason::NamespaceMissing,
                    } if chosen.link.is_some() => notices.push(Notice::warning(
                        &stored.object,
                        "NamespaceMissing",
                        namespace_missing(mcs.namespace(), &chosen.location, cluster),
                    )),
                    _ => {}
                }
            }
            admitted.push(mcs.clone());
        }
        (admitted, wanted)
    }

    /// The zones of a member's nodes, else its location.
    fn zones(&self, cluster: &str) -> Vec<String> {
        let Some(member) = self
            .members
            .iter()
            .find(|m| m.member.name.as_str() == cluster)
        else {
            return Vec::new();
        };
        let (nodes, _) = member.cluster.store.list(util::NODES, None);
        let mut zones: Vec<String> = nodes
            .iter()
            .map(|n| util::str_at(n, "/metadata/labels/topology.kubernetes.io~1zone"))
            .filter(|z| !z.is_empty())
            .map(str::to_owned)
            .collect();
        zones.sort();
        zones.dedup();
        if zones.is_empty() && !member.member.location.is_empty() {
            zones.push(member.member.location.clone());
        }
        zones
    }

    /// Makes every reachable member's derived Services what is wanted.
    async fn apply(
        &self,
        wanted: &BTreeMap<String, BTreeMap<ServiceKey, Wanted>>,
        notices: &mut Vec<Notice>,
    ) {
        let none = BTreeMap::new();
        for member in &self.members {
            let cluster = &member.cluster;
            if cluster.is_unreachable() {
                continue;
            }
            let Some(rt) = util::rt(cluster, SERVICES) else {
                continue;
            };
            let mine = wanted.get(member.member.name.as_str()).unwrap_or(&none);
            let (services, _) = cluster.store.list(SERVICES, None);
            for svc in services
                .iter()
                .filter(|s| !s["metadata"]["labels"][DERIVED_LABEL].is_null())
            {
                let key = (
                    util::str_at(svc, "/metadata/namespace").to_owned(),
                    util::name(svc).to_owned(),
                );
                if !mine.contains_key(&key) && !util::is_deleting(svc) {
                    remove(cluster, &rt, &key).await;
                }
            }
            for ((namespace, name), want) in mine {
                let result = match cluster.store.get(SERVICES, namespace, name) {
                    None => create(cluster, &rt, namespace, &want.service).await,
                    Some(existing) if existing["metadata"]["labels"][DERIVED_LABEL].is_null() => {
                        Err(format!(
                            "a Service {namespace}/{name} not derived by multi-cluster ingress already exists"
                        ))
                    }
                    Some(existing)
                        if derived::owned_parts(&existing)
                            == derived::owned_parts(&want.service) =>
                    {
                        Ok(())
                    }
                    // The cluster IP cannot change in place.
                    Some(existing) if existing["spec"]["clusterIP"] != "None" => {
                        remove(cluster, &rt, &(namespace.clone(), name.clone())).await;
                        create(cluster, &rt, namespace, &want.service).await
                    }
                    Some(existing) => {
                        let body = derived::updated(&existing, &want.service);
                        ops::update(cluster, &rt, namespace, name, body, None, &writer())
                            .await
                            .map(drop)
                            .map_err(|e| e.message)
                    }
                };
                if let Err(message) = result {
                    notices.push(Notice::warning(
                        &want.parent,
                        "SyncError",
                        format!(
                            "derived Service {namespace}/{name} on {}: {message}",
                            cluster.name
                        ),
                    ));
                }
            }
        }
    }
}

pub(super) fn writer() -> WriteOptions {
    util::writer(MANAGER, MANAGER)
}

async fn create(
    cluster: &Cluster,
    rt: &ResourceType,
    namespace: &str,
    service: &Value,
) -> Result<(), String> {
    match ops::create(cluster, rt, namespace, service.clone(), &writer()).await {
        Ok(_) => Ok(()),
        // Made meanwhile (another pass's write landing): the next pass
        // compares it.
        Err(e) if e.code == 409 => Ok(()),
        Err(e) => Err(e.message),
    }
}

async fn remove(cluster: &Cluster, rt: &ResourceType, (namespace, name): &ServiceKey) {
    if let Err(e) = ops::delete(cluster, rt, namespace, name, &DeleteOptions::default()).await
        && e.code != 404
    {
        tracing::warn!(cluster = %cluster.name, service = %name, error = %e.message, "removing a derived Service failed");
    }
}
