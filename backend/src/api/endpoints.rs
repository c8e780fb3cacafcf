//! The one table mapping every API endpoint to who may call it. The API
//! router is built from this table (see [`api_router`]), so an endpoint
//! cannot exist without a rule, and the route × role test walks it.
//!
//! A new endpoint is one row, e.g.
//! `e(M::POST, R::MESH_INSTALLS, Act(Action::InstallMesh), "mesh.install", mesh::create_install)`:
//! its guard refuses other roles with a 403 naming the needed role, checks
//! the CSRF token, and writes the audit entry; the handler returns an
//! [`crate::audit::Detail`] naming clusters, objects and parameters.
//!
//! `GET /metrics` is the one route outside `/api` besides the app's files,
//! and outside this table: public and read-only, for scraping (see
//! [`crate::metrics::http::METRICS_PATH`]).

use std::sync::OnceLock;

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use axum::{Json, Router};
use shared::Access;

use super::meta;
use super::openapi::respond::Documented;
use super::openapi::{
    self,
    describe::Describe,
    shape::{Contract, Io},
};
use crate::accounts::appointments;
use crate::accounts::http as accounts;
use crate::audit::http as audit;
use crate::auth::guard::{self, Guard};
use crate::auth::http as session;
use crate::auth::oidc::http as oidc;
use crate::fleet::http as fleet;
use crate::ingress;
use crate::mesh::fleet::http as fleet_plans;
use crate::mesh::install::http as mesh;
use crate::mesh::migration::http as migration;
use crate::mesh::waves::http as waves;
use crate::security::csr::http as csr;
use crate::security::grants::http as grants;
use crate::security::hsm::http as hsm;
use crate::security::roots::http as roots;
use crate::state::AppState;
use crate::workloads::http as workloads;

/// One endpoint: method, full path, who may call it, the action name its
/// audit entries carry, and its handler (routed, and described for the
/// OpenAPI document).
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub action: &'static str,
    router: MethodRouter<AppState>,
    describe: Box<dyn Fn(&mut Contract) -> Io + Send + Sync>,
}

impl Endpoint {
    /// One row of the table.
    fn new<H, T, D>(
        method: Method,
        path: &'static str,
        access: Access,
        action: &'static str,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState> + Describe<D> + Sync,
        T: 'static,
    {
        let router = match method {
            Method::GET => get(handler.clone()),
            Method::POST => post(handler.clone()),
            Method::PUT => put(handler.clone()),
            Method::PATCH => patch(handler.clone()),
            Method::DELETE => delete(handler.clone()),
            // No row uses another method; the route × role test would
            // find one answering 405.
            _ => MethodRouter::new(),
        };
        Self {
            method,
            path,
            access,
            action,
            router,
            describe: Box::new(move |contract| handler.describe(contract)),
        }
    }

    /// Wraps the handler's router in a layer (a body limit).
    fn layered(mut self, layer: fn(MethodRouter<AppState>) -> MethodRouter<AppState>) -> Self {
        self.router = layer(self.router);
        self
    }

    /// The row as the OpenAPI document reads it.
    pub fn operation(&self) -> openapi::Operation<'_> {
        openapi::Operation {
            method: &self.method,
            path: self.path,
            access: self.access,
            action: self.action,
            describe: &*self.describe,
        }
    }
}

/// `GET /api/openapi.json`: the document of this table, built and
/// serialized once (anyone may ask; each answer is a copy of the bytes).
async fn get_openapi() -> Documented<Json<serde_json::Value>> {
    static DOCUMENT: OnceLock<axum::body::Bytes> = OnceLock::new();
    let bytes = DOCUMENT.get_or_init(|| {
        let document = openapi::document(endpoints().iter().map(Endpoint::operation));
        serde_json::to_vec(&document).unwrap_or_default().into()
    });
    Documented::new((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        bytes.clone(),
    ))
}

