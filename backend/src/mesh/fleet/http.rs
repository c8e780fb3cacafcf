//! `/api/mesh/fleet-plans`: choosing members, reviewing a fleet-wide
//! install, leaving members out, and exporting the whole plan.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use shared::fleet::MemberSelector;
use shared::fleet::selector::bounded;
use shared::mesh::fleet_plan::{FleetExclusions, FleetPlan, FleetPlanRequest, FleetSelection};

use crate::api::json::ApiJson;
use crate::api::openapi::respond::{Documented, Yaml};
use crate::api::path::IdPath;
use crate::audit::Detail;
use crate::error::AppError;
use crate::state::AppState;

/// The members a selector covers, as a list (changes nothing).
pub async fn select_fleet_members(
    State(state): State<AppState>,
    ApiJson(selector): ApiJson<MemberSelector>,
) -> (Detail, Result<Json<FleetSelection>, AppError>) {
    let selection = super::select(&state, &selector);
    let mut detail = Detail::new();
    if let Ok(s) = &selection {
        detail = detail.param("members", s.members.len());
    }
    (detail, selection.map(Json))
}

/// Reviews the install on every selected member.
pub async fn create_fleet_plan(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<FleetPlanRequest>,
) -> (Detail, Result<Json<FleetPlan>, AppError>) {
    // Refused before its lists are written into the audit entry.
    if let Err(e) = super::check(&request) {
        return (Detail::new(), Err(e));
    }
    let mut detail = Detail::new()
        .target(format!("version {}", request.settings.version))
        .param("ca", format!("{:?}", request.settings.ca));
    for o in &request.overrides {
        let reason = o.reason.trim();
        detail = detail.param("override", format!("{}: {reason}", o.check.title()));
    }
    let plan = super::create(&state, request).await;
    if let Ok(p) = &plan {
        detail = described(detail, p);
    }
    (detail, plan.map(Json))
}

/// A fleet plan as reviewed (and as members were left out since).
pub async fn get_fleet_plan(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> Result<Json<FleetPlan>, AppError> {
    super::find(&state, id.as_str()).await.map(Json)
}

/// Leaves out exactly the members named, re-totalling the plan.
pub async fn set_fleet_plan_exclusions(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    ApiJson(request): ApiJson<FleetExclusions>,
) -> (Detail, Result<Json<FleetPlan>, AppError>) {
    let mut detail = Detail::new().param("fleet_plan", id.as_str());
    if let Err(e) = bounded("excluded", request.excluded.len()) {
        return (detail, Err(AppError::BadRequest(e.to_string())));
    }
    for name in &request.excluded {
        detail = detail.param("excluded", name);
    }
    let plan = super::exclude(&state, id.as_str(), &request.excluded).await;
    (detail, plan.map(Json))
}

/// Every member's manifests and IstioOperator as one YAML file.
pub async fn export_fleet_plan(
    State(state): State<AppState>,
    IdPath(id): IdPath,
) -> Result<Documented<Yaml>, AppError> {
    let plan = super::find(&state, id.as_str()).await?;
    let text = super::export(&state, &plan).await?;
    Ok(Documented::new((
        [
            (header::CONTENT_TYPE, "application/yaml".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"fleet-plan-{}.yaml\"", plan.id),
            ),
        ],
        text,
    )))
}

/// Names the plan, each member and how it stands, in the audit entry.
fn described(mut detail: Detail, plan: &FleetPlan) -> Detail {
    detail = detail.param("fleet_plan", &plan.id);
    for m in &plan.members {
        let state = if m.excluded {
            "excluded".to_owned()
        } else if m.blocked.is_empty() {
            format!("plan {}", m.plan.as_deref().unwrap_or("-"))
        } else {
            format!("blocked: {}", m.blocked.join("; "))
        };
        detail = detail
            .cluster(m.cluster.to_string())
            .param("member", format!("{}: {state}", m.cluster));
    }
    detail
}
