//! `/api/mesh`: reviewing and running control plane installs (SPEC §2.3).
//! A plan is reviewed first (preflight, per-object diff); an install
//! applies a reviewed plan and is followed through its progress stream.

use std::convert::Infallible;

use axum::extract::State;
use axum::http::header;
use axum::response::sse::{Event, Sse};
use axum::{Extension, Json};
use futures_util::stream::Stream;
use serde::Deserialize;
use shared::mesh::{
    InstallContext, InstallProgress, InstallRequest, Plan, PlanRequest, PlanReview,
};

use crate::api::cluster_path::ClusterPath;
use crate::api::json::ApiJson;
use crate::api::openapi::respond::{Accepted, Documented, Yaml};
use crate::api::path::IdPath;
use crate::api::query::ApiQuery;
use crate::audit::{Actor, Detail};
use crate::auth::Principal;
use crate::cluster::apply;
use crate::cluster::mesh::inspect;
use crate::error::AppError;
use crate::mesh::{install, runs};
use crate::state::AppState;

/// What preflight reads from the cluster, for the browser's own checks.
pub async fn get_install_context(
    State(state): State<AppState>,
    cluster: ClusterPath,
) -> Result<Json<InstallContext>, AppError> {
    let name = cluster.name.to_string();
    let member = cluster.name.clone();
    let client = cluster.api()?;
    let on_cluster = |e| AppError::on_cluster(&name, e);
    let mesh_roots = match state.ca() {
        Some(ca) => ca
            .roots()
            .await
            .map_err(|e| AppError::Internal(format!("cannot read the mesh roots: {e}")))?
            .into_iter()
            .map(|(mesh, _)| mesh)
            .collect(),
        None => Vec::new(),
    };
    Ok(Json(InstallContext {
        services: inspect::service_ports(&client).await.map_err(on_cluster)?,
        membership: inspect::membership(&client).await.map_err(on_cluster)?,
        admin: state.fleet().is_admin(&name),
        cluster: member.clone(),
        vault_addr: state.vault().map(|v| v.addr().to_owned()),
        hsm: None,
        mesh_roots,
        issuance: crate::security::grants::granted_on(&state, &member).await?,
    }))
}

pub async fn create_plan(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PlanRequest>,
) -> (Detail, Result<Json<PlanReview>, AppError>) {
    let mut detail = Detail::new()
        .cluster(request.cluster.to_string())
        .target(format!("revision {}", request.settings.revision))
        .param("ca", format!("{:?}", request.settings.ca));
    let review = install::review(&state, request).await;
    if let Ok(r) = &review {
        detail = detail.param("plan", &r.id);
        for failed in r.preflight.failures() {
            detail = detail.param("failed_check", failed.check.title());
        }
    }
    (detail, review.map(Json))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ExportQuery {
    #[serde(default)]
    format: Option<String>,
}

/// The reviewed plan as YAML: its manifests, or an IstioOperator file.
pub async fn export_plan(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Documented<Yaml>, AppError> {
    let plan = state
        .installs()
        .plan_of(id.as_str(), state.clock().now())
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!("no reviewed plan {id:?}: review the install again"))
        })?;
    let (text, file) = export_text(&plan, query.format.as_deref().unwrap_or("manifests"))?;
    Ok(Documented::new((
        [
            (header::CONTENT_TYPE, "application/yaml".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        text,
    )))
}

pub async fn create_install(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(request): ApiJson<InstallRequest>,
) -> (Detail, Result<Accepted<InstallProgress>, AppError>) {
    let mut detail = Detail::new().param("plan", &request.plan);
    for o in &request.overrides {
        let reason = o.reason.trim();
        detail = detail.param("override", format!("{}: {reason}", o.check.title()));
    }
    let plan = request.plan.clone();
    let started = install::start(&state, request, Actor::of(&principal)).await;
    match &started {
        Ok(p) => {
            detail = detail
                .cluster(p.cluster.to_string())
                .target(format!("revision {}", p.revision))
                .param("run", &p.id);
        }
        // A refusal names the plan's cluster too, so the activity log
        // finds it by cluster after the plan has expired.
        Err(_) => {
            let now = state.clock().now();
            if let Ok(Some(stored)) = state.installs().plan(&plan, now).await {
                detail = detail.cluster(stored.plan.cluster.to_string());
            }
        }
    }
    (detail, started.map(Accepted))
}

pub async fn list_installs(
    State(state): State<AppState>,
) -> Result<Json<Vec<InstallProgress>>, AppError> {
    runs::list(state.installs()).await
}

pub async fn get_install(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> Result<Json<InstallProgress>, AppError> {
    runs::find(state.installs(), id.as_str(), "install")
        .await
        .map(Json)
}

/// The run's progress now and on every change; ends when the run does.
pub async fn install_events(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    IdPath(id): IdPath,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let installs = state.installs().clone();
    runs::events(state, principal, &installs, id.as_str(), "install").await
}

/// A reviewed plan as YAML in `format` (`manifests` or `istio-operator`),
/// with the file name it is offered under.
pub fn export_text(plan: &Plan, format: &str) -> Result<(String, String), AppError> {
    Ok(match format {
        "manifests" => {
            let docs: Vec<String> = plan
                .objects
                .iter()
                .map(|o| match o.body() {
                    Some(body) => apply::yaml(body),
                    None => format!(
                        "# {}: issued by the console at apply time (an intermediate CA of the mesh root); not exported\n",
                        o.title()
                    ),
                })
                .collect();
            (
                docs.join("---\n"),
                format!("{}-{}.yaml", plan.cluster, plan.settings.revision),
            )
        }
        "istio-operator" => (
            apply::yaml(&plan.istio_operator()),
            format!(
                "istio-operator-{}-{}.yaml",
                plan.cluster, plan.settings.revision
            ),
        ),
        other => {
            return Err(AppError::BadRequest(format!(
                "unknown export format {other:?}: use manifests or istio-operator"
            )));
        }
    })
}
