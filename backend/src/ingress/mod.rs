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
use axum::extract::State;
use serde::de::DeserializeOwned;
use serde_json::Value;
use shared::ingress::api::{
    ApplyRequest, DeleteQuery, IngressList, MciItem, MciList, McsItem, McsList, ReviewedChange,
};
use shared::ingress::{
    IngressContext, MultiClusterIngress, MultiClusterService, Review, review_mcs,
};

use self::context::ConfigView;
pub use self::preview::Previewed;
pub use self::resource::Resource;
use self::write::Mode;
use crate::api::json::ApiJson;
use crate::api::path::ObjectPath;
use crate::api::query::ApiQuery;
use crate::audit::Detail;
use crate::error::AppError;
use crate::state::AppState;

pub async fn list_services(State(state): State<AppState>) -> Result<Json<McsList>, AppError> {
    list(&state, |view, ctx| {
        let item = |s: &MultiClusterService| {
            let r = review_mcs(s, ctx);
            McsItem {
                service: s.clone(),
                chosen: r.selection.chosen(),
                warnings: r.warnings,
                errors: r.errors,
            }
        };
        view.services.iter().map(item).collect()
    })
    .await
}

pub async fn list_ingresses(State(state): State<AppState>) -> Result<Json<MciList>, AppError> {
    list(&state, |view, ctx| {
        let item = |i: &MultiClusterIngress| {
            let (errors, warnings) = i.check(ctx);
            let rules = &i.spec.template.spec.rules;
            MciItem {
                ingress: i.clone(),
                vip: i.vip().map(str::to_owned),
                hosts: rules.iter().filter_map(|r| r.host.clone()).collect(),
                warnings,
                errors,
            }
        };
        view.ingresses.iter().map(item).collect()
    })
    .await
}

/// The config cluster's list of one kind, each row made by `items` from
/// the view and the review context.
async fn list<T>(
    state: &AppState,
    items: impl FnOnce(&ConfigView, &IngressContext<'_>) -> Vec<T>,
) -> Result<Json<IngressList<T>>, AppError> {
    let view = ConfigView::load(state.fleet()).await?;
    let ctx = view.context();
    Ok(Json(IngressList {
        config_cluster: preview::config_name(&view)?,
        usage: ctx.usage(),
        items: items(&view, &ctx),
    }))
}

/// One resource with its preview ([`Previewed`]).
pub async fn get_resource<R: Previewed>(
    State(state): State<AppState>,
    at: ObjectPath,
) -> Result<Json<R::Preview>, AppError> {
    let view = ConfigView::load(state.fleet()).await?;
    let found = view.one(R::CLUSTER_KIND, &at).await?;
    R::preview(state.fleet(), &view, found).await.map(Json)
}

/// Reviews a MultiClusterService or MultiClusterIngress: shared
/// validation, then a server-side dry-run diff.
pub async fn review_resource<R: Resource + DeserializeOwned>(
    State(state): State<AppState>,
    ApiJson(object): ApiJson<R>,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    write::review(&state, &object).await
}

/// Applies a reviewed resource, held to the version reviewed.
pub async fn apply_resource<R: Resource + DeserializeOwned>(
    State(state): State<AppState>,
    at: ObjectPath,
    ApiJson(request): ApiJson<ApplyRequest<R>>,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    write::put(&state, at, &request, Mode::Apply).await
}

/// Takes a resource over: forced, held to the version named.
pub async fn take_over_resource<R: Resource + DeserializeOwned>(
    State(state): State<AppState>,
    at: ObjectPath,
    ApiJson(request): ApiJson<ApplyRequest<R>>,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    write::put(&state, at, &request, Mode::TakeOver).await
}

/// Deletes a resource, held to the version shown when the query names one.
pub async fn delete_resource<R: Resource>(
    State(state): State<AppState>,
    at: ObjectPath,
    ApiQuery(query): ApiQuery<DeleteQuery>,
) -> (Detail, Result<Json<Value>, AppError>) {
    write::remove::<R>(&state, at, &query).await
}
