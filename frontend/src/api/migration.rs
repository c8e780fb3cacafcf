//! Canary migration (SPEC §2.4–2.6): per-namespace migrate, rollback and
//! finish runs and their progress streams, a namespace's verification, the
//! ingress gateway's external address, and wave runs across the fleet.

use shared::mesh::InstallPhase;
use shared::mesh::migration::gateway::{GatewayAddress, SetLoadBalancerIp};
use shared::mesh::migration::removal::RemovalPlan;
use shared::mesh::migration::run::{
    FinishRequest, MigrationOp, MigrationRun, NamespaceRequest, Verification,
};
use shared::mesh::migration::waves::{WaveDecision, WavePhase, WaveProposal, WaveRequest, WaveRun};
use shared::{ApiError, routes};

use super::follow::Followed;

/// `POST /api/mesh/migrations/{migrate|rollback}`: starts relabelling and
/// restarting one namespace.
pub async fn start_namespace_run(
    op: MigrationOp,
    request: NamespaceRequest,
) -> Result<MigrationRun, ApiError> {
    let path = match op {
        MigrationOp::Rollback => routes::MESH_ROLLBACK,
        MigrationOp::Migrate | MigrationOp::Finish => routes::MESH_MIGRATE,
    };
    super::post_json(path, &request).await
}

/// `POST /api/mesh/migrations/finish`: deletes a revision's control plane
/// from a cluster; a 409 names what still uses it.
pub async fn finish(request: FinishRequest) -> Result<MigrationRun, ApiError> {
    super::post_json(routes::MESH_FINISH, &request).await
}

/// `GET /api/mesh/migrations/finish/preview`: what finishing `request`
/// deletes and keeps now; a 409 says why it would be refused.
pub async fn preview_finish(request: &FinishRequest) -> Result<RemovalPlan, ApiError> {
    super::get_json(&format!(
        "{}?cluster={}&revision={}",
        routes::MESH_FINISH_PREVIEW,
        super::query_value(request.cluster.as_str()),
        super::query_value(&request.revision)
    ))
    .await
}

/// A migration run (`GET /api/mesh/migrations/{id}`) streams `progress`
/// events until it ends.
impl Followed for MigrationRun {
    const LIST_ROUTE: &'static str = routes::MESH_MIGRATIONS;
    const ROUTE: &'static str = routes::MESH_MIGRATION;
    const EVENTS_ROUTE: &'static str = routes::MESH_MIGRATION_EVENTS;

    fn running(&self) -> bool {
        self.phase == InstallPhase::Running
    }
}

/// `GET …/namespaces/{ns}/verify?revision=`: pods per revision and the
/// stragglers by name.
pub async fn verify(
    cluster: String,
    namespace: String,
    revision: String,
) -> Result<Verification, ApiError> {
    let path = routes::fill(routes::NAMESPACE_VERIFY, &[&cluster, &namespace]);
    super::get_json(&format!(
        "{path}?revision={}",
        super::query_value(&revision)
    ))
    .await
}

/// `GET /api/clusters/{cluster}/ingress-gateway?vip=`: the gateway Service
/// and the NodePort mapping for `vip`.
pub async fn gateway(cluster: String, vip: String) -> Result<GatewayAddress, ApiError> {
    super::get_json(&gateway_url(&cluster, &vip, "json")).await
}

/// Where the mapping downloads as plain text.
pub fn gateway_text_url(cluster: &str, vip: &str) -> String {
    gateway_url(cluster, vip, "text")
}

fn gateway_url(cluster: &str, vip: &str, format: &str) -> String {
    let path = routes::fill(routes::INGRESS_GATEWAY, &[&cluster]);
    let vip = vip.trim();
    if vip.is_empty() {
        format!("{path}?format={format}")
    } else {
        format!("{path}?vip={}&format={format}", super::query_value(vip))
    }
}

/// `PUT …/ingress-gateway/load-balancer-ip`.
pub async fn set_load_balancer_ip(
    cluster: String,
    request: SetLoadBalancerIp,
) -> Result<GatewayAddress, ApiError> {
    super::put_json(
        &routes::fill(routes::LOAD_BALANCER_IP, &[&cluster]),
        &request,
    )
    .await
}

/// `POST /api/mesh/waves/proposal`: the waves a selection would run.
pub async fn propose_waves(request: WaveRequest) -> Result<WaveProposal, ApiError> {
    super::post_json(routes::WAVE_PROPOSAL, &request).await
}

/// `POST /api/mesh/waves`: starts a wave run.
pub async fn start_waves(request: WaveRequest) -> Result<WaveRun, ApiError> {
    super::post_json(routes::WAVES, &request).await
}

/// A wave run (`GET /api/mesh/waves/{id}`) streams `progress` events
/// while this console drives it.
impl Followed for WaveRun {
    const LIST_ROUTE: &'static str = routes::WAVES;
    const ROUTE: &'static str = routes::WAVE;
    const EVENTS_ROUTE: &'static str = routes::WAVE_EVENTS;

    // A paused run waits for the operator: the view stops following it
    // until a decision starts it again.
    fn running(&self) -> bool {
        self.phase == WavePhase::Running
    }
}

/// `POST /api/mesh/waves/{id}/{resume|skip|rollback}` on a paused run.
pub async fn decide(id: String, decision: WaveDecision) -> Result<WaveRun, ApiError> {
    let template = match decision {
        WaveDecision::Resume => routes::WAVE_RESUME,
        WaveDecision::Skip => routes::WAVE_SKIP,
        WaveDecision::Rollback => routes::WAVE_ROLLBACK,
    };
    let path = routes::fill(template, &[&id]);
    super::post_json(&path, &serde_json::json!({})).await
}
