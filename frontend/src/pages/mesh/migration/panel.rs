//! The panel of one namespace on one cluster: migrate it to the target
//! revision, verify it (pods per revision, stragglers by name), roll it
//! back (after a confirmation saying what it does; it deletes nothing);
//! each run's steps follow its progress stream, a verification is cleared
//! once a run changes what it described, and a refusal or a failed step
//! shows here naming the cluster. Migrate is disabled, with the reason,
//! where the target revision is not installed.

use leptos::prelude::*;
use shared::ApiError;
use shared::mesh::migration::run::{MigrationOp, NamespaceRequest, Verification};
use shared::mesh::migration::waves::TargetRef;

use super::Migration;
use super::steps::run_view;
use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::error_view::ErrorView;
use crate::components::status_badge::{StatusBadge, Tone};

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
    let stragglers = if v.complete() {
        view! {
            <p class="ok" data-testid="no-stragglers">
                <StatusBadge tone=Tone::Pass text="Verified"/> " No stragglers: every pod runs " <code>{v.revision.clone()}</code> " and is Ready."
            </p>
        }
        .into_any()
    } else if v.stragglers.is_empty() {
        view! {
            <p class="muted" data-testid="no-pods">
                <StatusBadge tone=Tone::Warn text="Nothing to verify"/> " No pod runs " <code>{v.revision.clone()}</code> "."
            </p>
        }
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
                <p class="warning"><StatusBadge tone=Tone::Fail text="Not verified"/> " " {v.stragglers.len()} " stragglers not on " <code>{v.revision.clone()}</code> " or not Ready:"</p>
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

/// Why `to` cannot be migrated to on `cluster`, if it cannot: migrating
/// needs its injection webhook there.
fn not_installed(m: Migration, cluster: &str, to: &str) -> Option<String> {
    let installed = m.fleet.with(|f| {
        f.as_ref()
            .and_then(|f| f.clusters.iter().find(|c| c.name().as_str() == cluster))
            .is_some_and(|c| {
                c.control_planes
                    .iter()
                    .any(|cp| cp.revision == to && cp.webhook)
            })
    });
    (!installed).then(|| format!("{to} is not installed on {cluster}: install it first"))
}

/// What a rollback of `namespace` from `to` does, for its confirmation:
/// it deletes nothing.
fn rollback_objects(namespace: &str, to: &str) -> Vec<String> {
    vec![
        format!("Label namespace {namespace} istio-injection=enabled, remove istio.io/rev"),
        format!("Rolling restart of every Deployment in {namespace}"),
        format!("Roll istio-ingressgateway back if it was moved to {to}"),
        format!("Nothing is deleted: {to} stays installed (remove it from Finish once unused)"),
    ]
}

/// A namespace run to start, and the verification asked for.
type StartAction = Action<(MigrationOp, NamespaceRequest), ()>;
type VerifyAction = Action<(), ()>;

/// Migrate (disabled with the reason where the target is missing), roll
/// back after the confirmation saying what it does, and verify.
#[component]
fn PanelActions(
    m: Migration,
    request: NamespaceRequest,
    start: StartAction,
    verify: VerifyAction,
    running: Memo<bool>,
    blocked: Memo<Option<String>>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let busy = start.pending();
    let to = request.revision.clone();
    let (cluster, namespace) = (request.cluster.to_string(), request.namespace.clone());
    let question = format!("Roll back namespace {namespace} on {cluster} from {to}?");
    let objects = rollback_objects(&namespace, &to);
    let migrate_request = request.clone();
    let rollback_request = request;
    view! {
        <div class="panel-actions">
            {move || m.may_act.get().then(|| {
                let mr = migrate_request.clone();
                view! {
                    <button class="primary" data-action="migrate" disabled=move || busy.get() || running.get() || blocked.with(Option::is_some)
                        on:click=move |_| { start.dispatch_local((MigrationOp::Migrate, mr.clone())); }>
                        "Migrate to " {to.clone()}
                    </button>
                    {move || blocked.get().map(|why| view! { <span class="warning disabled-reason" data-testid="migrate-blocked">{why}</span> })}
                    <button data-action="rollback" disabled=move || busy.get() || running.get() || asking.get()
                        on:click=move |_| asking.set(true)>
                        "Roll back from " {to.clone()} "…"
                    </button>
                }
            })}
            <button data-action="verify" disabled=move || verify.pending().get() on:click=move |_| { verify.dispatch_local(()); }>"Verify"</button>
        </div>
        {move || asking.get().then(|| {
            let rr = rollback_request.clone();
            view! {
                <ConfirmDialog question=question.clone() objects=objects.clone() confirm="Roll back"
                    on_confirm=Callback::new(move |()| {
                        asking.set(false);
                        start.dispatch_local((MigrationOp::Rollback, rr.clone()));
                    })
                    on_cancel=Callback::new(move |()| asking.set(false)) pending=busy/>
            }
        })}
    }
}

#[component]
fn Panel(m: Migration, target: TargetRef, to: String) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let verification = RwSignal::new(None::<Verification>);
    let request = NamespaceRequest {
        cluster: target.cluster.clone(),
        namespace: target.namespace.clone(),
        revision: to.clone(),
    };
    let start: StartAction =
        Action::new_local(move |(op, request): &(MigrationOp, NamespaceRequest)| {
            let (op, request) = (*op, request.clone());
            error.set(None);
            async move {
                match api::migration::start_namespace_run(op, request).await {
                    Ok(run) => m.track(run),
                    Err(e) => error.set(Some(e)),
                }
            }
        });
    let verify: VerifyAction = {
        let (cluster, namespace, revision) = (
            target.cluster.to_string(),
            target.namespace.clone(),
            to.clone(),
        );
        Action::new_local(move |()| {
            let (cluster, namespace, revision) =
                (cluster.clone(), namespace.clone(), revision.clone());
            error.set(None);
            async move {
                match api::migration::verify(cluster, namespace, revision).await {
                    Ok(v) => verification.set(Some(v)),
                    Err(e) => error.set(Some(e)),
                }
            }
        })
    };
    let (cluster, namespace) = (target.cluster.to_string(), target.namespace.clone());
    // The latest run's id and phase: a verification made before it changed
    // describes a state that is gone.
    let run_state = {
        let (c, n) = (cluster.clone(), namespace.clone());
        Memo::new(move |_| {
            m.runs.track();
            m.latest_run(&c, &n).map(|r| (r.id, r.phase))
        })
    };
    Effect::new(
        move |seen: Option<Option<(String, shared::mesh::InstallPhase)>>| {
            let now = run_state.get();
            if seen.is_some_and(|before| before != now) {
                verification.set(None);
            }
            now
        },
    );
    let running = Memo::new(move |_| {
        run_state.with(|r| {
            r.as_ref()
                .is_some_and(|(_, p)| *p == shared::mesh::InstallPhase::Running)
        })
    });
    let latest = {
        let (c, n) = (cluster.clone(), namespace.clone());
        move || {
            m.runs.track();
            m.latest_run(&c, &n).map(|r| run_view(&r))
        }
    };
    let blocked = {
        let (c, t) = (cluster.clone(), to.clone());
        Memo::new(move |_| not_installed(m, &c, &t))
    };
    view! {
        <section class="namespace-panel" data-testid="namespace-panel" data-cluster=cluster.clone() data-namespace=namespace.clone() aria-labelledby="ns-panel-heading">
            <h3 id="ns-panel-heading">"Namespace " <code>{namespace.clone()}</code> " on " <code>{cluster.clone()}</code></h3>
            <PanelActions m request start verify running blocked/>
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
