//! `/api/ingress/config-cluster`: which member is the config cluster, and
//! changing it (SPEC §4.5): compare its MultiClusterServices and Ingresses
//! with a candidate's, copy them over, and switch through the fleet API
//! only when the two are identical.

use axum::Json;
use axum::extract::State;
use shared::ClusterName;
use shared::ingress::api::{Comparison, ConfigClusterState, CopyReport, SwitchRequest};
use shared::ingress::{DifferenceKind, IngressSet, compare};

use super::context::{self, ConfigView};
use super::preview::config_name;
use super::resource::Resource;
use crate::api::json::ApiJson;
use crate::audit::Detail;
use crate::cluster::MemberApi;
use crate::cluster::ingress::{self as on_cluster, Kind};
use crate::error::AppError;
use crate::state::AppState;

pub async fn get_config_cluster(
    State(state): State<AppState>,
) -> Result<Json<ConfigClusterState>, AppError> {
    context::config_cluster(state.fleet()).await.map(Json)
}

/// The config cluster's view and the candidate member's API, refusing a
/// candidate that is not another member.
async fn candidate(
    state: &AppState,
    to: &ClusterName,
) -> Result<(ConfigView, MemberApi), AppError> {
    let view = ConfigView::load(state.fleet()).await?;
    if view.fleet.cluster(to.as_str()).is_none() {
        return Err(AppError::UnknownCluster(to.to_string()));
    }
    if view.cluster == to.as_str() {
        return Err(AppError::BadRequest(format!(
            "{to} is already the config cluster"
        )));
    }
    let api = state.fleet().member_api(to.as_str())?;
    Ok((view, api))
}

async fn comparison(
    view: &ConfigView,
    to: &ClusterName,
    api: &MemberApi,
) -> Result<Comparison, AppError> {
    let services = on_cluster::services(api).await?;
    let ingresses = on_cluster::ingresses(api).await?;
    let differences = compare(
        IngressSet {
            services: &view.services,
            ingresses: &view.ingresses,
        },
        IngressSet {
            services: &services,
            ingresses: &ingresses,
        },
    );
    Ok(Comparison {
        from: config_name(view)?,
        to: to.clone(),
        differences,
    })
}

/// Runs `work` for the candidate `request.to`, audited as concerning it.
async fn on_candidate<T, F>(
    request: SwitchRequest,
    work: impl FnOnce(ClusterName) -> F,
) -> (Detail, Result<T, AppError>)
where
    F: Future<Output = Result<T, AppError>>,
{
    let detail = Detail::new().cluster(request.to.to_string());
    (detail, work(request.to).await)
}

pub async fn compare_config_cluster(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SwitchRequest>,
) -> (Detail, Result<Json<Comparison>, AppError>) {
    let (detail, result) = on_candidate(request, |to| async move {
        let (view, api) = candidate(&state, &to).await?;
        comparison(&view, &to, &api).await
    })
    .await;
    (detail, result.map(Json))
}

/// The manifest of the object at `key` (namespace, name) among `objects`.
fn body_of<R: Resource>(objects: &[R], key: (&str, &str)) -> Option<serde_json::Value> {
    objects.iter().find(|o| o.key() == key).map(R::body)
}

/// Makes the candidate hold exactly the config cluster's resources:
/// applies each of them there and deletes the ones only it has.
pub async fn copy_to_config_candidate(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SwitchRequest>,
) -> (Detail, Result<Json<CopyReport>, AppError>) {
    let (mut detail, result) = on_candidate(request, |to| copy_to(&state, to)).await;
    if let Ok(report) = &result {
        for change in &report.changes {
            detail = detail.target(change);
        }
    }
    (detail, result.map(Json))
}

/// Copies the config cluster's resources to `to`; what it did, and the
/// comparison after.
async fn copy_to(state: &AppState, to: ClusterName) -> Result<CopyReport, AppError> {
    let (view, api) = candidate(state, &to).await?;
    let before = comparison(&view, &to, &api).await?;
    let mut changes = Vec::new();
    for d in &before.differences {
        let kind = match d.kind {
            shared::ingress::IngressKind::MultiClusterService => Kind::Service,
            shared::ingress::IngressKind::MultiClusterIngress => Kind::Ingress,
        };
        let title = format!("{} {}/{}", kind.kind(), d.namespace, d.name);
        if d.difference == DifferenceKind::Extra {
            // Deleted only as read here: a change made meanwhile is a
            // 409, not lost.
            let seen = on_cluster::one::<serde_json::Value>(&api, kind, &d.namespace, &d.name)
                .await?
                .and_then(|(_, version)| version);
            let object = kind.object(&d.namespace, &d.name);
            let deleted = match seen {
                Some(version) => api.delete_versioned(&object, &version).await?,
                None => false,
            };
            if deleted {
                changes.push(format!("{title} deleted"));
            }
            continue;
        }
        let key = (d.namespace.as_str(), d.name.as_str());
        let body = match kind {
            Kind::Service => body_of(&view.services, key),
            Kind::Ingress => body_of(&view.ingresses, key),
        };
        let Some(body) = body else { continue };
        let applied = api.apply_reporting(&body).await?;
        changes.push(format!("{title} {}", applied.as_str()));
    }
    let comparison = comparison(&view, &to, &api).await?;
    Ok(CopyReport {
        to,
        changes,
        comparison,
    })
}

/// Switches the config cluster through the fleet API, refused (409,
/// naming the differences) unless both clusters hold the same resources.
pub async fn switch_config_cluster(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SwitchRequest>,
) -> (Detail, Result<Json<ConfigClusterState>, AppError>) {
    let (mut detail, result) = on_candidate(request, |to| switch_to(&state, to)).await;
    let result = result.map(|(from, now)| {
        detail = std::mem::take(&mut detail).param("from", from);
        Json(now)
    });
    (detail, result)
}

/// Switches to `to`; the config cluster it was and the state now.
async fn switch_to(
    state: &AppState,
    to: ClusterName,
) -> Result<(String, ConfigClusterState), AppError> {
    let api = match state.fleet().fleet_api() {
        Some(Ok(api)) => api.clone(),
        _ => {
            let now = context::config_cluster(state.fleet()).await?;
            return Err(AppError::Conflict(now.note.unwrap_or_else(|| {
                "the console cannot change the config cluster of this fleet".into()
            })));
        }
    };
    let (view, candidate_api) = candidate(state, &to).await?;
    let found = comparison(&view, &to, &candidate_api).await?;
    if !found.identical() {
        let named: Vec<String> = found
            .differences
            .iter()
            .map(|d| d.describe(to.as_str()))
            .collect();
        return Err(AppError::Conflict(format!(
            "{to} does not hold the same multi-cluster resources as the config cluster {}: {}; copy them first",
            view.cluster,
            named.join("; ")
        )));
    }
    api.set_config_cluster(to.as_str())
        .await
        .map_err(context::fleet_api_error)?;
    state.fleet().hub().mark_config_cluster(Some(to.as_str()));
    Ok((view.cluster, context::config_cluster(state.fleet()).await?))
}
