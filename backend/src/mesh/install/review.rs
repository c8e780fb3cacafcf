//! Reviewing an install: preflight against what the live cluster holds,
//! the plan, and a server-side dry-run diff of every object it applies.

use serde_json::Value;
use shared::diff::{ChangeKind, DiffLine, ObjectDiff};
use shared::fleet::Fleet;
use shared::mesh::{
    CaMode, Content, MeshId, Plan, PlanRequest, PlanReview, PlannedObject, PreflightInput,
    PreflightReport,
};

use super::book::StoredPlan;
use crate::auth::secrets::random_token;
use crate::cluster::apply::{self, ApplyError};
use crate::cluster::mesh::inspect;
use crate::cluster::{ClusterError, MemberApi};
use crate::error::AppError;
use crate::state::AppState;

/// Preflight, plan and per-object diff for `request`; the plan is kept
/// for [`super::start`] under the review's id.
pub async fn review(state: &AppState, request: PlanRequest) -> Result<PlanReview, AppError> {
    let name = request.cluster.as_str();
    let fleet = state.fleet().snapshot();
    let cluster = fleet
        .cluster(name)
        .ok_or_else(|| AppError::UnknownCluster(name.to_owned()))?;
    if !cluster.reachability.is_reachable() {
        return Err(AppError::ClusterUnreachable {
            cluster: name.to_owned(),
            reason: cluster.reachability.label().to_owned(),
        });
    }
    let client = state.fleet().member_api(name)?;
    let mut plan = Plan::build(&fleet, cluster, &request.settings).map_err(|problems| {
        AppError::BadRequest(
            problems
                .iter()
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let on_cluster = |e| AppError::on_cluster(name, e);
    let services = inspect::service_ports(&client).await.map_err(on_cluster)?;
    let membership = inspect::membership(&client).await.map_err(on_cluster)?;
    // Reads the token only: the root is the security officer's to create
    // (issue 21); without it preflight fails and says so.
    let mesh_root = match (request.settings.ca, state.ca()) {
        (CaMode::IstioCaPluginCerts | CaMode::Hsm, Some(ca)) => ca
            .root(&request.settings.mesh_id)
            .await
            .map_err(|e| AppError::Internal(format!("cannot read the mesh root: {e}")))?,
        _ => None,
    };
    let mesh_roots: Vec<MeshId> = mesh_root
        .as_ref()
        .map(|_| request.settings.mesh_id.clone())
        .into_iter()
        .collect();
    let hsm = match &request.settings.hsm {
        Some(settings) if request.settings.ca == CaMode::Hsm => {
            if state.ca().is_none() {
                return Err(AppError::Conflict(
                    "HSM mode needs the mesh root: no PKCS#11 token is configured".into(),
                ));
            }
            if let Some(root) = &mesh_root {
                plan.pin_mesh_root(&root.sha256_fingerprint.replace(':', "").to_lowercase());
            }
            Some(crate::security::hsm::check(state, name, settings).await)
        }
        _ => None,
    };
    let issuance = crate::security::grants::granted_on(state, cluster.name()).await?;
    let preflight = PreflightReport::run(&PreflightInput {
        fleet: &fleet,
        cluster,
        settings: &request.settings,
        services: &services,
        admin: state.fleet().is_admin(name),
        membership: membership.as_deref(),
        hsm: hsm.as_ref(),
        mesh_roots: &mesh_roots,
        issuance: &issuance,
    });
    let objects = diffs(&client, &fleet, &plan).await.map_err(on_cluster)?;
    let review = PlanReview {
        id: random_token()[..16].to_owned(),
        cluster: request.cluster.clone(),
        settings: request.settings,
        blocked: preflight.allow(&[]).err(),
        preflight,
        objects,
    };
    let now = state.clock().now();
    state
        .installs()
        .keep_plan(
            StoredPlan {
                review: review.clone(),
                plan,
                created: now,
            },
            now,
        )
        .await?;
    Ok(review)
}

async fn diffs(
    client: &MemberApi,
    _fleet: &Fleet,
    plan: &Plan,
) -> Result<Vec<ObjectDiff>, ApplyError> {
    let mut out = Vec::with_capacity(plan.objects.len());
    let mut missing_namespaces: Vec<String> = Vec::new();
    for object in &plan.objects {
        let diff = match &object.content {
            Content::Manifest { body } => {
                manifest_diff(client, object, body, &mut missing_namespaces).await?
            }
            Content::IssuedCaCerts { keys } => cacerts_diff(client, object, keys).await?,
        };
        out.push(diff);
    }
    Ok(out)
}

/// A dry run shows what the server would make of the object; an object in
/// a namespace the plan itself creates cannot be dry-run yet, so the plan's
/// manifest is what will be created.
async fn manifest_diff(
    client: &MemberApi,
    object: &PlannedObject,
    body: &Value,
    missing_namespaces: &mut Vec<String>,
) -> Result<ObjectDiff, ApplyError> {
    if object.kind == "Namespace" && object.api_version == "v1" {
        let target = apply::ObjectRef::of(body)?;
        if client
            .live(&target)
            .await
            .map_err(ClusterError::into_apply)?
            .is_none()
        {
            missing_namespaces.push(object.name.clone());
        }
    }
    let planned_in_missing = object
        .namespace
        .as_ref()
        .is_some_and(|ns| missing_namespaces.contains(ns));
    if planned_in_missing {
        return Ok(ObjectDiff::between(
            object.title(),
            None,
            Some(&apply::yaml(body)),
        ));
    }
    client.review(body).await.map_err(ClusterError::into_apply)
}

/// The `cacerts` secret is issued at apply time; its key material is
/// never shown, only which keys it holds and whether the live one stays.
async fn cacerts_diff(
    client: &MemberApi,
    object: &PlannedObject,
    keys: &[String],
) -> Result<ObjectDiff, ApplyError> {
    let live = inspect::cacerts_data(client).await?;
    let complete = live
        .as_ref()
        .map(|data| keys.iter().all(|k| data.contains_key(k)));
    let (change, lines) = cacerts_lines(complete, keys);
    Ok(ObjectDiff {
        title: object.title(),
        change,
        lines,
    })
}

/// The change and lines of the `cacerts` diff, given whether a live one
/// holds every key (`None`: there is none). A kept secret shows its keys
/// as unchanged lines, never as added ones.
fn cacerts_lines(complete: Option<bool>, keys: &[String]) -> (ChangeKind, Vec<DiffLine>) {
    let mut lines: Vec<DiffLine> = Vec::new();
    let change = match complete {
        Some(true) => {
            lines.push(DiffLine::Same(
                "# kept if it is a valid intermediate of this cluster under the mesh root; re-issued otherwise".into(),
            ));
            ChangeKind::Unchanged
        }
        Some(false) => {
            lines.push(DiffLine::Removed("# incomplete: re-issued".into()));
            ChangeKind::Update
        }
        None => ChangeKind::Create,
    };
    let line = |text: String| match change {
        ChangeKind::Unchanged => DiffLine::Same(text),
        _ => DiffLine::Added(text),
    };
    lines.push(line("type: Opaque".into()));
    lines.push(line("data:".into()));
    for key in keys {
        lines.push(line(format!(
            "  {key}: <issued by the console from the mesh root>"
        )));
    }
    (change, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_cacerts_shows_no_added_lines() {
        let keys = ["ca-cert.pem".to_owned(), "ca-key.pem".to_owned()];
        let diff = |complete| {
            let (change, lines) = cacerts_lines(complete, &keys);
            ObjectDiff {
                title: "Secret istio-system/cacerts".into(),
                change,
                lines,
            }
        };
        let kept = diff(Some(true));
        assert_eq!(kept.change, ChangeKind::Unchanged);
        assert_eq!(kept.counts(), (0, 0), "{kept:?}");
        let reissued = diff(Some(false));
        assert_eq!(reissued.change, ChangeKind::Update);
        assert_eq!(reissued.counts(), (4, 1));
        let created = diff(None);
        assert_eq!(created.change, ChangeKind::Create);
        assert_eq!(created.counts(), (4, 0));
    }
}
