//! The one table mapping every API endpoint to who may call it. The API
//! router is built from this table (see [`api_router`]), so an endpoint
//! cannot exist without a rule, and the route × role test walks it.
//!
//! A new endpoint is one row, e.g.
//! `e(M::POST, R::MESH_INSTALLS, Act(Action::InstallMesh), "mesh.install", || post(mesh::create_install))`:
//! its guard refuses other roles with a 403 naming the needed role, checks
//! the CSRF token, and writes the audit entry; the handler returns an
//! [`crate::audit::Detail`] naming clusters, objects and parameters.

use axum::Router;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use shared::Access;

use super::meta;
use crate::accounts::appointments;
use crate::accounts::http as accounts;
use crate::audit::http as audit;
use crate::auth::guard::{self, Guard};
use crate::auth::http as session;
use crate::auth::oidc::http as oidc;
use crate::fleet::http as fleet;
use crate::ingress;
use crate::mesh::install::http as mesh;
use crate::mesh::migration::http as migration;
use crate::mesh::waves::http as waves;
use crate::security::csr::http as csr;
use crate::security::grants::http as grants;
use crate::security::hsm::http as hsm;
use crate::security::roots::http as roots;
use crate::state::AppState;
use crate::workloads::http as workloads;

/// One endpoint: method, full path, who may call it, and the action name
/// its audit entries carry.
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub action: &'static str,
    handler: fn() -> MethodRouter<AppState>,
}

