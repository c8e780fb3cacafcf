//! The migrations list: target, rollout state, who and when, refreshed
//! live; one migration's pods and events, and the image-pull doctor; delete
//! after the confirmation naming its cluster and objects.

use leptos::prelude::*;
use shared::ApiError;
use shared::workloads::MigrationStatus;
use shared::workloads::rollout::RolloutState;

use super::delete::DeleteMigration;
use super::doctor::DoctorPanel;
use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loaded;
use crate::components::status_badge::{StatusBadge, Tone};

type Migrations = LocalResource<Result<Vec<MigrationStatus>, ApiError>>;

/// A rollout state as a badge: available passes, failed fails, the rest
/// is still under way (or gone).
fn state_badge(state: RolloutState) -> impl IntoView {
    let tone = match state {
        RolloutState::Available => Tone::Pass,
        RolloutState::Failed => Tone::Fail,
        RolloutState::Progressing | RolloutState::Missing => Tone::Warn,
    };
    view! { <span class="badge" data-state=state_label(state)><StatusBadge tone text=state_label(state)/></span> }
}

fn state_label(state: RolloutState) -> &'static str {
    match state {
        RolloutState::Available => "available",
        RolloutState::Progressing => "progressing",
        RolloutState::Failed => "failed",
        RolloutState::Missing => "missing",
    }
}

/// Pods, workloads and recent events of one migration.
#[component]
fn MigrationDetail(status: MigrationStatus) -> impl IntoView {
    view! {
        <div class="migration-detail" data-migration=status.migration.name.clone()>
            {status.error.map(|e| view! { <p class="warn">{e}</p> })}
            <h3>"Workloads"</h3>
            <ul>
                {status.workloads.into_iter().map(|w| view! {
                    <li>{format!("{}/{}: {}/{} available ", w.kind, w.name, w.available, w.desired)}
                        {state_badge(w.state)}
                    </li>
                }).collect_view()}
            </ul>
            <h3>"Pods"</h3>
            <table class="pods">
                <thead><tr><th>"Pod"</th><th>"Phase"</th><th>"Ready"</th><th>"Waiting"</th></tr></thead>
                <tbody>
                    {status.pods.into_iter().map(|p| view! {
                        <tr data-pod=p.name.clone()>
                            <td>{p.name.clone()}</td><td>{p.phase}</td><td><StatusBadge tone=Tone::of(p.ready) text=if p.ready { "Ready" } else { "Not ready" }/></td>
                            <td>{p.waiting.unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <h3>"Events"</h3>
            <ul class="events">
                {status.events.into_iter().rev().map(|e| view! {
                    <li data-type=e.kind.clone()>
                        <span class="muted">{e.at.unwrap_or_default()}</span> " " <strong>{e.reason}</strong> " "
                        <code>{e.object}</code> " " {e.message}
                        {(e.count > 1).then(|| format!(" (×{})", e.count))}
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
pub fn MigrationList(migrations: Migrations, may_change: Signal<bool>) -> impl IntoView {
    let open = RwSignal::new(None::<String>);
    // Whose deletion is being asked: kept outside the refreshed list.
    let asking = RwSignal::new(None::<String>);
    let remove = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            let done = api::workloads::remove(id.clone()).await;
            if done.is_ok() && open.get_untracked().as_deref() == Some(id.as_str()) {
                open.set(None);
            }
            migrations.refetch();
            done
        }
    });
    view! {
        <h2>"Migrations"</h2>
        <Loaded what="migrations" resource=migrations ok={move |list: Vec<MigrationStatus>| {
            if list.is_empty() {
                return view! { <p class="muted">"No migration deployed yet."</p> }.into_any();
            }
            let detail = list.iter().find(|s| open.get().as_deref() == Some(s.migration.id.as_str())).cloned();
            view! {
                <table class="migrations">
                    <thead><tr><th>"Migration"</th><th>"Target"</th><th>"Status"</th><th>"Pods"</th><th>"Deployed by"</th><th>"Updated"</th><th></th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|s| {
                            let m = s.migration.clone();
                            let (id_open, for_delete) = (m.id.clone(), m.clone());
                            let ready = s.pods.iter().filter(|p| p.ready).count();
                            view! {
                                <tr data-migration=m.name.clone() data-state=state_label(s.state)>
                                    <td><button class="link" on:click=move |_| open.update(|o| *o = if o.as_deref() == Some(id_open.as_str()) { None } else { Some(id_open.clone()) })>{m.name.clone()}</button></td>
                                    <td><code>{format!("{}/{}", m.cluster, m.namespace)}</code></td>
                                    <td>{state_badge(s.state)}</td>
                                    <td>{format!("{ready}/{}", s.pods.len())}</td>
                                    <td>{m.created_by.clone()}</td>
                                    <td>{shared::time::format_utc(m.updated_at)}</td>
                                    <td>
                                        <Show when=move || may_change.get()>
                                            {
                                                let m = for_delete.clone();
                                                view! {
                                                    <DeleteMigration m asking pending=remove.pending()
                                                        on_delete=Callback::new(move |id: String| { remove.dispatch_local(id); })/>
                                                }
                                            }
                                        </Show>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {detail.map(|status| view! { <MigrationDetail status/> })}
            }.into_any()
        }}/>
        // Outside the refreshed list, so a diagnosis and a half-typed fix
        // survive each refresh.
        {move || open.get().map(|id| view! { <DoctorPanel id may_change/> })}
        {move || remove.value().get().and_then(Result::err).map(|error| view! { <ErrorView error/> })}
    }
}
