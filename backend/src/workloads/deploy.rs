//! Deploying a migrated workload on a member cluster and undoing it:
//! check the request against its target, apply and record the migration
//! (preview in [`super::preview`]), set registry access on a deployed
//! migration (the doctor's fix), and delete what it created.
//! Nothing reaches the cluster before `shared::workloads::reach` allows it,
//! and nothing is taken from another owner unless the operator confirmed it
//! (see [`super::ownership`]).

use serde_json::{Value, json};
use shared::workloads::Migration;
use shared::workloads::api::{DeployRequest, Origin, PullSecretInput};
use shared::workloads::plan::{Plan, PlanError, PlannedSecret, planned_secret};
use shared::workloads::pull_secret::SecretMode;
use shared::workloads::reach as rules;
use shared::workloads::wiring;

use super::ownership::{self, Holdings};
use super::target::Target;
use crate::cluster::apply::ObjectRef;
use crate::cluster::reach;
use crate::cluster::workloads as live;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::workloads::StoredMigration;

fn bad(err: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(err.to_string())
}

/// A request checked against its target: the plan and where it goes. A
/// plan reaching mesh identity or CA material (also CA material the live
/// namespace holds) is a 400 naming its fields.
pub async fn prepare(
    state: &AppState,
    request: &DeployRequest,
) -> Result<(Plan, Target), AppError> {
    let plan = Plan::of(request).map_err(|e| match e {
        PlanError::Reach(fields) => AppError::Invalid(fields),
        other => bad(other),
    })?;
    let target = Target::of(state, &request.cluster)?;
    target.require_namespace(&plan.namespace).await?;
    let held = reach::ca_material(&target.api, &plan.namespace).await?;
    let refused = rules::namespace_violations(&plan.namespace, &held);
    if !refused.is_empty() {
        return Err(AppError::Invalid(refused));
    }
    Ok((plan, target))
}

/// What the migrations of the plan's namespace hold, the plan's own
/// migration (if deployed before) apart.
pub(super) async fn holdings(
    state: &AppState,
    plan: &Plan,
    target: &Target,
) -> Result<Holdings, AppError> {
    let existing = state
        .store()
        .find_migration_at(&target.cluster, &plan.namespace, &plan.name)
        .await?;
    let id = existing.as_ref().map(|m| m.migration.id.as_str());
    Holdings::of(state, &target.cluster, &plan.namespace, id).await
}

/// The objects the plan applies, its pull secret first.
pub(super) fn bodies(plan: &Plan) -> Vec<&Value> {
    plan.secret
        .iter()
        .map(|s| &s.manifest)
        .chain(plan.manifests.iter())
        .collect()
}

/// Checks `take_over` against the objects of `plan` other owners manage
/// (see [`ownership::check_take_over`]).
async fn check_take_over(
    state: &AppState,
    plan: &Plan,
    target: &Target,
    take_over: &[String],
) -> Result<(), AppError> {
    let holdings = holdings(state, plan, target).await?;
    ownership::check_take_over(target, &holdings, &bodies(plan), take_over).await
}

/// Applies `plan` and records the migration (also when a step fails after
/// others were applied, so deleting it still removes what it created).
/// `take_over` names the objects other owners manage that the operator
/// confirmed taking over (empty for a plain deploy, which takes nothing).
pub async fn deploy(
    state: &AppState,
    plan: &Plan,
    target: &Target,
    who: &str,
    take_over: &[String],
) -> Result<Migration, AppError> {
    check_take_over(state, plan, target, take_over).await?;
    let now = state.clock().now();
    let store = state.store();
    let mut stored = match store
        .find_migration_at(&target.cluster, &plan.namespace, &plan.name)
        .await?
    {
        Some(found) => found,
        None => StoredMigration {
            migration: Migration {
                id: crate::auth::secrets::random_token()[..16].to_owned(),
                name: plan.name.clone(),
                cluster: target.cluster.clone(),
                namespace: plan.namespace.clone(),
                objects: Vec::new(),
                service_account_secret: None,
                created_by: who.to_owned(),
                created_at: now,
                updated_at: now,
            },
            manifests: Vec::new(),
        },
    };
    stored.migration.updated_at = now;
    let holdings = Holdings::of(
        state,
        &target.cluster,
        &plan.namespace,
        Some(&stored.migration.id),
    )
    .await?;
    let outcome = apply_plan(plan, target, &holdings, &mut stored, take_over).await;
    if !stored.migration.objects.is_empty() {
        store.save_migration(&stored).await?;
    }
    outcome.map(|()| stored.migration)
}

async fn apply_plan(
    plan: &Plan,
    target: &Target,
    holdings: &Holdings,
    stored: &mut StoredMigration,
    take_over: &[String],
) -> Result<(), AppError> {
    if let Some(secret) = &plan.secret {
        add_secret(target, holdings, &plan.namespace, secret, stored, take_over).await?;
    }
    for manifest in &plan.manifests {
        let object = ownership::apply_object(target, holdings, manifest, take_over).await?;
        stored.manifests.retain(|m| {
            !ownership::applied(m, object.origin).is_ok_and(|o| o.same_object(&object))
        });
        stored.manifests.push(manifest.clone());
        ownership::remember(&mut stored.migration.objects, object);
    }
    Ok(())
}

