//! Finish: removing a revision's control plane from one cluster (the old
//! one at the end of a migration, or a rolled-back new one). One function
//! plans it — for the preview and for the run — so the run's steps are the
//! preview's objects, each delete carrying the uid seen when planned.

use shared::fleet::DEFAULT_REVISION;
use shared::mesh::ISTIO_SYSTEM;
use shared::mesh::migration::removal::{Removal, RemovalPlan};
use shared::mesh::migration::run::{FinishRequest, MigrationOp, MigrationRun};
use shared::mesh::migration::{Doomed, ensure_unused};

use super::job::Work;
use super::start::{Planned, Target, launch, member, revision_of};
use crate::audit::Actor;
use crate::cluster::MemberApi;
use crate::cluster::mesh::control_plane::{self, VALIDATION_SERVICE};
use crate::cluster::mesh::error::MigrationError;
use crate::error::AppError;
use crate::state::AppState;

/// What finishing `request` would do on its cluster now, or the refusal
/// (409) naming what still depends on the revision.
pub async fn preview(state: &AppState, request: &FinishRequest) -> Result<RemovalPlan, AppError> {
    plan(state, request).await.map(|(_, plan)| plan)
}

/// Starts removing the revision's control plane with the steps
/// [`preview`] shows, refused (409) while anything uses it or no other
/// revision takes over.
pub async fn finish(
    state: &AppState,
    request: FinishRequest,
    actor: Actor,
) -> Result<MigrationRun, AppError> {
    let (client, plan) = plan(state, &request).await?;
    let mut planned = Planned::default();
    for step in plan.steps {
        let title = step.title();
        planned.push(work_of(step), title);
    }
    let target = Target {
        op: MigrationOp::Finish,
        cluster: request.cluster,
        namespace: None,
        revision: request.revision,
    };
    launch(state, client, target, planned, actor).await
}

/// The job's work for one planned step.
fn work_of(step: Removal) -> Work {
    match step {
        Removal::Delete { object, uid } => Work::DeleteSeen {
            doomed: object,
            uid,
        },
        // Re-checked when run: kept only while it still selects another
        // revision, else deleted if it is still the object seen.
        Removal::KeepValidation { object, uid, .. } => Work::DeleteSeenUnlessValidating {
            doomed: object,
            uid,
        },
        Removal::PointValidation { .. } => Work::RestoreValidation,
    }
}

/// The validation webhooks' Service.
fn validation_service() -> Doomed {
    Doomed {
        api_version: "v1".into(),
        kind: "Service".into(),
        namespace: Some(ISTIO_SYSTEM.into()),
        name: VALIDATION_SERVICE.into(),
    }
}

async fn plan(
    state: &AppState,
    request: &FinishRequest,
) -> Result<(MemberApi, RemovalPlan), AppError> {
    let revision = request.revision.as_str();
    if revision != DEFAULT_REVISION {
        revision_of(revision)?;
    }
    let name = request.cluster.to_string();
    let (cluster, client) = member(state, &name, None)?;
    let on_cluster = |e: MigrationError| AppError::ClusterUnreachable {
        cluster: name.clone(),
        reason: e.to_string(),
    };
    let default_installed = cluster
        .control_planes
        .iter()
        .any(|cp| cp.revision == DEFAULT_REVISION && cp.deployment.is_some());
    let live = control_plane::live_usage(&client, cluster)
        .await
        .map_err(on_cluster)?;
    let doomed =
        ensure_unused(&live, revision).map_err(|still| AppError::Conflict(still.to_string()))?;
    let webhooks = control_plane::webhooks_of(&client, revision)
        .await
        .map_err(on_cluster)?;
    let validation = control_plane::validation_revision(&client)
        .await
        .map_err(on_cluster)?;
    let mut steps = Vec::new();
    for object in doomed.into_iter().chain(webhooks) {
        let uid = control_plane::uid_of(&client, &object)
            .await
            .map_err(on_cluster)?;
        let validating = object.kind == "Service" && object.name == VALIDATION_SERVICE;
        steps.push(match validation.as_deref() {
            Some(selected) if validating && selected != revision => Removal::KeepValidation {
                object,
                uid,
                selects: selected.to_owned(),
            },
            _ => Removal::Delete { object, uid },
        });
    }
    // An install of `revision` pointed validation at it: it goes back to
    // the unrevisioned control plane that stays.
    if revision != DEFAULT_REVISION && validation.as_deref() == Some(revision) && default_installed
    {
        steps.push(Removal::PointValidation {
            object: validation_service(),
            to: DEFAULT_REVISION.to_owned(),
        });
    }
    let plan = RemovalPlan {
        cluster: request.cluster.clone(),
        revision: revision.to_owned(),
        steps,
    };
    Ok((client, plan))
}
