//! Removing one revision's control plane from one cluster (a finish):
//! offered only when the backend's preview — computed by the code the run
//! uses — says it can succeed, else disabled with the preview's reason;
//! confirmed in a dialog listing exactly the preview's objects.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ApiError;
use shared::fleet::Cluster;
use shared::mesh::migration::ensure_unused;
use shared::mesh::migration::removal::{Removal, RemovalPlan};
use shared::mesh::migration::run::FinishRequest;

use super::Migration;
use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::error_view::ErrorView;

/// A preview as fetched for a state of the cluster (`None` while it loads).
type Preview = (String, Option<Result<RemovalPlan, ApiError>>);

/// The finish panel's state, kept outside its rows, which are redrawn as
/// the fleet changes. Keys are `cluster/revision`.
#[derive(Clone, Copy)]
pub struct Removals {
    previews: RwSignal<HashMap<String, Preview>>,
    errors: RwSignal<HashMap<String, ApiError>>,
    asking: RwSignal<Option<RemovalPlan>>,
    /// Starts a confirmed finish (pending while the request is out); a
    /// refusal lands in `errors` under its key.
    finish: Action<(Migration, FinishRequest, String), ()>,
}

impl Removals {
    pub fn new() -> Self {
        let errors = RwSignal::new(HashMap::new());
        let asking = RwSignal::new(None);
        let finish = Action::new_local(
            move |(m, request, key): &(Migration, FinishRequest, String)| {
                let (m, request, key) = (*m, request.clone(), key.clone());
                async move {
                    match api::migration::finish(request).await {
                        Ok(run) => m.track(run),
                        Err(e) => {
                            errors.try_update(|errors| errors.insert(key, e));
                        }
                    }
                    asking.try_set(None);
                }
            },
        );
        Self {
            previews: RwSignal::new(HashMap::new()),
            errors,
            asking,
            finish,
        }
    }
}

/// What the preview's answer depends on, as the fleet shows it: a new
/// preview is fetched when it changes.
fn usage_key(cluster: &Cluster, revision: &str) -> String {
    let planes: Vec<_> = cluster
        .control_planes
        .iter()
        .map(|cp| (&cp.revision, cp.deployment.is_some(), cp.webhook))
        .collect();
    format!("{:?} {planes:?}", ensure_unused(cluster, revision))
}

fn request(cluster: &str, revision: &str) -> Option<FinishRequest> {
    Some(FinishRequest {
        cluster: cluster.parse().ok()?,
        revision: revision.to_owned(),
    })
}

/// Fetches the preview of `key` unless one for `usage` is there.
fn refresh(r: Removals, key: String, usage: String, request: FinishRequest) {
    let fresh = r
        .previews
        .with_untracked(|p| p.get(&key).is_some_and(|(u, _)| *u == usage));
    if fresh {
        return;
    }
    r.previews.update(|p| {
        p.insert(key.clone(), (usage.clone(), None));
    });
    spawn_local(async move {
        let answer = api::migration::preview_finish(&request).await;
        r.previews.try_update(|p| {
            if p.get(&key).is_some_and(|(u, _)| *u == usage) {
                p.insert(key, (usage, Some(answer)));
            }
        });
    });
}

fn plan_summary(plan: &RemovalPlan) -> String {
    let deleted: Vec<String> = plan
        .steps
        .iter()
        .filter(|s| s.deletes())
        .map(|s| s.object().title())
        .collect();
    let others: Vec<String> = plan
        .steps
        .iter()
        .filter(|s| !s.deletes())
        .map(Removal::title)
        .collect();
    let mut text = format!("deletes {}", deleted.join(", "));
    if !others.is_empty() {
        text.push_str(&format!("; {}", others.join("; ")));
    }
    text
}

