//! Making, keeping and changing a fleet plan: each member reviewed by the
//! same code as a per-cluster plan, all at once, and the whole kept in the
//! `plans` table (kind `fleet-install`) for as long as its member plans.

use futures_util::future::join_all;
use shared::ClusterName;
use shared::fleet::selector::not_members;
use shared::fleet::{Cluster, Fleet, MemberSelector, SelectionError};
use shared::mesh::fleet_plan::{
    FleetInstallSettings, FleetPlan, FleetPlanRequest, FleetSelection, MemberPlan, SelectedMember,
};
use shared::mesh::{Check, PlanRequest};

use crate::auth::secrets::random_token;
use crate::error::AppError;
use crate::mesh::install;
use crate::mesh::install::http::export_text;
use crate::mesh::install::overridden_checks;
use crate::state::AppState;

/// The kind fleet plans are stored as.
const KIND: &str = "fleet-install";

/// As long as the member plans it names (see the install book).
const LIFETIME_SECS: i64 = 30 * 60;

fn refused(e: SelectionError) -> AppError {
    AppError::BadRequest(e.to_string())
}

/// The members `selector` covers now.
pub fn select(state: &AppState, selector: &MemberSelector) -> Result<FleetSelection, AppError> {
    let fleet = state.fleet().snapshot();
    let members = selector
        .select(&fleet)
        .map_err(refused)?
        .into_iter()
        .map(SelectedMember::of)
        .collect();
    Ok(FleetSelection { members })
}

/// Reviews the install on every member `request` selects, concurrently,
/// and keeps the fleet plan.
pub async fn create(state: &AppState, request: FleetPlanRequest) -> Result<FleetPlan, AppError> {
    let fleet = state.fleet().snapshot();
    let selected = request.selector.select(&fleet).map_err(refused)?;
    if selected.is_empty() {
        return Err(AppError::BadRequest(
            "the selector covers no member of the fleet".into(),
        ));
    }
    not_members(&fleet, &request.excluded).map_err(refused)?;
    let overridden = overridden_checks(&request.overrides)?;
    let members = join_all(
        selected
            .iter()
            .map(|cluster| review_member(state, &fleet, cluster, &request.settings, &overridden)),
    )
    .await;
    let excluded = request.excluded.clone();
    let mut plan = FleetPlan::new(
        random_token()[..16].to_owned(),
        request,
        members,
        state.clock().now(),
    );
    plan.exclude(&excluded).map_err(refused)?;
    keep(state, &plan).await?;
    Ok(plan)
}

/// One member's plan; never an error, a member that cannot be planned is
/// blocked and says why.
async fn review_member(
    state: &AppState,
    fleet: &Fleet,
    cluster: &Cluster,
    settings: &FleetInstallSettings,
    overridden: &[Check],
) -> MemberPlan {
    let name = cluster.name().clone();
    let Some(settings) = settings.for_member(fleet, cluster) else {
        return MemberPlan::unplanned(
            name,
            "no install settings: no project number is known for the mesh id".into(),
        );
    };
    let timeout = state.fleet_plan_timeout();
    let request = PlanRequest {
        cluster: name.clone(),
        settings,
    };
    match tokio::time::timeout(timeout, install::review(state, request)).await {
        Ok(Ok(review)) => MemberPlan::reviewed(&review, overridden),
        Ok(Err(AppError::Internal(cause))) => {
            tracing::error!(cluster = %name, %cause, "cannot review a member of a fleet plan");
            MemberPlan::unplanned(name, "the console failed to review it (see its log)".into())
        }
        Ok(Err(e)) => MemberPlan::unplanned(name, e.to_string()),
        Err(_) => MemberPlan::unplanned(
            name,
            format!("timed out: not reviewed within {} s", timeout.as_secs()),
        ),
    }
}

async fn keep(state: &AppState, plan: &FleetPlan) -> Result<(), AppError> {
    let body = serde_json::to_string(plan)
        .map_err(|e| AppError::Internal(format!("fleet plan {}: {e}", plan.id)))?;
    let now = state.clock().now();
    state
        .store()
        .save_plan(KIND, &plan.id, plan.created, &body, now - LIFETIME_SECS + 1)
        .await?;
    Ok(())
}

/// Fleet plan `id`, unless it expired.
pub async fn find(state: &AppState, id: &str) -> Result<FleetPlan, AppError> {
    let now = state.clock().now();
    let body = state
        .store()
        .plan(KIND, id, now - LIFETIME_SECS + 1)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "no fleet plan {id:?}: review the fleet install again"
            ))
        })?;
    serde_json::from_str(&body)
        .map_err(|e| AppError::Internal(format!("stored fleet plan {id}: {e}")))
}

/// Leaves out exactly `excluded` from fleet plan `id`, keeping the change.
pub async fn exclude(
    state: &AppState,
    id: &str,
    excluded: &[ClusterName],
) -> Result<FleetPlan, AppError> {
    let mut plan = find(state, id).await?;
    plan.exclude(excluded).map_err(refused)?;
    keep(state, &plan).await?;
    Ok(plan)
}

/// Every member plan that will run, as one YAML stream: per member its
/// manifests, then its IstioOperator; members left out say why in a
/// comment.
pub async fn export(state: &AppState, plan: &FleetPlan) -> Result<String, AppError> {
    let now = state.clock().now();
    let mut docs = Vec::new();
    for member in &plan.members {
        let cluster = &member.cluster;
        let plan_id = match &member.plan {
            Some(id) if member.runs() => id,
            _ => {
                let why = if member.excluded {
                    "excluded".to_owned()
                } else {
                    format!("blocked: {}", member.blocked.join("; "))
                };
                docs.push(format!("# member {cluster}: not installed ({why})\n"));
                continue;
            }
        };
        let member_plan = state
            .installs()
            .plan_of(plan_id, now)
            .await?
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "the plan of {cluster} expired: review the fleet install again"
                ))
            })?;
        for format in ["manifests", "istio-operator"] {
            let (text, file) = export_text(&member_plan, format)?;
            docs.push(format!("# member {cluster}: {file}\n{text}"));
        }
    }
    Ok(docs.join("---\n"))
}
