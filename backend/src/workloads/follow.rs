//! Following a deployed migration: its live rollout (workloads, pods,
//! recent events) and the image-pull doctor for its stuck pods.

use shared::workloads::api::{DoctorReport, MigrationStatus};
use shared::workloads::doctor::{self, Context};
use shared::workloads::pull_secret::GCR_SECRET_NAME;
use shared::workloads::rollout::{RolloutState, overall};
use shared::workloads::spec::WORKLOAD_KINDS;

use super::target::Target;
use crate::cluster::ClusterError;
use crate::cluster::workloads as live;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::workloads::StoredMigration;

/// Events shown with a migration's status.
const EVENTS_SHOWN: usize = 30;

fn is_workload(manifest: &serde_json::Value) -> bool {
    let kind = manifest["kind"].as_str().unwrap_or_default();
    WORKLOAD_KINDS.iter().any(|(_, k)| *k == kind)
}

/// The workloads' rollouts, their pods, and the objects events are about.
async fn read(
    target: &Target,
    stored: &StoredMigration,
) -> Result<(Vec<live::WorkloadLive>, Vec<String>), ClusterError> {
    let mut workloads = Vec::new();
    for manifest in stored.manifests.iter().filter(|m| is_workload(m)) {
        workloads.push(live::workload(&target.api, manifest).await?);
    }
    let names = stored
        .migration
        .objects
        .iter()
        .map(|o| o.name.clone())
        .collect();
    Ok((workloads, names))
}

/// The migration with its live rollout; a cluster that cannot be read is
/// reported in the status rather than failing the whole list.
pub async fn status(state: &AppState, stored: StoredMigration) -> MigrationStatus {
    let m = &stored.migration;
    let read = async {
        let target = Target::of(state, &m.cluster).map_err(|e| e.to_string())?;
        // The migration names its cluster; the error need not.
        let (workloads, names) = read(&target, &stored)
            .await
            .map_err(|e| e.kind.to_string())?;
        let events = live::events(&target.api, &m.namespace, &names, Some(EVENTS_SHOWN))
            .await
            .map_err(|e| e.kind.to_string())?;
        Ok::<_, String>((workloads, events))
    };
    match read.await {
        Ok((workloads, events)) => MigrationStatus {
            state: overall(workloads.iter().map(|w| w.status.state)),
            pods: workloads
                .iter()
                .flat_map(|w| w.pods.iter().map(live::pod_status))
                .collect(),
            workloads: workloads.into_iter().map(|w| w.status).collect(),
            events,
            migration: stored.migration,
            error: None,
        },
        Err(error) => MigrationStatus {
            migration: stored.migration,
            state: RolloutState::Missing,
            workloads: Vec::new(),
            pods: Vec::new(),
            events: Vec::new(),
            error: Some(error),
        },
    }
}

/// A diagnosis for every container of the migration's pods stuck on a pull.
pub async fn doctor(state: &AppState, stored: &StoredMigration) -> Result<DoctorReport, AppError> {
    let m = &stored.migration;
    let target = Target::of(state, &m.cluster)?;
    let (workloads, names) = read(&target, stored).await?;
    let events = live::events(&target.api, &m.namespace, &names, None).await?;
    let secrets = live::pull_secrets(&target.api, &m.namespace).await?;
    let context = Context {
        member: &target.member,
        secrets: &secrets,
        json_key_secret: GCR_SECRET_NAME,
    };
    let diagnoses = workloads
        .iter()
        .flat_map(|w| &w.pods)
        .flat_map(|pod| {
            let facts = live::pod_facts(pod);
            let pod_events = live::pod_events(&events, &facts.name);
            doctor::diagnose(&facts, &pod_events, &context)
        })
        .collect();
    Ok(DoctorReport {
        migration: m.id.clone(),
        cluster: m.cluster.clone(),
        diagnoses,
    })
}
