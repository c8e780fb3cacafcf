//! Paths of the console's HTTP API, named once for both sides: each path is
//! a template in axum's `{param}` syntax, which the backend's endpoint table
//! routes as it is and the browser fills with [`fill`].

mod fill;

pub use fill::{
    account, ca_grant_approve, ca_grant_revoke, ca_root_publish, ca_root_retire, ca_root_rotate,
    csr, fill, params,
};

/// Prefix of every API route; everything else is the single-page app.
pub const API_PREFIX: &str = "/api";

/// The HttpOnly session cookie.
pub const SESSION_COOKIE: &str = "meshdeck_session";
/// Mutating requests carry the session's CSRF token
/// ([`crate::SessionInfo::csrf_token`]) in this header.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// `GET` whether the console runs ([`crate::Health`]).
pub const HEALTH: &str = "/api/health";
/// `GET` the OpenAPI 3.1 document of this API.
pub const OPENAPI: &str = "/api/openapi.json";
/// `GET` its version ([`crate::VersionInfo`]).
pub const VERSION: &str = "/api/version";
/// `POST` signs in, `GET` says who is signed in (`null`: nobody),
/// `DELETE` signs out.
pub const SESSION: &str = "/api/session";
/// `GET` sends the browser to the OpenID provider's sign-in.
pub const OIDC_LOGIN: &str = "/api/oidc/login";
/// `GET` where the OpenID provider sends the browser back (`?code=&state=`).
pub const OIDC_CALLBACK: &str = "/api/oidc/callback";
/// `GET` lists accounts, `POST` creates one (admin capability).
pub const ACCOUNTS: &str = "/api/accounts";
/// `PATCH` changes one account's role or admin flag, `DELETE` removes it
/// (admin capability).
pub const ACCOUNT: &str = "/api/accounts/{name}";
/// `GET` the security officers appointed through the console and who
/// confirmed each ([`crate::duties::OfficerAppointments`]).
pub const OFFICER_APPOINTMENTS: &str = "/api/officer-appointments";
/// `POST` a second security officer confirms this account's appointment.
pub const OFFICER_CONFIRM: &str = "/api/officer-appointments/{name}/confirm";
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
pub const CLUSTER: &str = "/api/clusters/{name}";
/// `GET` one namespace of a member and its pods
/// ([`crate::fleet::NamespaceDetail`]).
pub const NAMESPACE: &str = "/api/clusters/{name}/namespaces/{namespace}";
/// `GET` pods per revision in a namespace and the stragglers
/// (`?revision=`).
pub const NAMESPACE_VERIFY: &str = "/api/clusters/{name}/namespaces/{namespace}/verify";
/// `GET` what preflight reads from a cluster
/// ([`crate::mesh::InstallContext`]).
pub const INSTALL_CONTEXT: &str = "/api/clusters/{name}/install-context";
/// `POST` whether istiod could use the HSM settings.
pub const CLUSTER_HSM_CHECK: &str = "/api/clusters/{name}/hsm/check";
/// `POST` provisions the cluster's HSM slot, its Vault credentials and KEK.
pub const CLUSTER_HSM_SLOT: &str = "/api/clusters/{name}/hsm/slot";
/// `GET` the ingress gateway Service and its NodePort mapping
/// (`?vip=&format=`).
pub const INGRESS_GATEWAY: &str = "/api/clusters/{name}/ingress-gateway";
/// `PUT` the ingress gateway's load balancer address.
pub const LOAD_BALANCER_IP: &str = "/api/clusters/{name}/ingress-gateway/load-balancer-ip";

