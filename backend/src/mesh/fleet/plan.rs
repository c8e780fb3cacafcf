//! Making, keeping and changing a fleet plan: each member reviewed by the
//! same code as a per-cluster plan, all at once, and the whole kept in the
//! `plans` table (kind `fleet-install`) for as long as its member plans.

use futures_util::stream::{self, StreamExt};
use shared::ClusterName;
use shared::fleet::selector::{SelectionError as Refusal, bounded};
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

/// As long as the member plans it names (the install book's lifetime).
const LIFETIME_SECS: i64 = install::PLAN_LIFETIME_SECS;

/// Members reviewed at once: each review reads the mesh root from the CA
/// token, which serves one caller at a time, and holds database
/// connections; a fleet plan must not crowd out the officers' signing.
const CONCURRENT_REVIEWS: usize = 4;

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

/// What may be refused before any member is contacted: list lengths and
/// the overrides (each check once, with its reason, never the admin one).
pub fn check(request: &FleetPlanRequest) -> Result<Vec<Check>, AppError> {
    bounded("excluded", request.excluded.len()).map_err(refused)?;
    bounded("overrides", request.overrides.len()).map_err(refused)?;
    overridden_checks(&request.overrides)
}

/// Reviews the install on every member `request` selects, a few at a
/// time, and keeps the fleet plan.
pub async fn create(state: &AppState, request: FleetPlanRequest) -> Result<FleetPlan, AppError> {
    let overridden = check(&request)?;
    // Taken before the first member plan is made, so the fleet plan
    // never outlives one of them.
    let created = state.clock().now();
    let fleet = state.fleet().snapshot();
    let selected = request.selector.select(&fleet).map_err(refused)?;
    if selected.is_empty() {
        return Err(AppError::BadRequest(
            "the selector covers no member of the fleet".into(),
        ));
    }
    let outside: Vec<String> = request
        .excluded
        .iter()
        .filter(|n| !selected.iter().any(|c| c.name() == *n))
        .map(ToString::to_string)
        .collect();
    if !outside.is_empty() {
        return Err(refused(Refusal::NotSelected(outside)));
    }
    // Made first and then streamed: a stream over a borrowing closure is
    // not Send for every lifetime, which the handler needs.
    let reviews: Vec<_> = selected
        .iter()
        .map(|cluster| review_member(state, &fleet, cluster, &request.settings, &overridden))
        .collect();
    let members: Vec<MemberPlan> = stream::iter(reviews)
        .buffered(CONCURRENT_REVIEWS)
        .collect()
        .await;
    let excluded = request.excluded.clone();
    let mut plan = FleetPlan::new(random_token()[..16].to_owned(), request, members, created);
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
                docs.push(not_installed(cluster, &why));
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

/// `# member <cluster>: not installed (<why>)` as one comment line whatever
/// the reason holds: a member's error text must not add YAML to the export.
fn not_installed(cluster: &ClusterName, why: &str) -> String {
    let why = why.replace(['\n', '\r'], " ");
    format!("# member {cluster}: not installed ({why})\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_with_line_breaks_stays_one_comment_line() {
        let cluster: ClusterName = "gke-eu".parse().unwrap();
        let line = not_installed(&cluster, "blocked: boom\nkind: ClusterRole\r\nx: y");
        assert_eq!(line.lines().count(), 1, "{line:?}");
        assert!(
            line.starts_with("# member gke-eu: not installed (blocked: boom kind: ClusterRole")
        );
    }
}
