//! Install and migration runs so far, newest first, including runs from
//! before the console restarted: when each started and ended (and how
//! long it took), who started it, on which cluster, what it does, its
//! state (the failed step, if one did) and a link that opens it. A run
//! named in the URL (`/mesh?run=<id>`) opens below the list with its
//! steps, followed live while it runs.

use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::mesh::install::failed_step;
use shared::mesh::migration::run::MigrationRun;
use shared::mesh::{InstallPhase, InstallProgress, InstallStep, StepState};
use shared::time::{format_duration, format_utc};
use shared::{ApiError, ClusterName};

use crate::api::follow::{Followed, Runs};
use crate::components::loading::Loaded;
use crate::components::steps::{phase_slug, step_item};

/// Which list a run comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Install,
    Migration,
}

/// One run as a row of the list, and its steps for when it is opened.
#[derive(Clone, PartialEq)]
struct Row {
    id: String,
    kind: Kind,
    started: i64,
    ended: Option<i64>,
    by: String,
    cluster: String,
    what: String,
    phase: InstallPhase,
    steps: Vec<InstallStep>,
}

/// Where run `id` opens: the Mesh page with the run below its list.
pub fn run_href(id: &str) -> String {
    shared::nav::run_path(id)
}

impl Row {
    fn install(p: &InstallProgress) -> Self {
        Self {
            id: p.id.clone(),
            kind: Kind::Install,
            started: p.started,
            ended: p.ended,
            by: p.by.clone(),
            cluster: p.cluster.to_string(),
            what: format!("Install {}", p.revision),
            phase: p.phase,
            steps: p.steps.clone(),
        }
    }

    fn migration(r: &MigrationRun) -> Self {
        let on = r.namespace.as_deref().unwrap_or("the control plane");
        Self {
            id: r.id.clone(),
            kind: Kind::Migration,
            started: r.started,
            ended: r.ended,
            by: r.by.clone(),
            cluster: r.cluster.to_string(),
            what: format!("{} {on} ({})", r.op.title(), r.revision),
            phase: r.phase,
            steps: r.steps.clone(),
        }
    }

    /// Steps done, of all.
    fn tally(&self) -> (usize, usize) {
        shared::mesh::install::steps_done(&self.steps)
    }

    /// The end time and how long it took, or that it still runs.
    fn ending(&self) -> String {
        match (self.phase, self.ended) {
            (InstallPhase::Running, _) => "running".to_owned(),
            (_, Some(at)) => format!(
                "{} (took {})",
                format_utc(at),
                format_duration(at - self.started)
            ),
            (_, None) => "ended (time not recorded)".to_owned(),
        }
    }

    fn view(self) -> impl IntoView {
        let phase = phase_slug(self.phase);
        let (done, all) = self.tally();
        let failure = failed_step(&self.steps).map(|(step, message)| format!("{step}: {message}"));
        view! {
            <tr data-run=self.id.clone() data-phase=phase>
                <td class="run-started">{format_utc(self.started)}</td>
                <td class="run-ended">{self.ending()}</td>
                <td>{self.by}</td>
                <td><code>{self.cluster}</code></td>
                <td>{self.what}</td>
                <td>{phase} " · " {done} "/" {all} " steps"</td>
                <td class="small">{failure.unwrap_or_default()}</td>
                <td><a href=run_href(&self.id)>"Open"</a></td>
            </tr>
        }
    }
}

/// Every install and migration run, or those on `cluster`.
async fn rows(cluster: Option<ClusterName>) -> Result<Vec<Row>, ApiError> {
    let mut rows: Vec<Row> = InstallProgress::list()
        .await?
        .iter()
        .map(Row::install)
        .collect();
    rows.extend(MigrationRun::list().await?.iter().map(Row::migration));
    if let Some(cluster) = cluster {
        rows.retain(|r| r.cluster == cluster.as_str());
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.started));
    Ok(rows)
}

