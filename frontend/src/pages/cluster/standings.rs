//! The Mesh tab's namespaces: for each, what its labels ask for, its pods
//! by proxy revision, where it stands (every pod on the revision, a
//! restart pending, no injector here, not injected) and its last
//! migration run on this cluster, with a link to the run.

use leptos::prelude::*;
use shared::ApiError;
use shared::fleet::{Cluster, Namespace, Standing};
use shared::mesh::InstallPhase;
use shared::mesh::migration::run::MigrationRun;
use shared::time::format_utc;

use crate::components::error_view::ErrorView;
use crate::components::revision::{Palette, PodBar, RevisionChip};
use crate::components::status_badge::{StatusBadge, Tone};
use crate::pages::mesh::runs::run_href;

/// Every migration run of the fleet, as the migrations list answered.
pub type Runs = LocalResource<Result<Vec<MigrationRun>, ApiError>>;

/// A standing as a badge; "not injected" is no outcome, just a fact.
fn standing_view(standing: &Standing) -> AnyView {
    let tone = match standing {
        Standing::NotInjected => {
            return view! { <span class="muted">{standing.describe()}</span> }.into_any();
        }
        Standing::OnRevision { .. } => Tone::Pass,
        Standing::RestartPending { .. } => Tone::Warn,
        Standing::NoInjector { .. } => Tone::Fail,
    };
    view! { <StatusBadge tone text=standing.describe()/> }.into_any()
}

/// How a run's phase reads.
fn phase_badge(phase: InstallPhase) -> impl IntoView {
    let (tone, text) = match phase {
        InstallPhase::Running => (Tone::Warn, "running"),
        InstallPhase::Succeeded => (Tone::Pass, "succeeded"),
        InstallPhase::Failed => (Tone::Fail, "failed"),
    };
    view! { <StatusBadge tone text/> }
}

/// The newest run on `namespace`, if any.
fn last_run<'a>(runs: &'a [MigrationRun], namespace: &str) -> Option<&'a MigrationRun> {
    runs.iter()
        .filter(|r| r.namespace.as_deref() == Some(namespace))
        .max_by_key(|r| r.started)
}

fn run_cell(run: Option<&MigrationRun>) -> AnyView {
    match run {
        None => view! { <span class="muted">"none"</span> }.into_any(),
        Some(r) => view! {
            <a href=run_href(&r.id)>{r.op.title()} " " {r.revision.clone()}</a>
            " " {phase_badge(r.phase)}
            " " <span class="muted small">{format_utc(r.started)}</span>
        }
        .into_any(),
    }
}

fn row(
    cluster: &Cluster,
    ns: &Namespace,
    runs: &[MigrationRun],
    palette: &Palette,
) -> impl IntoView + use<> {
    let injection = ns.injection();
    let asked = match injection.target_revision() {
        Some(rev) => view! {
            <RevisionChip revision=rev.to_owned() class=palette.class(rev) version=palette.version(rev)/>
            " " <span class="muted small">{injection.describe()}</span>
        }
        .into_any(),
        None => view! { <span class="muted">{injection.describe()}</span> }.into_any(),
    };
    let pods: Vec<_> = ns.pods.iter().map(|(r, c)| (r.clone(), *c)).collect();
    let standing = Standing::of(cluster, ns);
    view! {
        <tr data-namespace=ns.name.clone()>
            <th scope="row"><code>{ns.name.clone()}</code></th>
            <td>{asked}</td>
            <td><PodBar pods palette=palette.clone()/></td>
            <td class="standing">{standing_view(&standing)}</td>
            <td class="last-run">{run_cell(last_run(runs, &ns.name))}</td>
        </tr>
    }
}

/// The cluster's namespaces with their migration state. Runs that could
/// not be read leave the last-run column empty and say why above.
#[component]
pub fn Standings(
    cluster: Memo<Option<Cluster>>,
    palette: Memo<Palette>,
    runs: Runs,
) -> impl IntoView {
    let listed = move || {
        let runs: Vec<MigrationRun> = match runs.get() {
            Some(Ok(list)) => list,
            _ => Vec::new(),
        };
        let palette = palette.get();
        cluster.with(|c| {
            let c = c.as_ref()?;
            if c.namespaces.is_empty() {
                let empty = format!("No namespaces known on {} yet.", c.name());
                return Some(view! { <p class="muted">{empty}</p> }.into_any());
            }
            let mine: Vec<MigrationRun> =
                runs.into_iter().filter(|r| &r.cluster == c.name()).collect();
            let rows = c
                .namespaces
                .iter()
                .map(|ns| row(c, ns, &mine, &palette))
                .collect_view();
            Some(
                view! {
                    <table class="namespace-standings">
                        <thead><tr><th>"Namespace"</th><th>"Labels ask for"</th><th>"Pods"</th><th>"Migration state"</th><th>"Last migration run"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                .into_any(),
            )
        })
    };
    view! {
        <section class="cluster-part" aria-labelledby="standings-heading">
            <h2 id="standings-heading">"Namespaces and migration state"</h2>
            {move || runs.get().and_then(Result::err).map(|error| view! { <ErrorView error/> })}
            {listed}
        </section>
    }
}
