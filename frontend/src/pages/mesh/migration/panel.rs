//! The panel of one namespace on one cluster: migrate it to the target
//! revision, verify it (pods per revision, stragglers by name), roll it
//! back; each run's steps follow its progress stream, and a refusal or a
//! failed step shows here naming the cluster.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ApiError;
use shared::mesh::migration::run::{MigrationOp, NamespaceRequest, Verification};
use shared::mesh::migration::waves::TargetRef;

use super::Migration;
use super::steps::run_view;
use crate::api;
use crate::components::error_view::ErrorView;

fn verification_view(v: &Verification) -> impl IntoView + use<> {
    let pods = v
        .pods
        .iter()
        .map(|(rev, n)| {
            let name = if rev.is_empty() {
                "no proxy".to_owned()
            } else {
                rev.clone()
            };
            view! { <tr data-revision=rev.clone()><th scope="row">{name}</th><td>{*n}</td></tr> }
        })
        .collect_view();
    let stragglers = if v.stragglers.is_empty() {
        view! { <p class="ok" data-testid="no-stragglers">"No stragglers: every pod runs " <code>{v.revision.clone()}</code> " and is Ready."</p> }
            .into_any()
    } else {
        let items = v
            .stragglers
            .iter()
            .map(|s| {
                view! {
                    <li data-pod=s.name.clone()>
                        <code>{s.name.clone()}</code> " — "
                        {s.revision.clone().unwrap_or_else(|| "no proxy".into())} ", "
                        {format!("{:?}", s.phase)} {(!s.ready).then_some(", not Ready")}
                    </li>
                }
            })
            .collect_view();
        view! {
            <div class="stragglers" data-testid="stragglers">
                <p class="warning">{v.stragglers.len()} " stragglers not on " <code>{v.revision.clone()}</code> " or not Ready:"</p>
                <ul>{items}</ul>
            </div>
        }
        .into_any()
    };
    view! {
        <div class="verification-result" data-testid="verification-result" data-complete=v.complete().to_string() data-state=format!("{:?}", v.state).to_lowercase()>
            <table class="pods-per-revision">
                <caption>"Pods per revision in " <code>{v.namespace.clone()}</code> " on " <code>{v.cluster.to_string()}</code></caption>
                <tbody>{pods}</tbody>
            </table>
            <p class="muted">{v.on_revision.len()} " pods labelled " <code>{format!("istio.io/rev={}", v.revision)}</code></p>
            {stragglers}
        </div>
    }
}

#[component]
fn Panel(m: Migration, target: TargetRef, to: String) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let verification = RwSignal::new(None::<Verification>);
    let request = NamespaceRequest {
        cluster: target.cluster.clone(),
        namespace: target.namespace.clone(),
        revision: to.clone(),
    };
    let start = move |op: MigrationOp, request: NamespaceRequest| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::migration::start_namespace_run(op, request).await {
                Ok(run) => m.track(run),
                Err(e) => error.set(Some(e)),
            }
            busy.try_set(false);
        });
    };
    let verify = {
        let (cluster, namespace, revision) = (
            target.cluster.to_string(),
            target.namespace.clone(),
            to.clone(),
        );
        move || {
            let (cluster, namespace, revision) =
                (cluster.clone(), namespace.clone(), revision.clone());
            error.set(None);
            spawn_local(async move {
                match api::migration::verify(cluster, namespace, revision).await {
                    Ok(v) => verification.set(Some(v)),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let (cluster, namespace) = (target.cluster.to_string(), target.namespace.clone());
    let running = {
        let (c, n) = (cluster.clone(), namespace.clone());
        Memo::new(move |_| {
            m.runs.track();
            m.latest_run(&c, &n)
                .is_some_and(|r| r.phase == shared::mesh::InstallPhase::Running)
        })
    };
    let latest = {
        let (c, n) = (cluster.clone(), namespace.clone());
        move || {
            m.runs.track();
            m.latest_run(&c, &n).map(|r| run_view(&r))
        }
    };
    let migrate_request = request.clone();
    let rollback_request = request;
    view! {
        <section class="namespace-panel" data-testid="namespace-panel" data-cluster=cluster.clone() data-namespace=namespace.clone() aria-labelledby="ns-panel-heading">
            <h3 id="ns-panel-heading">"Namespace " <code>{namespace.clone()}</code> " on " <code>{cluster.clone()}</code></h3>
            <div class="panel-actions">
                {move || m.may_act.get().then(|| {
                    let (mr, rr) = (migrate_request.clone(), rollback_request.clone());
                    view! {
                        <button class="primary" data-action="migrate" disabled=move || busy.get() || running.get()
                            on:click=move |_| start(MigrationOp::Migrate, mr.clone())>
                            "Migrate to " {to.clone()}
                        </button>
                        <button data-action="rollback" disabled=move || busy.get() || running.get()
                            on:click=move |_| start(MigrationOp::Rollback, rr.clone())>
                            "Roll back from " {to.clone()}
                        </button>
                    }
                })}
                <button data-action="verify" on:click=move |_| verify()>"Verify"</button>
            </div>
            {move || error.get().map(|error| view! { <ErrorView error/> })}
            {latest}
            {move || verification.with(|v| v.as_ref().map(verification_view))}
        </section>
    }
}

#[component]
pub fn NamespacePanel(m: Migration) -> impl IntoView {
    move || {
        let target = m.selected.get();
        let (_, to) = m.pair.get()?;
        Some(match target {
            None => view! {
                <p class="muted namespace-panel-hint">"Pick a cell of the board to migrate, verify or roll back that namespace."</p>
            }
            .into_any(),
            Some(target) => view! { <Panel m target to/> }.into_any(),
        })
    }
}
