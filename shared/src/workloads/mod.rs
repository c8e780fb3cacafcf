//! Deploying migrated workloads (SPEC §5, seed 002), the pure part both
//! the console and the backend run: reading a `deployment_spec.yaml`, its
//! images and registries, registry access (pull secrets and how they are
//! wired, grants, ECR guidance), AWS workload identity, rollout state,
//! the image-pull doctor, and what a deploy may not reach (mesh identity,
//! CA material, the node).

pub mod access;
pub mod api;
pub mod doctor;
pub mod identity;
pub mod images;
pub mod plan;
pub mod pull_secret;
pub mod reach;
pub mod rollout;
pub mod spec;
pub mod wiring;

pub use api::{DeployRequest, Migration, MigrationStatus, Preview, PullSecretInput};
pub use images::{ImageRef, Registry, RegistryKind};
pub use spec::{DeploymentSpec, SpecIssue};