/// Creates the pull secret and, in service account mode, lists it on the
/// namespace's default service account.
async fn add_secret(
    target: &Target,
    holdings: &Holdings,
    namespace: &str,
    secret: &PlannedSecret,
    stored: &mut StoredMigration,
    take_over: &[String],
) -> Result<(), AppError> {
    let client = &target.api;
    let object = ownership::apply_object(target, holdings, &secret.manifest, take_over).await?;
    // The secret goes first so it is deleted last.
    if !stored
        .migration
        .objects
        .iter()
        .any(|o| o.same_object(&object))
    {
        stored.migration.objects.insert(0, object);
    }
    if secret.mode == SecretMode::ServiceAccount {
        let account = live::default_service_account(client, namespace).await?;
        let body = wiring::service_account_with(account.as_ref(), namespace, &secret.name);
        client
            .apply(&body, false)
            .await
            .map_err(|e| ownership::conflict_hint(e.into()))?;
        stored.migration.service_account_secret = Some(secret.name.clone());
    }
    Ok(())
}

/// The doctor's fix: a pull secret for a deployed migration, wired as the
/// operator chose, and its pods replaced so they carry it.
pub async fn set_registry_access(
    state: &AppState,
    mut stored: StoredMigration,
    input: &PullSecretInput,
) -> Result<(Migration, PlannedSecret), AppError> {
    let target = Target::of(state, &stored.migration.cluster)?;
    let namespace = stored.migration.namespace.clone();
    target.require_namespace(&namespace).await?;
    let images: Vec<shared::workloads::ImageRef> = stored
        .manifests
        .iter()
        .flat_map(|m| {
            ["initContainers", "containers"]
                .into_iter()
                .flat_map(move |l| {
                    m["spec"]["template"]["spec"][l]
                        .as_array()
                        .into_iter()
                        .flatten()
                })
        })
        .filter_map(|c| c["image"].as_str())
        .filter_map(|i| shared::workloads::ImageRef::parse(i).ok())
        .collect();
    let registries = shared::workloads::images::registries_of(&images);
    let secret = planned_secret(input, &registries, &namespace).map_err(bad)?;
    check_reach(&target, &stored, &secret.name).await?;
    let now = state.clock().now();
    stored.migration.updated_at = now;
    let holdings = Holdings::of(
        state,
        &target.cluster,
        &namespace,
        Some(&stored.migration.id),
    )
    .await?;
    let outcome = wire(&target, &holdings, &namespace, &secret, &mut stored, now).await;
    state.store().save_migration(&stored).await?;
    outcome.map(|()| (stored.migration, secret))
}

/// The migration re-checked before the doctor's fix re-applies it: its
/// namespace as it is now, its manifests, and the new pull secret's name
/// (its pods may read the secrets it created and the new one).
async fn check_reach(
    target: &Target,
    stored: &StoredMigration,
    secret: &str,
) -> Result<(), AppError> {
    let namespace = &stored.migration.namespace;
    let held = reach::ca_material(&target.api, namespace).await?;
    let mut created: Vec<&str> = stored
        .migration
        .objects
        .iter()
        .filter(|o| o.kind == "Secret" && o.origin == Origin::Created)
        .map(|o| o.name.as_str())
        .collect();
    created.push(secret);
    let mut refused = rules::namespace_violations(namespace, &held);
    refused.extend(rules::pull_secret_violations(secret));
    refused.extend(rules::spec_violations(&stored.manifests, &created));
    match refused.is_empty() {
        true => Ok(()),
        false => Err(AppError::Invalid(refused)),
    }
}

async fn wire(
    target: &Target,
    holdings: &Holdings,
    namespace: &str,
    secret: &PlannedSecret,
    stored: &mut StoredMigration,
    now: i64,
) -> Result<(), AppError> {
    add_secret(target, holdings, namespace, secret, stored, &[]).await?;
    let restarted_at = shared::time::format_utc(now);
    for manifest in stored.manifests.iter_mut() {
        if manifest["spec"]["template"].is_null() {
            continue;
        }
        let mut next = manifest.clone();
        if secret.mode == SecretMode::PodTemplate {
            let pod = &mut next["spec"]["template"]["spec"];
            let mut names = wiring::names(&pod["imagePullSecrets"]);
            if !names.contains(&secret.name) {
                names.push(secret.name.clone());
            }
            pod["imagePullSecrets"] = names.iter().map(|n| json!({"name": n})).collect();
        }
        // Pods read their pull secrets when created: replace them.
        let next = wiring::restarted(next, &restarted_at);
        target
            .api
            .apply(&next, false)
            .await
            .map_err(|e| ownership::conflict_hint(e.into()))?;
        *manifest = next;
    }
    Ok(())
}

/// Deletes what `stored` created, newest first, except objects another
/// migration in the same namespace also holds (objects it found or took
/// over stay); takes its pull secret off the default service account.
/// Returns what was deleted.
pub async fn delete(state: &AppState, stored: &StoredMigration) -> Result<Vec<String>, AppError> {
    let m = &stored.migration;
    let target = Target::of(state, &m.cluster)?;
    let others: Vec<StoredMigration> = state
        .store()
        .list_migrations()
        .await?
        .into_iter()
        .filter(|o| {
            o.migration.id != m.id
                && o.migration.cluster == m.cluster
                && o.migration.namespace == m.namespace
        })
        .collect();
    let mut deleted = Vec::new();
    if let Some(secret) = &m.service_account_secret {
        let still_used = others
            .iter()
            .any(|o| o.migration.service_account_secret.as_ref() == Some(secret));
        let account = live::default_service_account(&target.api, &m.namespace).await?;
        if !still_used && let Some(account) = account {
            let body = wiring::service_account_without(Some(&account), &m.namespace, secret);
            target.api.apply(&body, false).await?;
        }
    }
    for object in ownership::deletable(stored, &others) {
        let reference = ObjectRef {
            api_version: object.api_version.clone(),
            kind: object.kind.clone(),
            namespace: Some(m.namespace.clone()),
            name: object.name.clone(),
        };
        if target.api.delete(&reference).await? {
            deleted.push(object.title());
        }
    }
    state.store().delete_migration(&m.id).await?;
    Ok(deleted)
}
