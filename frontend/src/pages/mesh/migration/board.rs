//! The board: namespaces × clusters for the picked revision pair, each
//! cell coloured by where the namespace stands (old, migrating, restart
//! pending, on target, failed). Clusters that run either revision are the
//! columns; namespaces injected by a revision, or with pods on either, are
//! the rows. Clicking a cell opens its panel; operators also tick cells
//! for the wave runner, only on clusters where the target revision is
//! installed (elsewhere the pick is disabled, with the reason).

use leptos::prelude::*;
use shared::ClusterName;
use shared::fleet::{Cluster, Fleet, Namespace};
use shared::mesh::InstallPhase;
use shared::mesh::migration::run::MigrationRun;
use shared::mesh::migration::waves::{TargetRef, TargetStep, WavePhase, WaveRun};
use shared::mesh::migration::{MigrationState, injecting_revision, state_of};

use super::Migration;

/// What a cell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellState {
    Old,
    /// A migrate or rollback run (or a wave) is working on it.
    Migrating,
    RestartPending,
    OnTarget,
    /// The last run on it failed and it is not on the target.
    Failed,
    NotInjected,
}

impl CellState {
    pub fn slug(self) -> &'static str {
        match self {
            CellState::Old => "old",
            CellState::Migrating => "migrating",
            CellState::RestartPending => "restart-pending",
            CellState::OnTarget => "on-target",
            CellState::Failed => "failed",
            CellState::NotInjected => "not-injected",
        }
    }

    /// What the state means for a namespace moving from `from` to `to`,
    /// in words a screen reader can say.
    pub fn describe(self, from: &str, to: &str) -> String {
        match self {
            CellState::Old => format!("on {from}"),
            CellState::Migrating => format!("migrating to {to}"),
            CellState::RestartPending => format!("labelled for {to}, pods restart pending"),
            CellState::OnTarget => format!("on {to}"),
            CellState::Failed => format!("migration to {to} failed"),
            CellState::NotInjected => "not injected".to_owned(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CellState::Old => "old",
            CellState::Migrating => "migrating",
            CellState::RestartPending => "restart pending",
            CellState::OnTarget => "on target",
            CellState::Failed => "failed",
            CellState::NotInjected => "not injected",
        }
    }

    const LEGEND: [CellState; 6] = [
        CellState::Old,
        CellState::Migrating,
        CellState::RestartPending,
        CellState::OnTarget,
        CellState::Failed,
        CellState::NotInjected,
    ];
}

/// Where a wave run stands on one namespace, if it concerns it.
fn wave_step<'a>(
    wave: Option<&'a WaveRun>,
    cluster: &str,
    namespace: &str,
) -> Option<&'a TargetStep> {
    let wave = wave?;
    wave.waves
        .iter()
        .flat_map(|w| w.targets.iter())
        .find(|t| t.cluster.as_str() == cluster && t.namespace == namespace)
        .map(|t| &t.step)
}

/// The state of `namespace` given its latest run and the wave run.
pub fn cell_state(
    namespace: &Namespace,
    to: &str,
    run: Option<&MigrationRun>,
    wave: Option<&TargetStep>,
    wave_running: bool,
) -> CellState {
    let base = match state_of(namespace, to) {
        MigrationState::Old => CellState::Old,
        MigrationState::RestartPending => CellState::RestartPending,
        MigrationState::OnTarget => CellState::OnTarget,
        MigrationState::NotInjected => CellState::NotInjected,
    };
    let run_working = run.is_some_and(|r| r.phase == InstallPhase::Running);
    let wave_working =
        wave_running && matches!(wave, Some(TargetStep::Relabelled | TargetStep::Restarted));
    if run_working || wave_working {
        return CellState::Migrating;
    }
    let failed = run.is_some_and(|r| r.phase == InstallPhase::Failed)
        || matches!(wave, Some(TargetStep::Failed { .. }));
    if failed && base != CellState::OnTarget {
        return CellState::Failed;
    }
    base
}

/// Whether `to` is installed on `cluster` with its injection webhook (a
/// migration to it can succeed there).
pub fn has_target(cluster: &Cluster, to: &str) -> bool {
    cluster
        .control_planes
        .iter()
        .any(|cp| cp.revision == to && cp.webhook)
}

/// The clusters that run either revision, by name.
pub fn columns(fleet: &Fleet, from: &str, to: &str) -> Vec<Cluster> {
    fleet
        .clusters
        .iter()
        .filter(|c| {
            c.control_planes
                .iter()
                .any(|cp| cp.revision == from || cp.revision == to)
        })
        .cloned()
        .collect()
}

fn concerned(namespace: &Namespace, from: &str, to: &str) -> bool {
    injecting_revision(namespace).is_some() || namespace.pods.keys().any(|r| r == from || r == to)
}

