//! The one table mapping every API endpoint to who may call it. The API
//! router is built from this table (see [`api_router`]), so an endpoint
//! cannot exist without a rule, and the route × role test walks it.
//!
//! A new endpoint is one row, e.g.
//! `e(M::POST, "/api/mesh/installs", Act(Action::InstallMesh), "mesh.install", || post(mesh::create_install))`:
//! its guard refuses other roles with a 403 naming the needed role, checks
//! the CSRF token, and writes the audit entry; the handler returns an
//! [`crate::audit::Detail`] naming clusters, objects and parameters.

use axum::Router;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use shared::Access;

use super::meta;
use crate::accounts::http as accounts;
use crate::audit::http as audit;
use crate::auth::guard::{self, Guard};
use crate::auth::http as session;
use crate::fleet::http as fleet;
use crate::ingress;
use crate::mesh::install::http as mesh;
use crate::mesh::migration::http as migration;
use crate::mesh::waves::http as waves;
use crate::security::csr::http as csr;
use crate::security::hsm::http as hsm;
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
        DecideCsr, DeployWorkloads as Deploy, EditIngress, InstallMesh, MigrateNamespaces,
    };
    use workloads::limited;
    use crate::ingress::config as ingress_config;
    use Method as M;
    let e = |method, path, access, action, handler| Endpoint { method, path, access, action, handler };
    vec![
        e(M::GET,     "/api/health",           Public,    "health.read",    || get(meta::get_health)),
        e(M::GET,     "/api/version",          Public,    "version.read",   || get(meta::get_version)),
        e(M::GET,     "/api/session",          Public,    "session.read",   || get(session::get_session)),
        e(M::POST,    "/api/session",          Public,    "session.create", || post(session::create_session)),
        e(M::DELETE,  "/api/session",          SignedIn,  "session.delete", || delete(session::delete_session)),
        e(M::GET,     "/api/accounts",         Admin,     "account.list",   || get(accounts::list_accounts)),
        e(M::POST,    "/api/accounts",         Admin,     "account.create", || post(accounts::create_account)),
        e(M::PATCH,   "/api/accounts/{name}",  Admin,     "account.update", || patch(accounts::update_account)),
        e(M::DELETE,  "/api/accounts/{name}",  Admin,     "account.delete", || delete(accounts::delete_account)),
        e(M::GET,     "/api/audit",            SignedIn,  "audit.read",     || get(audit::list_audit)),
        e(M::GET,     "/api/audit/export",     SignedIn,  "audit.export",   || get(audit::export_audit)),
        e(M::GET,     "/api/audit/verify",     SignedIn,  "audit.verify",   || get(audit::verify_audit)),
        e(M::GET,     "/api/fleet",            SignedIn,  "fleet.read",     || get(fleet::get_fleet)),
        e(M::GET,     "/api/events",           SignedIn,  "fleet.watch",    || get(fleet::get_events)),
        e(M::GET,     "/api/clusters/{name}",  SignedIn,  "cluster.read",   || get(fleet::get_cluster)),
        e(M::GET,     "/api/clusters/{name}/namespaces/{namespace}", SignedIn, "namespace.read", || get(fleet::get_namespace)),
        e(M::GET,     "/api/clusters/{name}/install-context", SignedIn, "mesh.context.read", || get(mesh::get_install_context)),
        e(M::POST,    "/api/clusters/{name}/hsm/check", Act(InstallMesh), "mesh.hsm.check", || post(hsm::check_hsm)),
        e(M::POST,    "/api/clusters/{name}/hsm/slot",  Act(InstallMesh), "mesh.hsm.provision", || post(hsm::provision_hsm_slot)),
        e(M::POST,    "/api/mesh/plans",       Act(InstallMesh), "mesh.plan", || post(mesh::create_plan)),
        e(M::GET,     "/api/mesh/plans/{id}/export", SignedIn, "mesh.plan.export", || get(mesh::export_plan)),
        e(M::POST,    "/api/mesh/installs",    Act(InstallMesh), "mesh.install", || post(mesh::create_install)),
        e(M::GET,     "/api/mesh/installs",    SignedIn,  "mesh.install.list", || get(mesh::list_installs)),
        e(M::GET,     "/api/mesh/installs/{id}", SignedIn, "mesh.install.read", || get(mesh::get_install)),
        e(M::GET,     "/api/mesh/installs/{id}/events", SignedIn, "mesh.install.watch", || get(mesh::install_events)),
        e(M::POST,    "/api/mesh/migrations/migrate",  Act(MigrateNamespaces), "mesh.migrate",  || post(migration::create_migration)),
        e(M::POST,    "/api/mesh/migrations/rollback", Act(MigrateNamespaces), "mesh.rollback", || post(migration::create_rollback)),
        e(M::POST,    "/api/mesh/migrations/finish",   Act(MigrateNamespaces), "mesh.finish",   || post(migration::create_finish)),
        e(M::GET,     "/api/mesh/migrations",          SignedIn,  "mesh.migration.list",  || get(migration::list_migrations)),
        e(M::GET,     "/api/mesh/migrations/{id}",     SignedIn,  "mesh.migration.read",  || get(migration::get_migration)),
        e(M::GET,     "/api/mesh/migrations/{id}/events", SignedIn, "mesh.migration.watch", || get(migration::migration_events)),
        e(M::GET,     "/api/clusters/{name}/namespaces/{namespace}/verify", SignedIn, "namespace.verify", || get(migration::verify_namespace)),
        e(M::GET,     "/api/clusters/{name}/ingress-gateway", SignedIn, "gateway.read", || get(migration::get_ingress_gateway)),
        e(M::PUT,     "/api/clusters/{name}/ingress-gateway/load-balancer-ip", Act(MigrateNamespaces), "gateway.address", || put(migration::set_load_balancer_ip)),
        e(M::POST,    "/api/mesh/waves/proposal",      Act(MigrateNamespaces), "mesh.wave.propose", || post(waves::propose_waves)),
        e(M::POST,    "/api/mesh/waves",               Act(MigrateNamespaces), "mesh.wave.run",     || post(waves::create_wave_run)),
        e(M::GET,     "/api/mesh/waves",               SignedIn,  "mesh.wave.list",  || get(waves::list_wave_runs)),
        e(M::GET,     "/api/mesh/waves/{id}",          SignedIn,  "mesh.wave.read",  || get(waves::get_wave_run)),
        e(M::GET,     "/api/mesh/waves/{id}/events",   SignedIn,  "mesh.wave.watch", || get(waves::wave_run_events)),
        e(M::POST,    "/api/mesh/waves/{id}/resume",   Act(MigrateNamespaces), "mesh.wave.resume",   || post(waves::resume_wave_run)),
        e(M::POST,    "/api/mesh/waves/{id}/skip",     Act(MigrateNamespaces), "mesh.wave.skip",     || post(waves::skip_wave)),
        e(M::POST,    "/api/mesh/waves/{id}/rollback", Act(MigrateNamespaces), "mesh.wave.rollback", || post(waves::roll_back_wave)),
        e(M::POST,    "/api/workloads/preview", Act(Deploy), "workload.preview", || limited(post(workloads::preview_workload))),
        e(M::GET,     "/api/workloads/migrations", SignedIn, "migration.list", || get(workloads::list_migrations)),
        e(M::POST,    "/api/workloads/migrations", Act(Deploy), "workload.deploy", || limited(post(workloads::create_migration))),
        e(M::GET,     "/api/workloads/migrations/{id}", SignedIn, "migration.read", || get(workloads::get_migration)),
        e(M::DELETE,  "/api/workloads/migrations/{id}", Act(Deploy), "workload.delete", || delete(workloads::delete_migration)),
        e(M::GET,     "/api/workloads/migrations/{id}/doctor", SignedIn, "migration.doctor", || get(workloads::get_migration_doctor)),
        e(M::POST,    "/api/workloads/migrations/{id}/registry-access", Act(Deploy), "workload.registry_access", || limited(post(workloads::set_registry_access))),
        e(M::GET,     "/api/ingress/services", SignedIn,  "ingress.service.list", || get(ingress::list_services)),
        e(M::POST,    "/api/ingress/services/review", Act(EditIngress), "ingress.service.review", || post(ingress::review_service)),
        e(M::GET,     "/api/ingress/services/{namespace}/{name}", SignedIn, "ingress.service.read", || get(ingress::get_service)),
        e(M::PUT,     "/api/ingress/services/{namespace}/{name}", Act(EditIngress), "ingress.service.apply", || put(ingress::apply_service)),
        e(M::DELETE,  "/api/ingress/services/{namespace}/{name}", Act(EditIngress), "ingress.service.delete", || delete(ingress::delete_service)),
        e(M::GET,     "/api/ingress/ingresses", SignedIn, "ingress.ingress.list", || get(ingress::list_ingresses)),
        e(M::POST,    "/api/ingress/ingresses/review", Act(EditIngress), "ingress.ingress.review", || post(ingress::review_ingress)),
        e(M::GET,     "/api/ingress/ingresses/{namespace}/{name}", SignedIn, "ingress.ingress.read", || get(ingress::get_ingress)),
        e(M::PUT,     "/api/ingress/ingresses/{namespace}/{name}", Act(EditIngress), "ingress.ingress.apply", || put(ingress::apply_ingress)),
        e(M::DELETE,  "/api/ingress/ingresses/{namespace}/{name}", Act(EditIngress), "ingress.ingress.delete", || delete(ingress::delete_ingress)),
        e(M::GET,     "/api/ingress/config-cluster", SignedIn, "ingress.config.read", || get(ingress_config::get_config_cluster)),
        e(M::POST,    "/api/ingress/config-cluster/compare", SignedIn, "ingress.config.compare", || post(ingress_config::compare_config_cluster)),
        e(M::POST,    "/api/ingress/config-cluster/copy", Act(EditIngress), "ingress.config.copy", || post(ingress_config::copy_to_config_candidate)),
        e(M::POST,    "/api/ingress/config-cluster/switch", Act(EditIngress), "ingress.config.switch", || post(ingress_config::switch_config_cluster)),
        e(M::GET,     "/api/csrs",                     SignedIn,  "csr.list",    || get(csr::list_csrs)),
        e(M::GET,     "/api/csrs/count",               SignedIn,  "csr.count",   || get(csr::count_csrs)),
        e(M::GET,     "/api/csrs/{cluster}/{name}",    SignedIn,  "csr.read",    || get(csr::get_csr_pem)),
        e(M::POST,    "/api/csrs/{cluster}/{name}/approve", Act(DecideCsr), "csr.approve", || post(csr::approve_csr)),
        e(M::POST,    "/api/csrs/{cluster}/{name}/deny",    Act(DecideCsr), "csr.deny",    || post(csr::deny_csr)),
        e(M::POST,    "/api/csrs/{cluster}/{name}/chain",   Act(DecideCsr), "csr.upload",  || post(csr::upload_csr_chain)),
        e(M::GET,     "/api/trust",                    SignedIn,  "trust.read",  || get(csr::get_trust)),
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