/// `POST` a plan request for its review against the live cluster.
pub const MESH_PLANS: &str = "/api/mesh/plans";
/// `GET` a reviewed plan as YAML (`?format=`).
pub const MESH_PLAN_EXPORT: &str = "/api/mesh/plans/{id}/export";
/// `POST` a member selector: the members it covers (changes nothing).
pub const FLEET_PLAN_SELECTION: &str = "/api/mesh/fleet-plans/selection";
/// `POST` reviews an install on every selected member.
pub const FLEET_PLANS: &str = "/api/mesh/fleet-plans";
/// `GET` one fleet plan.
pub const FLEET_PLAN: &str = "/api/mesh/fleet-plans/{id}";
/// `PUT` the members a fleet plan leaves out.
pub const FLEET_PLAN_EXCLUDED: &str = "/api/mesh/fleet-plans/{id}/excluded";
/// `GET` a fleet plan as one YAML file.
pub const FLEET_PLAN_EXPORT: &str = "/api/mesh/fleet-plans/{id}/export";
/// `GET` every install run, `POST` starts one.
pub const MESH_INSTALLS: &str = "/api/mesh/installs";
/// `GET` one install run's progress now.
pub const MESH_INSTALL: &str = "/api/mesh/installs/{id}";
/// `GET` the install run's progress stream.
pub const MESH_INSTALL_EVENTS: &str = "/api/mesh/installs/{id}/events";
/// `POST` starts migrating one namespace to a revision.
pub const MESH_MIGRATE: &str = "/api/mesh/migrations/migrate";
/// `POST` starts rolling one namespace back.
pub const MESH_ROLLBACK: &str = "/api/mesh/migrations/rollback";
/// `POST` deletes a revision's control plane from a cluster.
pub const MESH_FINISH: &str = "/api/mesh/migrations/finish";
/// `GET` what a finish would delete and keep (`?cluster=&revision=`).
pub const MESH_FINISH_PREVIEW: &str = "/api/mesh/migrations/finish/preview";
/// `GET` every namespace migration run.
pub const MESH_MIGRATIONS: &str = "/api/mesh/migrations";
/// `GET` one migration run now.
pub const MESH_MIGRATION: &str = "/api/mesh/migrations/{id}";
/// `GET` the migration run's progress stream.
pub const MESH_MIGRATION_EVENTS: &str = "/api/mesh/migrations/{id}/events";
/// `POST` the waves a selection would run.
pub const WAVE_PROPOSAL: &str = "/api/mesh/waves/proposal";
/// `GET` every wave run, `POST` starts one.
pub const WAVES: &str = "/api/mesh/waves";
/// `GET` one wave run.
pub const WAVE: &str = "/api/mesh/waves/{id}";
/// `GET` the wave run's progress stream.
pub const WAVE_EVENTS: &str = "/api/mesh/waves/{id}/events";
/// `POST` resumes a paused wave run.
pub const WAVE_RESUME: &str = "/api/mesh/waves/{id}/resume";
/// `POST` skips a paused wave run's failed wave.
pub const WAVE_SKIP: &str = "/api/mesh/waves/{id}/skip";
/// `POST` rolls a paused wave run's wave back.
pub const WAVE_ROLLBACK: &str = "/api/mesh/waves/{id}/rollback";

/// `POST` a [`crate::workloads::DeployRequest`] for its
/// [`crate::workloads::Preview`] (a server-side dry run).
pub const WORKLOAD_PREVIEW: &str = "/api/workloads/preview";
/// `POST` a [`crate::workloads::api::TakeoverRequest`]: deploy, taking
/// over the confirmed objects other field managers own (forced apply).
pub const WORKLOAD_TAKEOVER: &str = "/api/workloads/takeover";
/// `GET` every migration with its live rollout, `POST` a
/// [`crate::workloads::DeployRequest`] to deploy it.
pub const WORKLOAD_MIGRATIONS: &str = "/api/workloads/migrations";
/// `GET` one migration's live rollout, `DELETE` what it applied.
pub const WORKLOAD_MIGRATION: &str = "/api/workloads/migrations/{id}";
/// `GET` the image-pull doctor's report on a migration's stuck pods.
pub const WORKLOAD_DOCTOR: &str = "/api/workloads/migrations/{id}/doctor";
/// `POST` a pull secret for a deployed migration (the doctor's fix).
pub const WORKLOAD_REGISTRY_ACCESS: &str = "/api/workloads/migrations/{id}/registry-access";

