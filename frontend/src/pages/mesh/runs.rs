//! Install runs so far, newest first: who installed which revision where,
//! and how it ended (the failed step, if one did).

use leptos::prelude::*;
use shared::mesh::InstallProgress;

use crate::api;
use crate::components::loading::Loaded;
use crate::components::steps::phase_slug;

fn row(p: &InstallProgress) -> impl IntoView + use<> {
    let (done, all) = p.done();
    let phase = phase_slug(p.phase);
    let failure = p
        .failure()
        .map(|(step, message)| format!("{step}: {message}"));
    view! {
        <tr data-run=p.id.clone() data-phase=phase>
            <td><code>{p.cluster.to_string()}</code></td>
            <td><code>{p.revision.clone()}</code></td>
            <td>{p.by.clone()}</td>
            <td>{phase} " · " {done} "/" {all} " steps"</td>
            <td class="small">{failure.unwrap_or_default()}</td>
        </tr>
    }
}

/// The runs, newest first.
fn runs_table(mut list: Vec<InstallProgress>) -> AnyView {
    if list.is_empty() {
        return view! { <p class="muted">"No installs since the console started."</p> }.into_any();
    }
    list.sort_by_key(|p| std::cmp::Reverse(p.started));
    view! {
        <table class="install-runs">
            <thead><tr><th>"Cluster"</th><th>"Revision"</th><th>"By"</th><th>"Outcome"</th><th>"Failed step"</th></tr></thead>
            <tbody>{list.iter().map(row).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

/// The list, fetched again whenever `changed` does (a run started or
/// ended on this page).
#[component]
pub fn InstallRuns(changed: Signal<u32>) -> impl IntoView {
    let runs = LocalResource::new(move || {
        changed.track();
        api::mesh::list_installs()
    });
    view! {
        <section class="mesh-part" aria-labelledby="runs-heading">
            <h2 id="runs-heading">"Install runs"</h2>
            <Loaded what="install runs" resource=runs ok=runs_table/>
        </section>
    }
}
