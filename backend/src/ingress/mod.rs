//! `/api/ingress`: the config cluster's MultiClusterServices and
//! MultiClusterIngresses (SPEC §4): lists with quota usage and sameness
//! warnings, one resource with its selection preview, review (shared
//! validation, then a server-side dry-run diff), apply, take-over and
//! delete. Every write is reviewed with `shared::ingress` first and held
//! to the version reviewed ([`write`]); the config cluster itself is
//! changed in [`config`].

pub mod config;
mod context;
mod preview;
mod resource;
mod write;

use axum::Json;
use axum::extract::{Query, State};
use serde_json::Value;
use shared::ingress::api::{
    ApplyRequest, DeleteQuery, MciItem, MciList, MciPreview, McsItem, McsList, McsPreview,
    ReviewedChange,
};
use shared::ingress::{MultiClusterIngress, MultiClusterService, review_mci, review_mcs};

use self::context::ConfigView;
use self::write::Mode;
use crate::api::json::ApiJson;
use crate::api::path::ObjectPath;
use crate::audit::Detail;
use crate::cluster::ingress::{self as on_cluster, Kind};
use crate::error::AppError;
use crate::state::AppState;

pub async fn list_services(State(state): State<AppState>) -> Result<Json<McsList>, AppError> {
    let view = ConfigView::load(state.fleet()).await?;
    let ctx = view.context();
    let items = view
        .services
        .iter()
        .map(|s| {
            let r = review_mcs(s, &ctx);
            McsItem {
                service: s.clone(),
                chosen: r.selection.chosen(),
                warnings: r.warnings,
                errors: r.errors,
            }
        })
        .collect();
    Ok(Json(McsList {
        config_cluster: preview::config_name(&view)?,
        usage: ctx.usage(),
        items,
    }))
}

pub async fn list_ingresses(State(state): State<AppState>) -> Result<Json<MciList>, AppError> {
    let view = ConfigView::load(state.fleet()).await?;
    let ctx = view.context();
    let items = view
        .ingresses
        .iter()
        .map(|i| {
            let r = review_mci(i, &ctx);
            MciItem {
                ingress: i.clone(),
                vip: i.vip().map(str::to_owned),
                hosts: i
                    .spec
                    .template
                    .spec
                    .rules
                    .iter()
                    .filter_map(|r| r.host.clone())
                    .collect(),
                warnings: r.warnings,
                errors: r.errors,
            }
        })
        .collect();
    Ok(Json(MciList {
        config_cluster: preview::config_name(&view)?,
        usage: ctx.usage(),
        items,
    }))
}

pub async fn get_service(
    State(state): State<AppState>,
    ObjectPath { namespace, name }: ObjectPath,
) -> Result<Json<McsPreview>, AppError> {
    let view = ConfigView::load(state.fleet()).await?;
    let found = on_cluster::one(&view.api, Kind::Service, namespace.as_str(), name.as_str())
        .await?
        .ok_or_else(|| AppError::NotFoundOn {
            cluster: view.cluster.clone(),
            message: format!("no MultiClusterService {namespace}/{name}"),
        })?;
    preview::mcs_preview(state.fleet(), &view, found)
        .await
        .map(Json)
}

pub async fn get_ingress(
    State(state): State<AppState>,
    ObjectPath { namespace, name }: ObjectPath,
) -> Result<Json<MciPreview>, AppError> {
    let view = ConfigView::load(state.fleet()).await?;
    let found = on_cluster::one(&view.api, Kind::Ingress, namespace.as_str(), name.as_str())
        .await?
        .ok_or_else(|| AppError::NotFoundOn {
            cluster: view.cluster.clone(),
            message: format!("no MultiClusterIngress {namespace}/{name}"),
        })?;
    preview::mci_preview(state.fleet(), &view, found)
        .await
        .map(Json)
}

pub async fn review_service(
    State(state): State<AppState>,
    ApiJson(mcs): ApiJson<MultiClusterService>,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    write::review(&state, &mcs).await
}

pub async fn review_ingress(
    State(state): State<AppState>,
    ApiJson(mci): ApiJson<MultiClusterIngress>,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    write::review(&state, &mci).await
}

/// Applies a reviewed MultiClusterService, held to the version reviewed.
pub async fn apply_service(
    State(state): State<AppState>,
    at: ObjectPath,
    ApiJson(request): ApiJson<ApplyRequest<MultiClusterService>>,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    write::put(&state, at, &request, Mode::Apply).await
}

/// Takes a MultiClusterService over: forced, held to the version named.
pub async fn take_over_service(
    State(state): State<AppState>,
    at: ObjectPath,
    ApiJson(request): ApiJson<ApplyRequest<MultiClusterService>>,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    write::put(&state, at, &request, Mode::TakeOver).await
}

/// Applies a reviewed MultiClusterIngress, held to the version reviewed.
pub async fn apply_ingress(
    State(state): State<AppState>,
    at: ObjectPath,
    ApiJson(request): ApiJson<ApplyRequest<MultiClusterIngress>>,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    write::put(&state, at, &request, Mode::Apply).await
}

/// Takes a MultiClusterIngress over: forced, held to the version named.
pub async fn take_over_ingress(
    State(state): State<AppState>,
    at: ObjectPath,
    ApiJson(request): ApiJson<ApplyRequest<MultiClusterIngress>>,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    write::put(&state, at, &request, Mode::TakeOver).await
}

pub async fn delete_service(
    State(state): State<AppState>,
    at: ObjectPath,
    Query(query): Query<DeleteQuery>,
) -> (Detail, Result<Json<Value>, AppError>) {
    write::remove::<MultiClusterService>(&state, at, &query).await
}

pub async fn delete_ingress(
    State(state): State<AppState>,
    at: ObjectPath,
    Query(query): Query<DeleteQuery>,
) -> (Detail, Result<Json<Value>, AppError>) {
    write::remove::<MultiClusterIngress>(&state, at, &query).await
}