/// `GET` the MultiClusterServices of the config cluster
/// ([`crate::ingress::api::McsList`]).
pub const INGRESS_SERVICES: &str = "/api/ingress/services";
/// `POST` a MultiClusterService to review it
/// ([`crate::ingress::api::ReviewedChange`], or a 400 [`crate::ApiError`]
/// with the errors on their fields).
pub const INGRESS_SERVICE_REVIEW: &str = "/api/ingress/services/review";
/// `GET` one MultiClusterService with its preview, `PUT` applies an
/// [`crate::ingress::api::ApplyRequest`] (409 with the fresh diff if it
/// changed since its review), `DELETE` deletes it (`?resource_version=`,
/// [`crate::ingress::api::DeleteQuery`], refuses it if it changed).
pub const INGRESS_SERVICE: &str = "/api/ingress/services/{namespace}/{name}";
/// `POST` an [`crate::ingress::api::ApplyRequest`] to take a
/// MultiClusterService over: applied forcing the fields other field
/// managers own, still only if it is the version the request names (the
/// one the refused apply's 409 showed). Confirmed and audited.
pub const INGRESS_SERVICE_TAKEOVER: &str = "/api/ingress/services/{namespace}/{name}/take-over";
/// `GET` the MultiClusterIngresses of the config cluster
/// ([`crate::ingress::api::MciList`]).
pub const INGRESS_INGRESSES: &str = "/api/ingress/ingresses";
/// `POST` a MultiClusterIngress to review it.
pub const INGRESS_INGRESS_REVIEW: &str = "/api/ingress/ingresses/review";
/// `GET` one MultiClusterIngress with its preview, `PUT` applies it,
/// `DELETE` deletes it.
pub const INGRESS_INGRESS: &str = "/api/ingress/ingresses/{namespace}/{name}";
/// `POST` an [`crate::ingress::api::ApplyRequest`] to take a
/// MultiClusterIngress over (as [`INGRESS_SERVICE_TAKEOVER`]).
pub const INGRESS_INGRESS_TAKEOVER: &str = "/api/ingress/ingresses/{namespace}/{name}/take-over";
/// `GET` which member is the config cluster.
pub const CONFIG_CLUSTER: &str = "/api/ingress/config-cluster";
/// `POST` a switch request: the comparison with a candidate.
pub const CONFIG_COMPARE: &str = "/api/ingress/config-cluster/compare";
/// `POST` a switch request: copy the resources to the candidate.
pub const CONFIG_COPY: &str = "/api/ingress/config-cluster/copy";
/// `POST` a switch request: make the candidate the config cluster.
pub const CONFIG_SWITCH: &str = "/api/ingress/config-cluster/switch";

/// `GET` the pending certificate signing requests across the fleet
/// ([`crate::csr::InboxItem`]).
pub const CSRS: &str = "/api/csrs";
/// `GET` how many requests wait ([`crate::csr::CsrCount`]).
pub const CSR_COUNT: &str = "/api/csrs/count";
/// `GET` the decided requests of the last `?days=` days (default 7, at
/// most 90), newest first ([`crate::csr::CsrHistory`]).
pub const CSR_HISTORY: &str = "/api/csrs/history";
/// `GET` the request as PEM.
pub const CSR: &str = "/api/csrs/{cluster}/{name}";
/// `POST` approves the request (the console's CA signs it).
pub const CSR_APPROVE: &str = "/api/csrs/{cluster}/{name}/approve";
/// `POST` denies the request, with a reason.
pub const CSR_DENY: &str = "/api/csrs/{cluster}/{name}/deny";
/// `POST` the chain an offline CA issued for the request.
pub const CSR_CHAIN: &str = "/api/csrs/{cluster}/{name}/chain";
/// `GET` every member's trust anchors ([`crate::csr::TrustInventory`]).
pub const TRUST: &str = "/api/trust";
/// `GET` the mesh roots ([`crate::csr::MeshRoots`]); `POST` creates one in
/// the token ([`crate::csr::CreateRoot`], security officers only).
pub const CA_ROOTS: &str = "/api/ca/roots";
/// `POST` imports a root certificate whose key the HSM already holds
/// ([`crate::csr::ImportRoot`], security officers only).
pub const CA_ROOT_IMPORT: &str = "/api/ca/roots/import";
/// `POST` retires the root with this SHA-256 fingerprint.
pub const CA_ROOT_RETIRE: &str = "/api/ca/roots/{fingerprint}/retire";
/// `POST` rotates the signing root with this fingerprint
/// ([`crate::csr::RootRotated`]).
pub const CA_ROOT_ROTATE: &str = "/api/ca/roots/{fingerprint}/rotate";
/// `POST` publishes the trust bundle of this root's mesh to its members
/// ([`crate::csr::BundlePublished`]).
pub const CA_ROOT_PUBLISH: &str = "/api/ca/roots/{fingerprint}/publish";
/// `GET` the issuance grants ([`crate::csr::IssuanceGrants`]); `POST`
/// proposes one ([`crate::csr::ProposeGrant`], security officers only).
pub const CA_GRANTS: &str = "/api/ca/grants";
/// `POST` another officer agrees to the grant with this id.
pub const CA_GRANT_APPROVE: &str = "/api/ca/grants/{id}/approve";
/// `POST` ends the grant with this id.
pub const CA_GRANT_REVOKE: &str = "/api/ca/grants/{id}/revoke";

