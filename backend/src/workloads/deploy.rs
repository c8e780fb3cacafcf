//! Deploying a migrated workload on a member cluster and undoing it:
//! preview (server-side dry run of every object, the pull secret shown by
//! name and type only), apply and record the migration, set registry access
//! on a deployed migration (the doctor's fix), and delete exactly what the
//! console applied for it.

use serde_json::{Value, json};
use shared::diff::ObjectDiff;
use shared::fleet::Member;
use shared::workloads::access::{RegistryAccess, need_for};
use shared::workloads::api::{AppliedObject, DeployRequest, Preview, PullSecretInput};
use shared::workloads::doctor::SecretFacts;
use shared::workloads::plan::{Plan, PlannedSecret, planned_secret};
use shared::workloads::pull_secret::SecretMode;
use shared::workloads::wiring;
use shared::workloads::{Migration, Registry};

use crate::cluster::MemberApi;
use crate::cluster::apply::{self, ObjectRef};
use crate::cluster::workloads as live;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::workloads::StoredMigration;

/// A member cluster to deploy on.
pub struct Target {
    pub cluster: String,
    /// Acts on the member.
    pub api: MemberApi,
    /// The member as the fleet describes it.
    pub member: Member,
}

impl Target {
    pub fn of(state: &AppState, cluster: &str) -> Result<Self, AppError> {
        let api = state.fleet().member_api(cluster)?;
        let member = state
            .fleet()
            .cluster(cluster)
            .map(|c| c.member)
            .ok_or_else(|| AppError::UnknownCluster(cluster.to_owned()))?;
        Ok(Self {
            cluster: cluster.to_owned(),
            api,
            member,
        })
    }

    /// A namespace that does not exist is a 404 naming the cluster.
    pub async fn require_namespace(&self, namespace: &str) -> Result<(), AppError> {
        let exists = live::namespace_exists(&self.api, namespace).await?;
        if exists {
            Ok(())
        } else {
            Err(AppError::NotFoundOn {
                cluster: self.cluster.clone(),
                message: format!("namespace {namespace} does not exist"),
            })
        }
    }
}

fn bad(err: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(err.to_string())
}

/// A request checked against its target: the plan and where it goes.
pub async fn prepare(
    state: &AppState,
    request: &DeployRequest,
) -> Result<(Plan, Target), AppError> {
    let plan = Plan::of(request).map_err(bad)?;
    let target = Target::of(state, &request.cluster)?;
    target.require_namespace(&plan.namespace).await?;
    Ok((plan, target))
}

/// What deploying `plan` on `target` would change, before it does.
pub async fn preview(plan: &Plan, target: &Target) -> Result<Preview, AppError> {
    let client = &target.api;
    let namespace = &plan.namespace;
    let existing = live::pull_secrets(client, namespace).await?;
    let account = live::default_service_account(client, namespace).await?;
    let mut changes = Vec::new();
    if let Some(secret) = &plan.secret {
        let diff = client.review(&secret.manifest).await?;
        changes.push(redacted(diff, &secret.manifest, namespace));
        if secret.mode == SecretMode::ServiceAccount {
            let body = wiring::service_account_with(account.as_ref(), namespace, &secret.name);
            changes.push(client.review(&body).await?);
        }
    }
    for manifest in &plan.manifests {
        changes.push(client.review(manifest).await?);
    }
    let referenced = referenced_secrets(plan, account.as_ref());
    let registries = plan
        .registries
        .iter()
        .map(|registry| RegistryAccess {
            need: need_for(
                registry,
                target.member.project.as_ref(),
                target.member.platform,
                covering(plan.secret.as_ref(), &existing, &referenced, registry).as_deref(),
            ),
            registry: registry.clone(),
        })
        .collect();
    Ok(Preview {
        name: plan.name.clone(),
        cluster: target.cluster.clone(),
        namespace: namespace.clone(),
        images: plan.images.clone(),
        registries,
        changes,
    })
}

/// The pull secrets the spec's pods will carry: those their templates name
/// and, for pods without their own, the default service account's.
fn referenced_secrets(plan: &Plan, account: Option<&Value>) -> Vec<String> {
    let mut names: Vec<String> = plan
        .manifests
        .iter()
        .flat_map(|m| wiring::names(&m["spec"]["template"]["spec"]["imagePullSecrets"]))
        .collect();
    if let Some(account) = account {
        names.extend(wiring::names(&account["imagePullSecrets"]));
    }
    if let Some(secret) = &plan.secret {
        names.push(secret.name.clone());
    }
    names
}