/// The namespaces the board lists, in name order.
pub fn rows(clusters: &[Cluster], from: &str, to: &str) -> Vec<String> {
    let mut names: Vec<String> = clusters
        .iter()
        .flat_map(|c| c.namespaces.iter())
        .filter(|n| concerned(n, from, to))
        .map(|n| n.name.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn pods_title(namespace: &Namespace) -> String {
    namespace
        .pods
        .iter()
        .map(|(rev, count)| {
            let rev = if rev.is_empty() { "no proxy" } else { rev };
            format!("{rev}: {}", count.total)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
fn Cell(
    m: Migration,
    cluster: ClusterName,
    namespace: Namespace,
    from: String,
    to: String,
    installed: bool,
) -> impl IntoView {
    let target = TargetRef {
        cluster: cluster.clone(),
        namespace: namespace.name.clone(),
    };
    let state = {
        let run = m.latest_run(cluster.as_str(), &namespace.name);
        m.wave_run.with(|w| {
            let running = w.as_ref().is_some_and(|w| w.phase == WavePhase::Running);
            let step = wave_step(w.as_ref(), cluster.as_str(), &namespace.name);
            cell_state(&namespace, &to, run.as_ref(), step, running)
        })
    };
    let pods = pods_title(&namespace);
    let named = format!(
        "namespace {} on {cluster}: {}, target {to}",
        namespace.name,
        state.describe(&from, &to)
    );
    let select_target = target.clone();
    let selected_target = target.clone();
    let is_selected = move || m.selected.with(|s| s.as_ref() == Some(&selected_target));
    let tick_target = target.clone();
    let ticked = {
        let t = target.clone();
        move || m.wave_targets.with(|w| w.contains(&t))
    };
    view! {
        <td
            class=move || format!("board-cell state-{}{}", state.slug(), if is_selected() { " selected" } else { "" })
            data-cluster=cluster.to_string()
            data-namespace=namespace.name.clone()
            data-state=state.slug()
            title=pods
        >
            <button class="cell-open" aria-label=named on:click=move |_| m.selected.set(Some(select_target.clone()))>
                {state.label()}
            </button>
            {move || m.may_act.get().then(|| {
                let t = tick_target.clone();
                let why = (!installed).then(|| format!("{to} is not installed on {}", t.cluster));
                view! {
                    <input
                        type="checkbox"
                        class="cell-pick"
                        aria-label=format!("Pick {}/{} for a wave run", t.cluster, t.namespace)
                        disabled=!installed
                        title=why
                        prop:checked=ticked.clone()
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let t = t.clone();
                            m.wave_targets.update(|w| {
                                w.retain(|x| *x != t);
                                if on {
                                    w.push(t);
                                }
                            });
                        }
                    />
                }
            })}
        </td>
    }
}

#[component]
pub fn Board(m: Migration) -> impl IntoView {
    // Picks on clusters that lost (or never had) the target go: a wave
    // could not migrate them.
    Effect::new(move |_| {
        let Some((from, to)) = m.pair.get() else {
            return;
        };
        let possible: Vec<ClusterName> = m.fleet.with(|f| {
            f.as_ref()
                .map(|f| columns(f, &from, &to))
                .unwrap_or_default()
                .iter()
                .filter(|c| has_target(c, &to))
                .map(|c| c.name().clone())
                .collect()
        });
        let picked = m.wave_targets.get_untracked();
        if picked.iter().any(|t| !possible.contains(&t.cluster)) {
            m.wave_targets.set(
                picked
                    .into_iter()
                    .filter(|t| possible.contains(&t.cluster))
                    .collect(),
            );
        }
    });
    let legend = CellState::LEGEND
        .into_iter()
        .map(|s| view! { <li class=format!("board-cell state-{}", s.slug())>{s.label()}</li> })
        .collect_view();
    let grid = move || {
        let (from, to) = m.pair.get()?;
        // Subscribe to the runs and the wave run: cells follow both.
        m.runs.track();
        m.wave_run.track();
        let clusters = m
            .fleet
            .with(|f| f.as_ref().map(|f| columns(f, &from, &to)))?;
        let names = rows(&clusters, &from, &to);
        let head = clusters
            .iter()
            .map(|c| {
                let missing = (!has_target(c, &to)).then(|| {
                    view! { <span class="muted column-note" data-testid="target-missing">" (no " {to.clone()} ")"</span> }
                });
                view! { <th scope="col" data-cluster=c.name().to_string()>{c.name().to_string()}{missing}</th> }
            })
            .collect_view();
        let body = names
            .into_iter()
            .map(|name| {
                let cells = clusters
                    .iter()
                    .map(|c| match c.namespace(&name) {
                        Some(ns) => view! {
                            <Cell m cluster=c.name().clone() namespace=ns.clone() from=from.clone() to=to.clone() installed=has_target(c, &to)/>
                        }
                        .into_any(),
                        None => view! {
                            <td class="board-cell absent" data-cluster=c.name().to_string() data-namespace=name.clone() data-state="absent">
                                <span class="muted" aria-hidden="true">"—"</span>
                                <span class="visually-hidden">{format!("namespace {name} is not on {}", c.name())}</span>
                            </td>
                        }
                        .into_any(),
                    })
                    .collect_view();
                view! { <tr data-namespace=name.clone()><th scope="row">{name.clone()}</th>{cells}</tr> }
            })
            .collect_view();
        Some(view! {
            <table class="migration-board" data-testid="migration-board" data-from=from.clone() data-to=to.clone()>
                <caption>"Namespaces moving from " <code>{from.clone()}</code> " to " <code>{to.clone()}</code></caption>
                <thead><tr><th scope="col">"Namespace"</th>{head}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        })
    };
    view! {
        <div class="board-wrap">
            {grid}
            <ul class="board-legend" aria-label="Cell colours">{legend}</ul>
        </div>
    }
}
