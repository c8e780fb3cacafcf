//! The controllers that make a simulated cluster behave: the parts that
//! kube-controller-manager, kube-scheduler and the kubelets play in a real
//! cluster (and, for meshes, istiod's sidecar injector; for Services of type
//! LoadBalancer, the cloud's or on-prem load balancer). Each reacts to the
//! cluster's store events and writes back through [`crate::ops`], so clients
//! see the same objects, versions and watch events a real cluster produces.

mod daemonset;
mod deployment;
mod deployment_status;
mod endpoints;
pub(crate) mod events;
pub mod injection;
mod kubelet;
mod load_balancer;
pub mod quantity;
mod replicaset;
mod rollout;
mod runtime;
mod scheduler;
mod statefulset;
pub mod template;
pub(crate) mod util;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::cluster::Cluster;

/// How long the simulated steps take. Short by default, so tests and demos
/// see rollouts finish quickly while every intermediate state still exists.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// From creation to the scheduler's decision.
    pub schedule: Duration,
    /// Pulling images and creating containers (`ContainerCreating`).
    pub pull: Duration,
    /// From containers started to the pod reported Ready.
    pub ready: Duration,
    /// How often every controller re-examines all its objects, as informer
    /// resyncs do.
    pub resync: Duration,
    /// The first image-pull backoff (doubling per failure up to 8×), and
    /// how often an unready istiod is probed again.
    pub pull_backoff: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            schedule: Duration::from_millis(10),
            pull: Duration::from_millis(30),
            ready: Duration::from_millis(20),
            resync: Duration::from_secs(30),
            pull_backoff: Duration::from_millis(400),
        }
    }
}

/// Starts every controller for `cluster` with the default [`Timing`]. The
/// tasks run until aborted.
pub fn spawn(cluster: Arc<Cluster>) -> Vec<JoinHandle<()>> {
    spawn_with(cluster, Timing::default())
}

/// Starts every controller for `cluster` with the given timing.
pub fn spawn_with(cluster: Arc<Cluster>, timing: Timing) -> Vec<JoinHandle<()>> {
    vec![
        tokio::spawn(runtime::run(
            cluster.clone(),
            deployment::DeploymentController,
            timing,
        )),
        tokio::spawn(runtime::run(
            cluster.clone(),
            replicaset::ReplicaSetController,
            timing,
        )),
        tokio::spawn(runtime::run(
            cluster.clone(),
            scheduler::Scheduler::new(timing),
            timing,
        )),
        tokio::spawn(runtime::run(
            cluster.clone(),
            kubelet::Kubelet::new(timing),
            timing,
        )),
        tokio::spawn(runtime::run(
            cluster.clone(),
            endpoints::EndpointsController,
            timing,
        )),
        tokio::spawn(runtime::run(
            cluster.clone(),
            load_balancer::LoadBalancerController,
            timing,
        )),
        tokio::spawn(runtime::run(
            cluster.clone(),
            daemonset::DaemonSetController,
            timing,
        )),
        tokio::spawn(runtime::run(
            cluster,
            statefulset::StatefulSetController,
            timing,
        )),
    ]
}
