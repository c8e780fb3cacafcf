//! Previewing a deploy: the server-side (unforced) dry run of every object
//! the plan applies, the pull secret shown by name and type only, and
//! whether each registry is reachable with what the pods will carry. An
//! object other owners manage is the same 409 the deploy would answer.

use serde_json::{Value, json};
use shared::diff::ObjectDiff;
use shared::workloads::Registry;
use shared::workloads::access::{RegistryAccess, need_for};
use shared::workloads::api::Preview;
use shared::workloads::doctor::SecretFacts;
use shared::workloads::plan::{Plan, PlannedSecret};
use shared::workloads::pull_secret::SecretMode;
use shared::workloads::wiring;

use super::deploy::{bodies, holdings};
use super::ownership;
use super::target::Target;
use crate::cluster::MemberApi;
use crate::cluster::apply;
use crate::cluster::workloads as live;
use crate::error::AppError;
use crate::state::AppState;

/// What deploying `plan` on `target` would change, before it does; an
/// object other owners manage is a 409 naming them, as the deploy's would be.
pub async fn preview(state: &AppState, plan: &Plan, target: &Target) -> Result<Preview, AppError> {
    let client = &target.api;
    let namespace = &plan.namespace;
    let holdings = holdings(state, plan, target).await?;
    let foreign = ownership::foreign(target, &holdings, &bodies(plan)).await?;
    if !foreign.is_empty() {
        return Err(ownership::refuse_foreign(&target.cluster, &foreign));
    }
    let existing = live::pull_secrets(client, namespace).await?;
    let account = live::default_service_account(client, namespace).await?;
    let mut changes = Vec::new();
    if let Some(secret) = &plan.secret {
        let diff = review(client, &secret.manifest).await?;
        changes.push(redacted(diff, &secret.manifest, namespace));
        if secret.mode == SecretMode::ServiceAccount {
            let body = wiring::service_account_with(account.as_ref(), namespace, &secret.name);
            changes.push(review(client, &body).await?);
        }
    }
    for manifest in &plan.manifests {
        changes.push(review(client, manifest).await?);
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

/// An unforced dry run of `body`: it meets the conflicts the apply would.
async fn review(client: &MemberApi, body: &Value) -> Result<ObjectDiff, AppError> {
    client
        .review_unforced(body)
        .await
        .map_err(|e| ownership::conflict_hint(e.into()))
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
