//! Simulated member clusters speaking the Kubernetes REST API over TLS on
//! loopback: meshdeck's embedded default fleet and its test bed. Real clients
//! (kubectl, the kube crate) are the judges of its compatibility.

pub mod admin;
pub mod api;
pub mod clock;
pub mod cluster;
pub mod controllers;
pub mod faults;
pub mod fleet;
pub mod hsm_access;
pub mod ingress;
pub mod kubeconfig;
pub mod loopback;
pub mod ops;
pub mod rbac;
pub mod resources;
pub mod restricted;
pub mod scale;
pub mod scenario;
pub mod selectors;
pub mod service_account_tokens;
pub mod status;
pub mod store;
pub mod tls;

pub use cluster::Cluster;
pub use fleet::{Fleet, FleetOptions, Member};
pub use hsm_access::SandboxHsm;