/// Every endpoint under `/api`.
#[rustfmt::skip]
pub fn endpoints() -> Vec<Endpoint> {
    use Access::{Act, Admin, Public, SignedIn};
    use shared::Action::{
        DecideCsr, DeployWorkloads as Deploy, EditIngress, InstallMesh, ManageCa, MigrateNamespaces,
    };
    use workloads::limited;
    use crate::ingress::config as ingress_config;
    use shared::ingress::{MultiClusterIngress as Mci, MultiClusterService as Mcs};
    use Method as M;
    use shared::routes as R;
    let e = |method, path, access, action, handler| Endpoint { method, path, access, action, handler };
    vec![
        e(M::GET,     R::HEALTH,           Public,    "health.read",    || get(meta::get_health)),
        e(M::GET,     R::VERSION,          Public,    "version.read",   || get(meta::get_version)),
        e(M::GET,     R::SESSION,          Public,    "session.read",   || get(session::get_session)),
        e(M::POST,    R::SESSION,          Public,    "session.create", || post(session::create_session)),
        e(M::DELETE,  R::SESSION,          SignedIn,  "session.delete", || delete(session::delete_session)),
        e(M::GET,     R::OIDC_LOGIN,       Public,    "oidc.login",     || get(oidc::start_oidc_login)),
        e(M::GET,     R::OIDC_CALLBACK,    Public,    "oidc.callback",  || get(oidc::finish_oidc_login)),
        e(M::GET,     R::ACCOUNTS,         Admin,     "account.list",   || get(accounts::list_accounts)),
        e(M::POST,    R::ACCOUNTS,         Admin,     "account.create", || post(accounts::create_account)),
        e(M::PATCH,   R::ACCOUNT,  Admin,     "account.update", || patch(accounts::update_account)),
        e(M::DELETE,  R::ACCOUNT,  Admin,     "account.delete", || delete(accounts::delete_account)),
        e(M::GET,     R::OFFICER_APPOINTMENTS, Act(ManageCa), "account.officer.list", || get(appointments::list_appointments)),
        e(M::POST,    R::OFFICER_CONFIRM, Act(ManageCa), "account.officer.confirm", || post(appointments::confirm_officer)),
        e(M::GET,     R::AUDIT,            SignedIn,  "audit.read",     || get(audit::list_audit)),
        e(M::GET,     R::AUDIT_EXPORT,     SignedIn,  "audit.export",   || get(audit::export_audit)),
        e(M::GET,     R::AUDIT_VERIFY,     SignedIn,  "audit.verify",   || get(audit::verify_audit)),
        e(M::GET,     R::FLEET,            SignedIn,  "fleet.read",     || get(fleet::get_fleet)),
        e(M::GET,     R::EVENTS,           SignedIn,  "fleet.watch",    || get(fleet::get_events)),
        e(M::GET,     R::CLUSTER,  SignedIn,  "cluster.read",   || get(fleet::get_cluster)),
        e(M::GET,     R::NAMESPACE, SignedIn, "namespace.read", || get(fleet::get_namespace)),
        e(M::GET,     R::INSTALL_CONTEXT, SignedIn, "mesh.context.read", || get(mesh::get_install_context)),
        e(M::POST,    R::CLUSTER_HSM_CHECK, Act(InstallMesh), "mesh.hsm.check", || post(hsm::check_hsm)),
        e(M::POST,    R::CLUSTER_HSM_SLOT,  Act(InstallMesh), "mesh.hsm.provision", || post(hsm::provision_hsm_slot)),
        e(M::POST,    R::MESH_PLANS,       Act(InstallMesh), "mesh.plan", || post(mesh::create_plan)),
        e(M::GET,     R::MESH_PLAN_EXPORT, SignedIn, "mesh.plan.export", || get(mesh::export_plan)),
        e(M::POST,    R::MESH_INSTALLS,    Act(InstallMesh), "mesh.install", || post(mesh::create_install)),
        e(M::GET,     R::MESH_INSTALLS,    SignedIn,  "mesh.install.list", || get(mesh::list_installs)),
        e(M::GET,     R::MESH_INSTALL, SignedIn, "mesh.install.read", || get(mesh::get_install)),
        e(M::GET,     R::MESH_INSTALL_EVENTS, SignedIn, "mesh.install.watch", || get(mesh::install_events)),
        e(M::POST,    R::MESH_MIGRATE,  Act(MigrateNamespaces), "mesh.migrate",  || post(migration::create_migration)),
        e(M::POST,    R::MESH_ROLLBACK, Act(MigrateNamespaces), "mesh.rollback", || post(migration::create_rollback)),
        e(M::POST,    R::MESH_FINISH,   Act(MigrateNamespaces), "mesh.finish",   || post(migration::create_finish)),
        e(M::GET,     R::MESH_MIGRATIONS,          SignedIn,  "mesh.migration.list",  || get(migration::list_migrations)),
        e(M::GET,     R::MESH_MIGRATION,     SignedIn,  "mesh.migration.read",  || get(migration::get_migration)),
        e(M::GET,     R::MESH_MIGRATION_EVENTS, SignedIn, "mesh.migration.watch", || get(migration::migration_events)),
        e(M::GET,     R::NAMESPACE_VERIFY, SignedIn, "namespace.verify", || get(migration::verify_namespace)),
        e(M::GET,     R::INGRESS_GATEWAY, SignedIn, "gateway.read", || get(migration::get_ingress_gateway)),
        e(M::PUT,     R::LOAD_BALANCER_IP, Act(MigrateNamespaces), "gateway.address", || put(migration::set_load_balancer_ip)),
        e(M::POST,    R::WAVE_PROPOSAL,      Act(MigrateNamespaces), "mesh.wave.propose", || post(waves::propose_waves)),
        e(M::POST,    R::WAVES,               Act(MigrateNamespaces), "mesh.wave.run",     || post(waves::create_wave_run)),
        e(M::GET,     R::WAVES,               SignedIn,  "mesh.wave.list",  || get(waves::list_wave_runs)),
        e(M::GET,     R::WAVE,          SignedIn,  "mesh.wave.read",  || get(waves::get_wave_run)),
        e(M::GET,     R::WAVE_EVENTS,   SignedIn,  "mesh.wave.watch", || get(waves::wave_run_events)),
        e(M::POST,    R::WAVE_RESUME,   Act(MigrateNamespaces), "mesh.wave.resume",   || post(waves::resume_wave_run)),
        e(M::POST,    R::WAVE_SKIP,     Act(MigrateNamespaces), "mesh.wave.skip",     || post(waves::skip_wave)),
        e(M::POST,    R::WAVE_ROLLBACK, Act(MigrateNamespaces), "mesh.wave.rollback", || post(waves::roll_back_wave)),
        e(M::POST,    R::WORKLOAD_PREVIEW, Act(Deploy), "workload.preview", || limited(post(workloads::preview_workload))),
        e(M::POST,    R::WORKLOAD_TAKEOVER, Act(Deploy), "workload.takeover", || limited(post(workloads::take_over_objects))),
        e(M::GET,     R::WORKLOAD_MIGRATIONS, SignedIn, "migration.list", || get(workloads::list_migrations)),
        e(M::POST,    R::WORKLOAD_MIGRATIONS, Act(Deploy), "workload.deploy", || limited(post(workloads::create_migration))),
        e(M::GET,     R::WORKLOAD_MIGRATION, SignedIn, "migration.read", || get(workloads::get_migration)),
        e(M::DELETE,  R::WORKLOAD_MIGRATION, Act(Deploy), "workload.delete", || delete(workloads::delete_migration)),
        e(M::GET,     R::WORKLOAD_DOCTOR, SignedIn, "migration.doctor", || get(workloads::get_migration_doctor)),
        e(M::POST,    R::WORKLOAD_REGISTRY_ACCESS, Act(Deploy), "workload.registry_access", || limited(post(workloads::set_registry_access))),
        e(M::GET,     R::INGRESS_SERVICES, SignedIn,  "ingress.service.list", || get(ingress::list_services)),
        e(M::POST,    R::INGRESS_SERVICE_REVIEW, Act(EditIngress), "ingress.service.review", || post(ingress::review_resource::<Mcs>)),
        e(M::GET,     R::INGRESS_SERVICE, SignedIn, "ingress.service.read", || get(ingress::get_resource::<Mcs>)),
        e(M::PUT,     R::INGRESS_SERVICE, Act(EditIngress), "ingress.service.apply", || put(ingress::apply_resource::<Mcs>)),
        e(M::DELETE,  R::INGRESS_SERVICE, Act(EditIngress), "ingress.service.delete", || delete(ingress::delete_resource::<Mcs>)),
        e(M::POST,    R::INGRESS_SERVICE_TAKEOVER, Act(EditIngress), "ingress.service.take_over", || post(ingress::take_over_resource::<Mcs>)),
        e(M::GET,     R::INGRESS_INGRESSES, SignedIn, "ingress.ingress.list", || get(ingress::list_ingresses)),
        e(M::POST,    R::INGRESS_INGRESS_REVIEW, Act(EditIngress), "ingress.ingress.review", || post(ingress::review_resource::<Mci>)),
        e(M::GET,     R::INGRESS_INGRESS, SignedIn, "ingress.ingress.read", || get(ingress::get_resource::<Mci>)),
        e(M::PUT,     R::INGRESS_INGRESS, Act(EditIngress), "ingress.ingress.apply", || put(ingress::apply_resource::<Mci>)),
        e(M::DELETE,  R::INGRESS_INGRESS, Act(EditIngress), "ingress.ingress.delete", || delete(ingress::delete_resource::<Mci>)),
        e(M::POST,    R::INGRESS_INGRESS_TAKEOVER, Act(EditIngress), "ingress.ingress.take_over", || post(ingress::take_over_resource::<Mci>)),
        e(M::GET,     R::CONFIG_CLUSTER, SignedIn, "ingress.config.read", || get(ingress_config::get_config_cluster)),
        e(M::POST,    R::CONFIG_COMPARE, SignedIn, "ingress.config.compare", || post(ingress_config::compare_config_cluster)),
        e(M::POST,    R::CONFIG_COPY, Act(EditIngress), "ingress.config.copy", || post(ingress_config::copy_to_config_candidate)),
        e(M::POST,    R::CONFIG_SWITCH, Act(EditIngress), "ingress.config.switch", || post(ingress_config::switch_config_cluster)),
        e(M::GET,     R::CSRS,                     SignedIn,  "csr.list",    || get(csr::list_csrs)),
        e(M::GET,     R::CSR_COUNT,               SignedIn,  "csr.count",   || get(csr::count_csrs)),
        e(M::GET,     R::CSR,    SignedIn,  "csr.read",    || get(csr::get_csr_pem)),
        e(M::POST,    R::CSR_APPROVE, Act(DecideCsr), "csr.approve", || post(csr::approve_csr)),
        e(M::POST,    R::CSR_DENY,    Act(DecideCsr), "csr.deny",    || post(csr::deny_csr)),
        e(M::POST,    R::CSR_CHAIN,   Act(DecideCsr), "csr.upload",  || post(csr::upload_csr_chain)),
        e(M::GET,     R::TRUST,                    SignedIn,  "trust.read",  || get(csr::get_trust)),
        e(M::GET,     R::CA_ROOTS,       SignedIn,      "ca.root.list",   || get(roots::list_roots)),
        e(M::POST,    R::CA_ROOTS,       Act(ManageCa), "ca.root.create", || post(roots::create_root)),
        e(M::POST,    R::CA_ROOT_IMPORT, Act(ManageCa), "ca.root.import", || post(roots::import_root)),
        e(M::POST,    R::CA_ROOT_RETIRE, Act(ManageCa), "ca.root.retire", || post(roots::retire_root)),
        e(M::POST,    R::CA_ROOT_ROTATE, Act(ManageCa), "ca.root.rotate", || post(roots::rotate_root)),
        e(M::POST,    R::CA_ROOT_PUBLISH, Act(ManageCa), "ca.root.publish", || post(roots::publish_bundle)),
        e(M::GET,     R::CA_GRANTS,        SignedIn,      "ca.grant.list",    || get(grants::list_grants)),
        e(M::POST,    R::CA_GRANTS,        Act(ManageCa), "ca.grant.propose", || post(grants::propose_grant)),
        e(M::POST,    R::CA_GRANT_APPROVE, Act(ManageCa), "ca.grant.approve", || post(grants::approve_grant)),
        e(M::POST,    R::CA_GRANT_REVOKE,  Act(ManageCa), "ca.grant.revoke",  || post(grants::revoke_grant)),
    ]
}

/// The `/api` router: each endpoint's handler behind the guard that
/// enforces its rule.
pub fn api_router(state: &AppState) -> Router<AppState> {
    endpoints()
        .into_iter()
        .fold(Router::new(), |router, endpoint| {
            let path = endpoint
                .path
                .strip_prefix(shared::routes::API_PREFIX)
                .unwrap_or(endpoint.path);
            let guard = Guard {
                state: state.clone(),
                access: endpoint.access,
                action: endpoint.action,
            };
            let handler = (endpoint.handler)()
                .route_layer(axum::middleware::from_fn_with_state(guard, guard::check));
            router.route(path, handler)
        })
}