/// The runs, newest first; `cluster` names the cluster they were chosen
/// by, for the empty list.
fn runs_table(list: Vec<Row>, cluster: Option<&ClusterName>) -> AnyView {
    if list.is_empty() {
        let empty = match cluster {
            Some(c) => format!("No install or migration runs on {c} yet."),
            None => "No install or migration runs yet.".to_owned(),
        };
        return view! { <p class="muted runs-empty">{empty}</p> }.into_any();
    }
    view! {
        <table class="install-runs">
            <thead><tr><th>"Started"</th><th>"Ended"</th><th>"By"</th><th>"Cluster"</th><th>"Run"</th><th>"State"</th><th>"Failed step"</th><th></th></tr></thead>
            <tbody>{list.into_iter().map(Row::view).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

/// A step's mark in the opened run.
fn step_view(step: &InstallStep) -> impl IntoView + use<> {
    let icon = match &step.state {
        StepState::Pending => "○",
        StepState::Running => "…",
        StepState::Done { .. } => "✓",
        StepState::Failed { .. } => "✕",
    };
    step_item(
        step,
        view! { <span class="step-icon" aria-hidden="true">{icon}</span> }.into_any(),
    )
}

/// The opened run: what, where, by whom, when, and its steps.
fn opened_view(row: Row) -> impl IntoView {
    let phase = phase_slug(row.phase);
    let (done, all) = row.tally();
    view! {
        <h3 id="run-detail-heading">{row.what.clone()} " on " <code>{row.cluster.clone()}</code></h3>
        <p class="run-summary" data-phase=phase>
            "Started " {format_utc(row.started)} " by " {row.by.clone()} "; ended: " {row.ending()}
            ". " {done} " of " {all} " steps done (" {phase} ")."
        </p>
        <ol class="install-steps">{row.steps.iter().map(step_view).collect_view()}</ol>
        <p><a href="/mesh">"Close"</a></p>
    }
}

/// The run named by `?run=`: drawn from the list, then followed live
/// while it runs; scrolled into view when opened.
#[component]
fn OpenedRun(runs: LocalResource<Result<Vec<Row>, ApiError>>) -> impl IntoView {
    let query = use_query_map();
    let wanted = Memo::new(move |_| query.read().get("run"));
    let live = RwSignal::new(None::<Row>);
    let follows = Runs::new();
    on_cleanup(move || follows.clear());
    let node = NodeRef::<html::Section>::new();
    Effect::new(move |_| {
        let id = wanted.get()?;
        let row = runs.with(|r| match r {
            Some(Ok(list)) => list.iter().find(|r| r.id == id).cloned(),
            _ => None,
        })?;
        let (kind, running) = (row.kind, row.phase == InstallPhase::Running);
        live.set(Some(row));
        if running {
            match kind {
                Kind::Install => follows.follow::<InstallProgress>(id, move |p| {
                    live.set(Some(Row::install(&p)));
                }),
                Kind::Migration => follows.follow::<MigrationRun>(id, move |r| {
                    live.set(Some(Row::migration(&r)));
                }),
            }
        }
        request_animation_frame(move || {
            if let Some(section) = node.get_untracked() {
                section.scroll_into_view();
            }
        });
        Some(())
    });
    move || {
        let id = wanted.get()?;
        let loaded = runs.with(|r| matches!(r, Some(Ok(_))));
        let shown = live.get().filter(|r| r.id == id);
        let body = match shown {
            Some(row) => opened_view(row).into_any(),
            None if loaded => {
                let missing = format!("No run {id} in this list.");
                view! { <p class="run-missing" role="alert">{missing}</p> }.into_any()
            }
            None => ().into_any(),
        };
        Some(view! {
            <section class="run-detail" data-run=id node_ref=node aria-labelledby="run-detail-heading">{body}</section>
        })
    }
}

/// The list (of every cluster's runs, or of `cluster`'s), fetched again
/// whenever `changed` does (a run started or ended on this page), and the
/// run the URL names.
#[component]
pub fn RunList(
    changed: Signal<u32>,
    #[prop(optional)] cluster: Option<ClusterName>,
) -> impl IntoView {
    let chosen = cluster.clone();
    let runs = LocalResource::new(move || {
        changed.track();
        rows(chosen.clone())
    });
    let heading = match &cluster {
        Some(c) => format!("Install and migration runs on {c}"),
        None => "Runs".to_owned(),
    };
    view! {
        <section class="mesh-part" aria-labelledby="runs-heading">
            <h2 id="runs-heading">{heading}</h2>
            <Loaded what="runs" resource=runs ok=move |list| runs_table(list, cluster.as_ref())/>
            <OpenedRun runs/>
        </section>
    }
}
