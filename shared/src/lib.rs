//! Model types and pure domain logic used by both the backend (as the
//! authority) and the frontend (for instant feedback). Nothing here does I/O:
//! no kube, axum or tokio, so the crate builds for wasm32 as well as the host.

pub mod access;
pub mod action_titles;
pub mod audit;
pub mod audit_links;
pub mod auth;
pub mod csr;
pub mod diff;
pub mod duties;
pub mod error;
pub mod fleet;
pub mod ids;
pub mod ingress;
pub mod mesh;
pub mod meta;
pub mod nav;
mod newtype;
pub mod quantity;
pub mod routes;
pub mod time;
pub mod workloads;

pub use access::{Access, Action};
pub use audit::{AuditEntry, AuditFilter, AuditPage, BrokenLink, ChainReport, Outcome};
pub use auth::{
    Account, AccountName, AccountUpdate, NewAccount, Role, SessionInfo, SignIn, SignedOut,
};
pub use error::{ApiError, ErrorCode, FieldError};
pub use ids::{ClusterName, InvalidName};
pub use meta::{Health, SignInMode, VersionInfo};
pub use nav::Section;