/// A row: [`Endpoint::new`] under the table's short name.
fn e<H, T, D>(
    method: Method,
    path: &'static str,
    access: Access,
    action: &'static str,
    handler: H,
) -> Endpoint
where
    H: Handler<T, AppState> + Describe<D> + Sync,
    T: 'static,
{
    Endpoint::new(method, path, access, action, handler)
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
    vec![
        e(M::GET,     R::HEALTH,           Public,    "health.read",    meta::get_health),
        e(M::GET,     R::OPENAPI,          Public,    "openapi.read",   get_openapi),
        e(M::GET,     R::VERSION,          Public,    "version.read",   meta::get_version),
        e(M::GET,     R::SESSION,          Public,    "session.read",   session::get_session),
        e(M::POST,    R::SESSION,          Public,    "session.create", session::create_session),
        e(M::DELETE,  R::SESSION,          SignedIn,  "session.delete", session::delete_session),
        e(M::GET,     R::OIDC_LOGIN,       Public,    "oidc.login",     oidc::start_oidc_login),
        e(M::GET,     R::OIDC_CALLBACK,    Public,    "oidc.callback",  oidc::finish_oidc_login),
        e(M::GET,     R::ACCOUNTS,         Admin,     "account.list",   accounts::list_accounts),
        e(M::POST,    R::ACCOUNTS,         Admin,     "account.create", accounts::create_account),
        e(M::PATCH,   R::ACCOUNT,  Admin,     "account.update", accounts::update_account),
        e(M::DELETE,  R::ACCOUNT,  Admin,     "account.delete", accounts::delete_account),
        e(M::GET,     R::OFFICER_APPOINTMENTS, Act(ManageCa), "account.officer.list", appointments::list_appointments),
        e(M::POST,    R::OFFICER_CONFIRM, Act(ManageCa), "account.officer.confirm", appointments::confirm_officer),
        e(M::GET,     R::AUDIT,            SignedIn,  "audit.read",     audit::list_audit),
        e(M::GET,     R::AUDIT_EXPORT,     SignedIn,  "audit.export",   audit::export_audit),
        e(M::GET,     R::AUDIT_VERIFY,     SignedIn,  "audit.verify",   audit::verify_audit),
        e(M::GET,     R::FLEET,            SignedIn,  "fleet.read",     fleet::get_fleet),
        e(M::GET,     R::EVENTS,           SignedIn,  "fleet.watch",    fleet::get_events),
        e(M::GET,     R::CLUSTER,  SignedIn,  "cluster.read",   fleet::get_cluster),
        e(M::GET,     R::NAMESPACE, SignedIn, "namespace.read", fleet::get_namespace),
        e(M::GET,     R::INSTALL_CONTEXT, SignedIn, "mesh.context.read", mesh::get_install_context),
        e(M::POST,    R::CLUSTER_HSM_CHECK, Act(InstallMesh), "mesh.hsm.check", hsm::check_hsm),
        e(M::POST,    R::CLUSTER_HSM_SLOT,  Act(InstallMesh), "mesh.hsm.provision", hsm::provision_hsm_slot),
        e(M::POST,    R::MESH_PLANS,       Act(InstallMesh), "mesh.plan", mesh::create_plan),
        e(M::GET,     R::MESH_PLAN_EXPORT, SignedIn, "mesh.plan.export", mesh::export_plan),
        e(M::POST,    R::FLEET_PLAN_SELECTION, SignedIn, "mesh.fleet.select", fleet_plans::select_fleet_members),
        e(M::POST,    R::FLEET_PLANS,      Act(InstallMesh), "mesh.fleet.plan", fleet_plans::create_fleet_plan),
        e(M::GET,     R::FLEET_PLAN,       SignedIn, "mesh.fleet.plan.read", fleet_plans::get_fleet_plan),
        e(M::PUT,     R::FLEET_PLAN_EXCLUDED, Act(InstallMesh), "mesh.fleet.plan.exclude", fleet_plans::set_fleet_plan_exclusions),
        e(M::GET,     R::FLEET_PLAN_EXPORT, SignedIn, "mesh.fleet.plan.export", fleet_plans::export_fleet_plan),
        e(M::POST,    R::MESH_INSTALLS,    Act(InstallMesh), "mesh.install", mesh::create_install),
        e(M::GET,     R::MESH_INSTALLS,    SignedIn,  "mesh.install.list", mesh::list_installs),
        e(M::GET,     R::MESH_INSTALL, SignedIn, "mesh.install.read", mesh::get_install),
        e(M::GET,     R::MESH_INSTALL_EVENTS, SignedIn, "mesh.install.watch", mesh::install_events),
        e(M::POST,    R::MESH_MIGRATE,  Act(MigrateNamespaces), "mesh.migrate",  migration::create_migration),
        e(M::POST,    R::MESH_ROLLBACK, Act(MigrateNamespaces), "mesh.rollback", migration::create_rollback),
        e(M::POST,    R::MESH_FINISH,   Act(MigrateNamespaces), "mesh.finish",   migration::create_finish),
        e(M::GET,     R::MESH_FINISH_PREVIEW, Act(MigrateNamespaces), "mesh.finish.preview", migration::preview_finish),
        e(M::GET,     R::MESH_MIGRATIONS,          SignedIn,  "mesh.migration.list",  migration::list_migrations),
        e(M::GET,     R::MESH_MIGRATION,     SignedIn,  "mesh.migration.read",  migration::get_migration),
        e(M::GET,     R::MESH_MIGRATION_EVENTS, SignedIn, "mesh.migration.watch", migration::migration_events),
        e(M::GET,     R::NAMESPACE_VERIFY, SignedIn, "namespace.verify", migration::verify_namespace),
        e(M::GET,     R::INGRESS_GATEWAY, SignedIn, "gateway.read", migration::get_ingress_gateway),
        e(M::PUT,     R::LOAD_BALANCER_IP, Act(MigrateNamespaces), "gateway.address", migration::set_load_balancer_ip),
        e(M::POST,    R::WAVE_PROPOSAL,      Act(MigrateNamespaces), "mesh.wave.propose", waves::propose_waves),
        e(M::POST,    R::WAVES,               Act(MigrateNamespaces), "mesh.wave.run",     waves::create_wave_run),
        e(M::GET,     R::WAVES,               SignedIn,  "mesh.wave.list",  waves::list_wave_runs),
        e(M::GET,     R::WAVE,          SignedIn,  "mesh.wave.read",  waves::get_wave_run),
        e(M::GET,     R::WAVE_EVENTS,   SignedIn,  "mesh.wave.watch", waves::wave_run_events),
        e(M::POST,    R::WAVE_RESUME,   Act(MigrateNamespaces), "mesh.wave.resume",   waves::resume_wave_run),
        e(M::POST,    R::WAVE_SKIP,     Act(MigrateNamespaces), "mesh.wave.skip",     waves::skip_wave),
        e(M::POST,    R::WAVE_ROLLBACK, Act(MigrateNamespaces), "mesh.wave.rollback", waves::roll_back_wave),
        e(M::POST,    R::WORKLOAD_PREVIEW, Act(Deploy), "workload.preview", workloads::preview_workload).layered(limited),
        e(M::POST,    R::WORKLOAD_TAKEOVER, Act(Deploy), "workload.takeover", workloads::take_over_objects).layered(limited),
        e(M::GET,     R::WORKLOAD_MIGRATIONS, SignedIn, "migration.list", workloads::list_migrations),
        e(M::POST,    R::WORKLOAD_MIGRATIONS, Act(Deploy), "workload.deploy", workloads::create_migration).layered(limited),
        e(M::GET,     R::WORKLOAD_MIGRATION, SignedIn, "migration.read", workloads::get_migration),
        e(M::DELETE,  R::WORKLOAD_MIGRATION, Act(Deploy), "workload.delete", workloads::delete_migration),
        e(M::GET,     R::WORKLOAD_DOCTOR, SignedIn, "migration.doctor", workloads::get_migration_doctor),
        e(M::POST,    R::WORKLOAD_REGISTRY_ACCESS, Act(Deploy), "workload.registry_access", workloads::set_registry_access).layered(limited),
        e(M::GET,     R::INGRESS_SERVICES, SignedIn,  "ingress.service.list", ingress::list_services),
        e(M::POST,    R::INGRESS_SERVICE_REVIEW, Act(EditIngress), "ingress.service.review", ingress::review_resource::<Mcs>),
        e(M::GET,     R::INGRESS_SERVICE, SignedIn, "ingress.service.read", ingress::get_resource::<Mcs>),
        e(M::PUT,     R::INGRESS_SERVICE, Act(EditIngress), "ingress.service.apply", ingress::apply_resource::<Mcs>),
        e(M::DELETE,  R::INGRESS_SERVICE, Act(EditIngress), "ingress.service.delete", ingress::delete_resource::<Mcs>),
        e(M::POST,    R::INGRESS_SERVICE_TAKEOVER, Act(EditIngress), "ingress.service.take_over", ingress::take_over_resource::<Mcs>),
        e(M::GET,     R::INGRESS_INGRESSES, SignedIn, "ingress.ingress.list", ingress::list_ingresses),
        e(M::POST,    R::INGRESS_INGRESS_REVIEW, Act(EditIngress), "ingress.ingress.review", ingress::review_resource::<Mci>),
        e(M::GET,     R::INGRESS_INGRESS, SignedIn, "ingress.ingress.read", ingress::get_resource::<Mci>),
        e(M::PUT,     R::INGRESS_INGRESS, Act(EditIngress), "ingress.ingress.apply", ingress::apply_resource::<Mci>),
        e(M::DELETE,  R::INGRESS_INGRESS, Act(EditIngress), "ingress.ingress.delete", ingress::delete_resource::<Mci>),
        e(M::POST,    R::INGRESS_INGRESS_TAKEOVER, Act(EditIngress), "ingress.ingress.take_over", ingress::take_over_resource::<Mci>),
        e(M::GET,     R::CONFIG_CLUSTER, SignedIn, "ingress.config.read", ingress_config::get_config_cluster),
        e(M::POST,    R::CONFIG_COMPARE, SignedIn, "ingress.config.compare", ingress_config::compare_config_cluster),
        e(M::POST,    R::CONFIG_COPY, Act(EditIngress), "ingress.config.copy", ingress_config::copy_to_config_candidate),
        e(M::POST,    R::CONFIG_SWITCH, Act(EditIngress), "ingress.config.switch", ingress_config::switch_config_cluster),
        e(M::GET,     R::CSRS,                     SignedIn,  "csr.list",    csr::list_csrs),
        e(M::GET,     R::CSR_COUNT,               SignedIn,  "csr.count",   csr::count_csrs),
        e(M::GET,     R::CSR_HISTORY,             SignedIn,  "csr.history", csr::list_csr_history),
        e(M::GET,     R::CSR,    SignedIn,  "csr.read",    csr::get_csr_pem),
        e(M::POST,    R::CSR_APPROVE, Act(DecideCsr), "csr.approve", csr::approve_csr),
        e(M::POST,    R::CSR_DENY,    Act(DecideCsr), "csr.deny",    csr::deny_csr),
        e(M::POST,    R::CSR_CHAIN,   Act(DecideCsr), "csr.upload",  csr::upload_csr_chain),
        e(M::GET,     R::TRUST,                    SignedIn,  "trust.read",  csr::get_trust),
        e(M::GET,     R::CA_ROOTS,       SignedIn,      "ca.root.list",   roots::list_roots),
        e(M::POST,    R::CA_ROOTS,       Act(ManageCa), "ca.root.create", roots::create_root),
        e(M::POST,    R::CA_ROOT_IMPORT, Act(ManageCa), "ca.root.import", roots::import_root),
        e(M::POST,    R::CA_ROOT_RETIRE, Act(ManageCa), "ca.root.retire", roots::retire_root),
        e(M::POST,    R::CA_ROOT_ROTATE, Act(ManageCa), "ca.root.rotate", roots::rotate_root),
        e(M::POST,    R::CA_ROOT_PUBLISH, Act(ManageCa), "ca.root.publish", roots::publish_bundle),
        e(M::GET,     R::CA_GRANTS,        SignedIn,      "ca.grant.list",    grants::list_grants),
        e(M::POST,    R::CA_GRANTS,        Act(ManageCa), "ca.grant.propose", grants::propose_grant),
        e(M::POST,    R::CA_GRANT_APPROVE, Act(ManageCa), "ca.grant.approve", grants::approve_grant),
        e(M::POST,    R::CA_GRANT_REVOKE,  Act(ManageCa), "ca.grant.revoke",  grants::revoke_grant),
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
            let handler = endpoint
                .router
                .route_layer(axum::middleware::from_fn_with_state(guard, guard::check));
            router.route(path, handler)
        })
}
