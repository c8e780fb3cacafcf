//! Paths of the console's HTTP API, named once for both sides.

/// Prefix of every API route; everything else is the single-page app.
pub const API_PREFIX: &str = "/api";
pub const HEALTH: &str = "/api/health";
pub const VERSION: &str = "/api/version";
/// `POST` signs in, `GET` says who is signed in (`null`: nobody),
/// `DELETE` signs out.
pub const SESSION: &str = "/api/session";
/// `GET` lists accounts, `POST` creates one (admin capability).
pub const ACCOUNTS: &str = "/api/accounts";
/// `PATCH` changes one account's role or admin flag, `DELETE` removes it
/// (admin capability).
pub fn account(name: &str) -> String {
    format!("{ACCOUNTS}/{name}")
}
/// `GET` one page of the audit log, newest first.
pub const AUDIT: &str = "/api/audit";
/// `GET` the filtered audit log as JSON lines.
pub const AUDIT_EXPORT: &str = "/api/audit/export";
/// `GET` a check of the audit log's hash chain.
pub const AUDIT_VERIFY: &str = "/api/audit/verify";

/// `GET` the fleet snapshot ([`crate::fleet::Fleet`]) with its version.
pub const FLEET: &str = "/api/fleet";
/// `GET` Server-Sent Events: `delta` events ([`crate::fleet::FleetDelta`],
/// id = version) after the version in `Last-Event-ID` or `?since=`, or one
/// `reload` event ([`crate::fleet::ReloadNotice`]) for a client too far
/// behind.
pub const EVENTS: &str = "/api/events";
/// `GET` one member cluster ([`crate::fleet::Cluster`]).
pub fn cluster(name: &str) -> String {
    format!("/api/clusters/{name}")
}
/// `GET` one namespace of a member and its pods
/// ([`crate::fleet::NamespaceDetail`]).
pub fn namespace(cluster: &str, namespace: &str) -> String {
    format!("/api/clusters/{cluster}/namespaces/{namespace}")
}

/// `POST` a [`crate::workloads::DeployRequest`] for its
/// [`crate::workloads::Preview`] (a server-side dry run).
pub const WORKLOAD_PREVIEW: &str = "/api/workloads/preview";
/// `GET` every migration with its live rollout, `POST` a
/// [`crate::workloads::DeployRequest`] to deploy it.
pub const MIGRATIONS: &str = "/api/workloads/migrations";
/// `GET` one migration's live rollout, `DELETE` what it applied.
pub fn migration(id: &str) -> String {
    format!("{MIGRATIONS}/{id}")
}
/// `GET` the image-pull doctor's report on a migration's stuck pods.
pub fn migration_doctor(id: &str) -> String {
    format!("{MIGRATIONS}/{id}/doctor")
}
/// `POST` a pull secret for a deployed migration (the doctor's fix).
pub fn migration_registry_access(id: &str) -> String {
    format!("{MIGRATIONS}/{id}/registry-access")
}

/// The HttpOnly session cookie.
pub const SESSION_COOKIE: &str = "meshdeck_session";
/// Mutating requests carry the session's CSRF token
/// ([`crate::SessionInfo::csrf_token`]) in this header.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// `GET` the pending certificate signing requests across the fleet
/// ([`crate::csr::InboxItem`]).
pub const CSRS: &str = "/api/csrs";
/// `GET` how many requests wait ([`crate::csr::CsrCount`]).
pub const CSR_COUNT: &str = "/api/csrs/count";
/// `GET` every member's trust anchors ([`crate::csr::TrustInventory`]).
pub const TRUST: &str = "/api/trust";
/// `GET` the request as PEM; `POST …/approve`, `…/deny`, `…/chain` decide it.
pub fn csr(cluster: &str, name: &str) -> String {
    format!("{CSRS}/{cluster}/{name}")
}