/// Every path template above, for tests that hold both sides to them.
pub const TEMPLATES: &[&str] = &[
    HEALTH,
    OPENAPI,
    VERSION,
    SESSION,
    OIDC_LOGIN,
    OIDC_CALLBACK,
    ACCOUNTS,
    ACCOUNT,
    OFFICER_APPOINTMENTS,
    OFFICER_CONFIRM,
    AUDIT,
    AUDIT_EXPORT,
    AUDIT_VERIFY,
    FLEET,
    EVENTS,
    CLUSTER,
    NAMESPACE,
    NAMESPACE_VERIFY,
    INSTALL_CONTEXT,
    CLUSTER_HSM_CHECK,
    CLUSTER_HSM_SLOT,
    INGRESS_GATEWAY,
    LOAD_BALANCER_IP,
    MESH_PLANS,
    MESH_PLAN_EXPORT,
    FLEET_PLAN_SELECTION,
    FLEET_PLANS,
    FLEET_PLAN,
    FLEET_PLAN_EXCLUDED,
    FLEET_PLAN_EXPORT,
    MESH_INSTALLS,
    MESH_INSTALL,
    MESH_INSTALL_EVENTS,
    MESH_MIGRATE,
    MESH_ROLLBACK,
    MESH_FINISH,
    MESH_FINISH_PREVIEW,
    MESH_MIGRATIONS,
    MESH_MIGRATION,
    MESH_MIGRATION_EVENTS,
    WAVE_PROPOSAL,
    WAVES,
    WAVE,
    WAVE_EVENTS,
    WAVE_RESUME,
    WAVE_SKIP,
    WAVE_ROLLBACK,
    WORKLOAD_PREVIEW,
    WORKLOAD_TAKEOVER,
    WORKLOAD_MIGRATIONS,
    WORKLOAD_MIGRATION,
    WORKLOAD_DOCTOR,
    WORKLOAD_REGISTRY_ACCESS,
    INGRESS_SERVICES,
    INGRESS_SERVICE_REVIEW,
    INGRESS_SERVICE,
    INGRESS_SERVICE_TAKEOVER,
    INGRESS_INGRESSES,
    INGRESS_INGRESS_REVIEW,
    INGRESS_INGRESS,
    INGRESS_INGRESS_TAKEOVER,
    CONFIG_CLUSTER,
    CONFIG_COMPARE,
    CONFIG_COPY,
    CONFIG_SWITCH,
    CSRS,
    CSR_COUNT,
    CSR_HISTORY,
    CSR,
    CSR_APPROVE,
    CSR_DENY,
    CSR_CHAIN,
    TRUST,
    CA_ROOTS,
    CA_ROOT_IMPORT,
    CA_ROOT_RETIRE,
    CA_ROOT_ROTATE,
    CA_ROOT_PUBLISH,
    CA_GRANTS,
    CA_GRANT_APPROVE,
    CA_GRANT_REVOKE,
];
