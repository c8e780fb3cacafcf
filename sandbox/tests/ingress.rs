//! Multi-cluster ingress judged through the kube crate on the default
//! fleet (config cluster gke-us; namespace blue on gke-us, gke-eu,
//! gke-asia-1 and onprem-vmware-1, not on gke-asia-2 or baremetal-1):
//! derived Services follow the config cluster's MultiClusterServices and
//! their links, ingresses get VIPs, problems become Warning Events, and the
//! fleet API switches the config cluster.
//!
//! The tests live in `ingress/`: derived Services and their warnings,
//! ingresses (VIPs, backends, quota), and the config cluster's switch.

mod common;
#[path = "ingress/support.rs"]
mod support;

#[path = "ingress/config_cluster.rs"]
mod config_cluster;
#[path = "ingress/derived.rs"]
mod derived;
#[path = "ingress/ingresses.rs"]
mod ingresses;
