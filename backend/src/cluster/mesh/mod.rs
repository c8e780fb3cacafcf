//! What the mesh jobs read and change on a member's control plane: istiod
//! and its Services, webhooks and Secrets (install), who still uses a
//! revision and removing one (migration), and the ingress gateway's
//! external address, a namespace's workloads (relabel, rolling restarts,
//! waiting until they settle) and its verification. The jobs'
//! orchestration lives in `crate::mesh`.

mod calls;
pub mod control_plane;
pub mod error;
pub mod gateway;
pub mod inspect;
pub mod verify;
pub mod workload;

/// The rollout number the Deployment controller stamps on a Deployment
/// and on each of its ReplicaSets.
pub const ROLLOUT_REVISION: &str = "deployment.kubernetes.io/revision";
