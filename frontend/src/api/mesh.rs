//! Mesh installs: what preflight reads from a cluster, reviewed plans and
//! their exports, install runs and where their progress streams.

use shared::mesh::{
    InstallContext, InstallPhase, InstallProgress, InstallRequest, PlanRequest, PlanReview,
};
use shared::{ApiError, routes};

/// `GET /api/clusters/{cluster}/install-context`: its Services, fleet
/// Membership and whether it is an admin cluster, for preflight in the
/// browser.
pub async fn install_context(cluster: String) -> Result<InstallContext, ApiError> {
    super::get_json(&routes::fill(routes::INSTALL_CONTEXT, &[&cluster])).await
}

/// `POST /api/mesh/plans`: the plan reviewed against the live cluster.
pub async fn review_plan(request: PlanRequest) -> Result<PlanReview, ApiError> {
    super::post_json(routes::MESH_PLANS, &request).await
}

/// Which YAML a plan is exported as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// The objects as the console applies them.
    Manifests,
    /// An IstioOperator file for `istioctl install`.
    IstioOperator,
}

impl ExportFormat {
    fn query(self) -> &'static str {
        match self {
            ExportFormat::Manifests => "manifests",
            ExportFormat::IstioOperator => "istio-operator",
        }
    }
}

/// Where the browser downloads reviewed plan `plan` as YAML.
pub fn export_url(plan: &str, format: ExportFormat) -> String {
    format!(
        "{}?format={}",
        routes::fill(routes::MESH_PLAN_EXPORT, &[&plan]),
        format.query()
    )
}

/// `POST /api/mesh/installs`: starts applying a reviewed plan.
pub async fn start_install(request: InstallRequest) -> Result<InstallProgress, ApiError> {
    super::post_json(routes::MESH_INSTALLS, &request).await
}

/// An install run (`GET /api/mesh/installs/{run}`) streams `progress`
/// events until it ends.
impl super::follow::Followed for InstallProgress {
    const LIST_ROUTE: &'static str = routes::MESH_INSTALLS;
    const ROUTE: &'static str = routes::MESH_INSTALL;
    const EVENTS_ROUTE: &'static str = routes::MESH_INSTALL_EVENTS;

    fn running(&self) -> bool {
        self.phase == InstallPhase::Running
    }
}