/// Asks, listing the plan's steps, then starts the finish.
fn confirm_view(m: Migration, r: Removals, plan: RemovalPlan) -> impl IntoView {
    let question = format!(
        "Remove revision {} from {}? Each object below is deleted or kept as listed; nothing else changes.",
        plan.revision, plan.cluster
    );
    let objects: Vec<String> = plan.steps.iter().map(Removal::title).collect();
    let deletes = plan.steps.iter().filter(|s| s.deletes()).count();
    let confirm = format!("Delete {deletes} objects on {}", plan.cluster);
    let key = format!("{}/{}", plan.cluster, plan.revision);
    let on_confirm = Callback::new(move |()| {
        let request = FinishRequest {
            cluster: plan.cluster.clone(),
            revision: plan.revision.clone(),
        };
        r.finish.dispatch_local((m, request, key.clone()));
    });
    let on_cancel = Callback::new(move |()| r.asking.set(None));
    let pending = r.finish.pending();
    view! { <ConfirmDialog question objects confirm on_confirm on_cancel pending/> }
}

/// The finish of `revision` on `cluster`: for operators what it would do,
/// its button (or why not) and its confirmation; for other roles what
/// still uses the revision.
#[component]
pub fn RemovalControl(
    m: Migration,
    r: Removals,
    cluster: Cluster,
    revision: String,
    label: String,
) -> impl IntoView {
    move || {
        let (cluster, revision, label) = (cluster.clone(), revision.clone(), label.clone());
        if m.may_act.get() {
            view! { <OperatorRemoval m r cluster revision label/> }.into_any()
        } else {
            let text = match ensure_unused(&cluster, &revision) {
                Ok(_) => format!("nothing uses {revision} any more"),
                Err(why) => format!("still in use — {why}"),
            };
            view! { <p class="muted dependency-check">{text}</p> }.into_any()
        }
    }
}

#[component]
fn OperatorRemoval(
    m: Migration,
    r: Removals,
    cluster: Cluster,
    revision: String,
    label: String,
) -> impl IntoView {
    let name = cluster.name().to_string();
    let key = format!("{name}/{revision}");
    let Some(finish) = request(&name, &revision) else {
        return ().into_any();
    };
    refresh(
        r,
        key.clone(),
        usage_key(&cluster, &revision),
        finish.clone(),
    );
    let preview = {
        let key = key.clone();
        move || {
            r.previews
                .with(|p| p.get(&key).and_then(|(_, a)| a.clone()))
        }
    };
    let ask = move || {
        let finish = finish.clone();
        r.errors.update(|e| e.clear());
        spawn_local(async move {
            match api::migration::preview_finish(&finish).await {
                Ok(plan) => r.asking.set(Some(plan)),
                Err(e) => r.errors.update(|errors| {
                    errors.insert(format!("{}/{}", finish.cluster, finish.revision), e);
                }),
            }
        });
    };
    let asking_here = {
        let (name, revision) = (name.clone(), revision.clone());
        move || {
            r.asking
                .get()
                .filter(|p| p.cluster.as_str() == name && p.revision == revision)
        }
    };
    let shown = preview.clone();
    let enabled = move || matches!(preview(), Some(Ok(_)));
    let rev = revision.clone();
    view! {
        <div class="removal" data-revision=revision.clone()>
            {move || match shown() {
                None => view! { <p class="muted dependency-check">"Checking what removing " <code>{rev.clone()}</code> " would do…"</p> }.into_any(),
                Some(Ok(plan)) => view! {
                    <p class="ok dependency-check" data-unused="true">
                        "Nothing uses " <code>{rev.clone()}</code> " any more: removing it " {plan_summary(&plan)} "."
                    </p>
                }.into_any(),
                Some(Err(why)) => view! {
                    <p class="warning dependency-check disabled-reason" data-unused="false" data-testid="finish-refused-reason">{why.message}</p>
                }.into_any(),
            }}
            <button data-action="finish" data-revision=revision.clone()
                disabled=move || !enabled() || r.finish.pending().get() || r.asking.with(Option::is_some)
                on:click=move |_| ask()>
                {label.clone()}
            </button>
            {move || asking_here().map(|plan| confirm_view(m, r, plan))}
            {move || r.errors.with(|e| e.get(&key).cloned()).map(|error| view! { <ErrorView error/> })}
        </div>
    }
    .into_any()
}
