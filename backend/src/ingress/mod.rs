//! `/api/ingress`: the config cluster's MultiClusterServices and
//! MultiClusterIngresses (SPEC §4): lists with quota usage and sameness
//! warnings, one resource with its selection preview, review (shared
//! validation, then a server-side dry-run diff), apply and delete. Every
//! write is reviewed with `shared::ingress` first; the config cluster
//! itself is changed in [`config`].

pub mod config;
mod context;
mod preview;

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;
use shared::ingress::api::{
    MciItem, MciList, MciPreview, McsItem, McsList, McsPreview, ReviewedChange,
};
use shared::ingress::{
    FieldError, IngressContext, MultiClusterIngress, MultiClusterService, SamenessWarning,
    review_mci, review_mcs,
};

use self::context::ConfigView;
use crate::api::json::ApiJson;
use crate::audit::Detail;
use crate::cluster::ingress::Kind;
use crate::error::AppError;
use crate::state::AppState;

/// What the handlers need of either resource.
trait Resource: serde::Serialize {
    const KIND: Kind;
    fn namespace(&self) -> &str;
    fn name(&self) -> &str;
    fn check(&self, ctx: &IngressContext<'_>) -> (Vec<FieldError>, Vec<SamenessWarning>);
    /// The manifest to apply: without status, which the controller owns.
    fn body(&self) -> Value;
}

impl Resource for MultiClusterService {
    const KIND: Kind = Kind::Service;
    fn namespace(&self) -> &str {
        MultiClusterService::namespace(self)
    }
    fn name(&self) -> &str {
        MultiClusterService::name(self)
    }
    fn check(&self, ctx: &IngressContext<'_>) -> (Vec<FieldError>, Vec<SamenessWarning>) {
        let r = review_mcs(self, ctx);
        (r.errors, r.warnings)
    }
    fn body(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

impl Resource for MultiClusterIngress {
    const KIND: Kind = Kind::Ingress;
    fn namespace(&self) -> &str {
        MultiClusterIngress::namespace(self)
    }
    fn name(&self) -> &str {
        MultiClusterIngress::name(self)
    }
    fn check(&self, ctx: &IngressContext<'_>) -> (Vec<FieldError>, Vec<SamenessWarning>) {
        let r = review_mci(self, ctx);
        (r.errors, r.warnings)
    }
    fn body(&self) -> Value {
        let mut plain = self.clone();
        plain.status = None;
        serde_json::to_value(plain).unwrap_or_default()
    }
}

fn detail_of<R: Resource>(view: Option<&ConfigView>, object: &R) -> Detail {
    let detail = Detail::new().target(format!(
        "{} {}/{}",
        R::KIND.kind(),
        object.namespace(),
        object.name()
    ));
    match view {
        Some(v) => detail.cluster(&v.cluster),
        None => detail,
    }
}

/// Shared validation, refusing with the errors on their fields.
fn checked<R: Resource>(view: &ConfigView, object: &R) -> Result<Vec<SamenessWarning>, AppError> {
    let (errors, warnings) = object.check(&view.context());
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(AppError::Invalid(errors))
    }
}

async fn review<R: Resource>(
    state: &AppState,
    object: &R,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    let view = match ConfigView::load(state.fleet()).await {
        Ok(view) => view,
        Err(e) => return (detail_of(None, object), Err(e)),
    };
    let detail = detail_of(Some(&view), object);
    let result = async {
        let warnings = checked(&view, object)?;
        let diff = view
            .api
            .review(&object.body())
            .await
            .map_err(AppError::from)?;
        Ok(Json(ReviewedChange { diff, warnings }))
    }
    .await;
    (detail, result)
}

async fn put<R: Resource>(
    state: &AppState,
    (namespace, name): (String, String),
    object: &R,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    let view = match ConfigView::load(state.fleet()).await {
        Ok(view) => view,
        Err(e) => return (detail_of(None, object), Err(e)),
    };
    let mut detail = detail_of(Some(&view), object);
    if object.namespace() != namespace || object.name() != name {
        let err = FieldError::new(
            "metadata.name",
            format!(
                "the manifest names {}/{} but the request is for {namespace}/{name}",
                object.namespace(),
                object.name()
            ),
        );
        return (detail, Err(AppError::Invalid(vec![err])));
    }
    let result = async {
        let warnings = checked(&view, object)?;
        let body = object.body();
        let diff = view.api.review(&body).await.map_err(AppError::from)?;
        let applied = view
            .api
            .apply_reporting(&body)
            .await
            .map_err(AppError::from)?;
        Ok((applied, Json(ReviewedChange { diff, warnings })))
    }
    .await;
    let result = result.map(|(applied, json)| {
        detail = std::mem::take(&mut detail).param("result", applied.as_str());
        json
    });
    (detail, result)
}

async fn remove<R: Resource>(
    state: &AppState,
    (namespace, name): (String, String),
) -> (Detail, Result<Json<Value>, AppError>) {
    let mut detail = Detail::new().target(format!("{} {namespace}/{name}", R::KIND.kind()));
    let view = match ConfigView::load(state.fleet()).await {
        Ok(view) => view,
        Err(e) => return (detail, Err(e)),
    };
    detail = detail.cluster(&view.cluster);
    if R::KIND == Kind::Service {
        let users: Vec<String> = view
            .ingresses
            .iter()
            .filter(|i| i.namespace() == namespace)
            .filter(|i| i.backends().iter().any(|b| b.backend.service_name == name))
            .map(|i| format!("{}/{}", i.namespace(), i.name()))
            .collect();
        if !users.is_empty() {
            let err = AppError::Conflict(format!(
                "MultiClusterService {namespace}/{name} is a backend of MultiClusterIngress {}; change or delete those first",
                users.join(", ")
            ));
            return (detail, Err(err));
        }
    }
    let deleted = view
        .api
        .delete(&R::KIND.object(&namespace, &name))
        .await
        .map_err(AppError::from);
    let result = match deleted {
        Ok(true) => Ok(Json(serde_json::json!({"deleted": true}))),
        Ok(false) => Err(AppError::NotFoundOn {
            cluster: view.cluster.clone(),
            message: format!("no {} {namespace}/{name}", R::KIND.kind()),
        }),
        Err(e) => Err(e),
    };
    (detail, result)
}

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
    Path((namespace, name)): Path<(String, String)>,
) -> Result<Json<McsPreview>, AppError> {
    let view = ConfigView::load(state.fleet()).await?;
    let mcs = view
        .services
        .iter()
        .find(|s| s.namespace() == namespace && s.name() == name)
        .cloned()
        .ok_or_else(|| AppError::NotFoundOn {
            cluster: view.cluster.clone(),
            message: format!("no MultiClusterService {namespace}/{name}"),
        })?;
    preview::mcs_preview(state.fleet(), &view, mcs)
        .await
        .map(Json)
}

pub async fn get_ingress(
    State(state): State<AppState>,
    Path((namespace, name)): Path<(String, String)>,
) -> Result<Json<MciPreview>, AppError> {
    let view = ConfigView::load(state.fleet()).await?;
    let mci = view
        .ingresses
        .iter()
        .find(|i| i.namespace() == namespace && i.name() == name)
        .cloned()
        .ok_or_else(|| AppError::NotFoundOn {
            cluster: view.cluster.clone(),
            message: format!("no MultiClusterIngress {namespace}/{name}"),
        })?;
    preview::mci_preview(state.fleet(), &view, mci)
        .await
        .map(Json)
}

pub async fn review_service(
    State(state): State<AppState>,
    ApiJson(mcs): ApiJson<MultiClusterService>,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    review(&state, &mcs).await
}

pub async fn review_ingress(
    State(state): State<AppState>,
    ApiJson(mci): ApiJson<MultiClusterIngress>,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    review(&state, &mci).await
}

pub async fn apply_service(
    State(state): State<AppState>,
    Path(at): Path<(String, String)>,
    ApiJson(mcs): ApiJson<MultiClusterService>,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    put(&state, at, &mcs).await
}

pub async fn apply_ingress(
    State(state): State<AppState>,
    Path(at): Path<(String, String)>,
    ApiJson(mci): ApiJson<MultiClusterIngress>,
) -> (Detail, Result<Json<ReviewedChange>, AppError>) {
    put(&state, at, &mci).await
}

pub async fn delete_service(
    State(state): State<AppState>,
    Path(at): Path<(String, String)>,
) -> (Detail, Result<Json<Value>, AppError>) {
    remove::<MultiClusterService>(&state, at).await
}

pub async fn delete_ingress(
    State(state): State<AppState>,
    Path(at): Path<(String, String)>,
) -> (Detail, Result<Json<Value>, AppError>) {
    remove::<MultiClusterIngress>(&state, at).await
}
