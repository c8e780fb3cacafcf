//! `/api/mesh/migrations` and friends: per-namespace migrate, rollback and
//! finish runs followed through their progress stream, a namespace's
//! verification, and the ingress gateway's external address (SPEC
//! §2.4–2.6).

use std::convert::Infallible;

use axum::extract::State;
use axum::http::header;
use axum::response::sse::{Event, Sse};
use axum::{Extension, Json};
use futures_util::stream::Stream;
use serde::Deserialize;
use shared::mesh::migration::gateway::{GatewayAddress, LoadBalancerIp, SetLoadBalancerIp};
use shared::mesh::migration::removal::RemovalPlan;
use shared::mesh::migration::run::{FinishRequest, MigrationRun, NamespaceRequest, Verification};

use crate::api::cluster_path::ClusterPath;
use crate::api::json::ApiJson;
use crate::api::openapi::respond::{Accepted, Documented, OneOf, PlainText};
use crate::api::path::{ClusterNamePath, IdPath, NamespacePath};
use crate::api::query::ApiQuery;
use crate::audit::{Actor, Detail};
use crate::auth::Principal;
use crate::cluster::mesh::gateway;
use crate::cluster::mesh::verify;
use crate::error::AppError;
use crate::mesh::{migration, runs};
use crate::state::AppState;

type Started = (Detail, Result<Accepted<MigrationRun>, AppError>);

fn started(detail: Detail, run: Result<MigrationRun, AppError>) -> Started {
    let detail = match &run {
        Ok(r) => detail.param("run", &r.id),
        Err(_) => detail,
    };
    (detail, run.map(Accepted))
}

/// Starts a run on a namespace with `start`, audited with its details.
async fn namespace_run<F, Fut>(request: NamespaceRequest, start: F) -> Started
where
    F: FnOnce(NamespaceRequest) -> Fut,
    Fut: Future<Output = Result<MigrationRun, AppError>>,
{
    let detail = Detail::new()
        .cluster(request.cluster.to_string())
        .target(format!("namespace {}", request.namespace))
        .param("revision", &request.revision);
    started(detail, start(request).await)
}

pub async fn create_migration(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(request): ApiJson<NamespaceRequest>,
) -> Started {
    let actor = Actor::of(&principal);
    namespace_run(request, |r| migration::migrate(&state, r, actor)).await
}

pub async fn create_rollback(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(request): ApiJson<NamespaceRequest>,
) -> Started {
    let actor = Actor::of(&principal);
    namespace_run(request, |r| migration::rollback(&state, r, actor)).await
}

pub async fn create_finish(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(request): ApiJson<FinishRequest>,
) -> Started {
    let detail = Detail::new()
        .cluster(request.cluster.to_string())
        .target(format!(
            "control plane {}",
            shared::mesh::migration::istiod_name(&request.revision)
        ))
        .param("revision", &request.revision);
    started(
        detail,
        migration::finish(&state, request, Actor::of(&principal)).await,
    )
}

/// What finishing (`?cluster=&revision=`) would delete and keep now:
/// the steps its run performs, or the 409 naming what still uses it.
pub async fn preview_finish(
    State(state): State<AppState>,
    ApiQuery(request): ApiQuery<FinishRequest>,
) -> Result<Json<RemovalPlan>, AppError> {
    migration::preview(&state, &request).await.map(Json)
}

pub async fn list_migrations(
    State(state): State<AppState>,
) -> Result<Json<Vec<MigrationRun>>, AppError> {
    runs::list(state.migrations()).await
}

pub async fn get_migration(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> Result<Json<MigrationRun>, AppError> {
    runs::find(state.migrations(), id.as_str(), "migration")
        .await
        .map(Json)
}

/// The run now and on every change; ends when the run does.
pub async fn migration_events(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    IdPath(id): IdPath,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let migrations = state.migrations().clone();
    runs::events(state, principal, &migrations, id.as_str(), "migration").await
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct RevisionQuery {
    revision: String,
}

fn unreachable(cluster: &str) -> impl FnOnce(migration::MigrationError) -> AppError {
    let cluster = cluster.to_owned();
    move |e| AppError::ClusterUnreachable {
        cluster,
        reason: e.to_string(),
    }
}

/// Pods per revision in a namespace and the stragglers by name.
pub async fn verify_namespace(
    ApiQuery(query): ApiQuery<RevisionQuery>,
    cluster: ClusterPath,
    NamespacePath(namespace): NamespacePath,
) -> Result<Json<Verification>, AppError> {
    let name = cluster.name.to_string();
    let member = cluster.name.clone();
    let client = cluster.api()?;
    verify::namespace(&client, member, namespace.as_str(), &query.revision)
        .await
        .map_err(unreachable(&name))?
        .map(Json)
        .ok_or_else(|| AppError::NotFoundOn {
            cluster: name,
            message: format!("no namespace {namespace:?}"),
        })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct GatewayQuery {
    #[serde(default)]
    vip: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

/// The gateway Service, its nodes and the NodePort mapping, as JSON or
/// (`format=text`) the mapping as copyable text.
pub async fn get_ingress_gateway(
    cluster: ClusterPath,
    ApiQuery(query): ApiQuery<GatewayQuery>,
) -> Result<Documented<OneOf<Json<GatewayAddress>, PlainText>>, AppError> {
    let name = cluster.name.to_string();
    let member = cluster.name.clone();
    let client = cluster.api()?;
    let vip = query
        .vip
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(str::parse::<LoadBalancerIp>)
        .transpose()
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let address: GatewayAddress = gateway::address(&client, member, vip)
        .await
        .map_err(unreachable(&name))?
        .ok_or_else(|| no_gateway(&name))?;
    Ok(match query.format.as_deref() {
        Some("text") => Documented::new((
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            address.mapping_text,
        )),
        None | Some("json") => Documented::new(Json(address)),
        Some(other) => {
            return Err(AppError::BadRequest(format!(
                "unknown format {other:?}: use json or text"
            )));
        }
    })
}

fn no_gateway(cluster: &str) -> AppError {
    AppError::NotFoundOn {
        cluster: cluster.to_owned(),
        message: "no Service istio-system/istio-ingressgateway".into(),
    }
}

/// Sets `spec.loadBalancerIP` on the gateway Service.
pub async fn set_load_balancer_ip(
    State(state): State<AppState>,
    ClusterNamePath(cluster): ClusterNamePath,
    ApiJson(request): ApiJson<SetLoadBalancerIp>,
) -> (Detail, Result<Json<GatewayAddress>, AppError>) {
    let name = cluster.to_string();
    let detail = Detail::new()
        .cluster(name.clone())
        .target("Service istio-system/istio-ingressgateway")
        .param("loadBalancerIP", request.ip);
    let result = async {
        let cluster = state
            .fleet()
            .cluster(&name)
            .ok_or_else(|| AppError::UnknownCluster(name.clone()))?;
        let client = state.fleet().member_api(&name)?;
        gateway::address(&client, cluster.member.name.clone(), None)
            .await
            .map_err(unreachable(&name))?
            .ok_or_else(|| no_gateway(&name))?;
        gateway::set_load_balancer_ip(&client, request.ip)
            .await
            .map_err(|e| AppError::on_cluster(&name, e))?;
        gateway::address(&client, cluster.member.name, None)
            .await
            .map_err(unreachable(&name))?
            .map(Json)
            .ok_or_else(|| no_gateway(&name))
    }
    .await;
    (detail, result)
}
