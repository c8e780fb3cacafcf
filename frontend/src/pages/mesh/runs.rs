//! Install and migration runs so far, newest first, including runs from
//! before the console restarted: when each started, who started it, on
//! which cluster, what it does, its state (the failed step, if one did)
//! and a link to its progress.

use leptos::prelude::*;
use shared::mesh::install::failed_step;
use shared::mesh::migration::run::MigrationRun;
use shared::mesh::{InstallPhase, InstallProgress, InstallStep, StepState};
use shared::{ApiError, ClusterName, routes};

use crate::api::follow::Followed;
use crate::components::loading::Loaded;
use crate::components::steps::phase_slug;

/// One run as a row of the list.
#[derive(Clone)]
struct Row {
    id: String,
    started: i64,
    by: String,
    cluster: String,
    what: String,
    phase: InstallPhase,
    done: usize,
    all: usize,
    failure: Option<String>,
    /// Where its progress is read.
    link: String,
}

/// Steps done, all steps, and the failed step with why.
fn tally(steps: &[InstallStep]) -> (usize, usize, Option<String>) {
    let done = steps
        .iter()
        .filter(|s| matches!(s.state, StepState::Done { .. }))
        .count();
    let failure = failed_step(steps).map(|(step, message)| format!("{step}: {message}"));
    (done, steps.len(), failure)
}

impl Row {
    fn install(p: &InstallProgress) -> Self {
        let (done, all, failure) = tally(&p.steps);
        Self {
            id: p.id.clone(),
            started: p.started,
            by: p.by.clone(),
            cluster: p.cluster.to_string(),
            what: format!("Install {}", p.revision),
            phase: p.phase,
            done,
            all,
            failure,
            link: routes::fill(routes::MESH_INSTALL, &[&p.id]),
        }
    }

    fn migration(r: &MigrationRun) -> Self {
        let (done, all, failure) = tally(&r.steps);
        let on = r.namespace.as_deref().unwrap_or("the control plane");
        Self {
            id: r.id.clone(),
            started: r.started,
            by: r.by.clone(),
            cluster: r.cluster.to_string(),
            what: format!("{} {on} ({})", r.op.title(), r.revision),
            phase: r.phase,
            done,
            all,
            failure,
            link: migration_href(&r.id),
        }
    }

    fn view(self) -> impl IntoView {
        let phase = phase_slug(self.phase);
        view! {
            <tr data-run=self.id.clone() data-phase=phase>
                <td>{shared::time::format_utc(self.started)}</td>
                <td>{self.by}</td>
                <td><code>{self.cluster}</code></td>
                <td>{self.what}</td>
                <td>{phase} " · " {self.done} "/" {self.all} " steps"</td>
                <td class="small">{self.failure.unwrap_or_default()}</td>
                <td><a href=self.link target="_blank">"progress"</a></td>
            </tr>
        }
    }
}

/// Where a migration run's progress is read.
pub fn migration_href(id: &str) -> String {
    routes::fill(routes::MESH_MIGRATION, &[&id])
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
            <thead><tr><th>"Started"</th><th>"By"</th><th>"Cluster"</th><th>"Run"</th><th>"State"</th><th>"Failed step"</th><th></th></tr></thead>
            <tbody>{list.into_iter().map(Row::view).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

/// The list (of every cluster's runs, or of `cluster`'s), fetched again
/// whenever `changed` does (a run started or ended on this page).
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
        </section>
    }
}