fn covering(
    planned: Option<&PlannedSecret>,
    existing: &[SecretFacts],
    referenced: &[String],
    registry: &Registry,
) -> Option<String> {
    if let Some(secret) = planned.filter(|s| s.servers.contains(&registry.host)) {
        return Some(secret.name.clone());
    }
    existing
        .iter()
        .find(|s| referenced.contains(&s.name) && s.servers.contains(&registry.host))
        .map(|s| s.name.clone())
}

/// A secret's diff without its data: name and type only.
fn redacted(diff: ObjectDiff, manifest: &Value, namespace: &str) -> ObjectDiff {
    let shown = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": manifest["metadata"]["name"], "namespace": namespace},
        "type": manifest["type"],
    });
    let text = apply::yaml(&shown);
    let mut view = ObjectDiff::between(diff.title, None, Some(&text));
    view.change = diff.change;
    view
}

fn applied(body: &Value) -> Result<AppliedObject, AppError> {
    let object = ObjectRef::of(body).map_err(bad)?;
    Ok(AppliedObject {
        api_version: object.api_version,
        kind: object.kind,
        name: object.name,
    })
}

fn remember(objects: &mut Vec<AppliedObject>, object: AppliedObject) {
    if !objects.contains(&object) {
        objects.push(object);
    }
}

/// Applies `plan` and records the migration (also when a step fails after
/// others were applied, so deleting it still removes them).
pub async fn deploy(
    state: &AppState,
    plan: &Plan,
    target: &Target,
    who: &str,
) -> Result<Migration, AppError> {
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
    let outcome = apply_plan(plan, target, &mut stored).await;
    if !stored.migration.objects.is_empty() {
        store.save_migration(&stored).await?;
    }
    outcome.map(|()| stored.migration)
}

async fn apply_plan(
    plan: &Plan,
    target: &Target,
    stored: &mut StoredMigration,
) -> Result<(), AppError> {
    if let Some(secret) = &plan.secret {
        add_secret(target, &plan.namespace, secret, stored).await?;
    }
    for manifest in &plan.manifests {
        target.api.apply(manifest, false).await?;
        let object = applied(manifest)?;
        stored
            .manifests
            .retain(|m| applied(m).ok().as_ref() != Some(&object));
        stored.manifests.push(manifest.clone());
        remember(&mut stored.migration.objects, object);
    }
    Ok(())
}

/// Creates the pull secret and, in service account mode, lists it on the
/// namespace's default service account.
async fn add_secret(
    target: &Target,
    namespace: &str,
    secret: &PlannedSecret,
    stored: &mut StoredMigration,
) -> Result<(), AppError> {
    let client = &target.api;
    client.apply(&secret.manifest, false).await?;
    // The secret goes first so it is deleted last.
    let object = applied(&secret.manifest)?;
    if !stored.migration.objects.contains(&object) {
        stored.migration.objects.insert(0, object);
    }
    if secret.mode == SecretMode::ServiceAccount {
        let account = live::default_service_account(client, namespace).await?;
        let body = wiring::service_account_with(account.as_ref(), namespace, &secret.name);
        client.apply(&body, false).await?;
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
    let now = state.clock().now();
    stored.migration.updated_at = now;
    let outcome = wire(&target, &namespace, &secret, &mut stored, now).await;
    state.store().save_migration(&stored).await?;
    outcome.map(|()| (stored.migration, secret))
}

async fn wire(
    target: &Target,
    namespace: &str,
    secret: &PlannedSecret,
    stored: &mut StoredMigration,
    now: i64,
) -> Result<(), AppError> {
    add_secret(target, namespace, secret, stored).await?;
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
        target.api.apply(&next, false).await?;
        *manifest = next;
    }
    Ok(())
}

/// Deletes what the console applied for `stored`, newest first, except
/// objects another migration in the same namespace also applied; takes its
/// pull secret off the default service account. Returns what was deleted.
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
    let shared_with_others =
        |object: &AppliedObject| others.iter().any(|o| o.migration.objects.contains(object));
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
    for object in m.objects.iter().rev() {
        if shared_with_others(object) {
            continue;
        }
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
