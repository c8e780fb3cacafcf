//! The install wizard's steps: cluster → settings → preflight → plan
//! diff → apply → verification, with the header saying where it is and
//! focus following the step. What the steps share is
//! [`super::wizard_state::Wizard`].

use leptos::prelude::*;
use shared::mesh::InstallProgress;

use super::progress;
pub use super::wizard_state::{Stage, Wizard};
use super::{cluster_step, hsm_check, plan_step, preflight_step, settings_step};
use crate::components::field::focus_first_field;

/// The steps as the wizard's header lists them.
const STEPS: [(&str, &str); 6] = [
    ("cluster", "Cluster"),
    ("settings", "Settings"),
    ("preflight", "Preflight"),
    ("plan", "Plan diff"),
    ("apply", "Apply"),
    ("verify", "Verification"),
];

/// The `data-step` of the body drawn at `stage`.
fn stage_slug(stage: Stage) -> &'static str {
    match stage {
        Stage::Cluster => "cluster",
        Stage::Settings => "settings",
        Stage::Preflight => "preflight",
        Stage::Plan => "plan",
        Stage::Apply => "apply",
    }
}

/// Which header step is current.
fn current_step(stage: Stage, run: Option<&InstallProgress>) -> &'static str {
    match stage {
        Stage::Cluster => "cluster",
        Stage::Settings => "settings",
        Stage::Preflight => "preflight",
        Stage::Plan => "plan",
        Stage::Apply => match run {
            Some(p) if p.phase != shared::mesh::InstallPhase::Running => "verify",
            _ => "apply",
        },
    }
}

/// The wizard; bumps `runs_changed` whenever its run starts or ends.
#[component]
pub fn InstallWizard(runs_changed: RwSignal<u32>) -> impl IntoView {
    let w = Wizard::new();
    hsm_check::follow(w);
    let run_state = Memo::new(move |_| w.run.with(|r| r.as_ref().map(|p| (p.id.clone(), p.phase))));
    Effect::new(move |_| {
        if run_state.with(Option::is_some) {
            runs_changed.update(|n| *n += 1);
        }
    });
    on_cleanup(move || {
        w.runs.clear();
    });
    let current = Memo::new(move |_| w.run.with(|r| current_step(w.stage.get(), r.as_ref())));
    // Focus follows the step: its first field once drawn (not on the
    // first drawing, where focus belongs to the page).
    Effect::new(move |before: Option<Stage>| {
        let stage = w.stage.get();
        if before.is_some_and(|b| b != stage) {
            focus_first_field(stage_slug(stage));
        }
        stage
    });
    let header = STEPS
        .iter()
        .enumerate()
        .map(|(i, (slug, title))| {
            let position = move || STEPS.iter().position(|(s, _)| *s == current.get());
            view! {
                <li
                    data-step=*slug
                    aria-current=move || (current.get() == *slug).then_some("step")
                    class:done=move || position().is_some_and(|p| i < p)
                >
                    {*title}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="mesh-part install-wizard" data-testid="install-wizard" aria-labelledby="wizard-heading">
            <h2 id="wizard-heading">"Install a control plane revision"</h2>
            <ol class="wizard-steps" aria-label="Install steps">{header}</ol>
            <div class="wizard-body" data-stage=move || current.get()>
                {move || match w.stage.get() {
                    Stage::Cluster => view! { <cluster_step::ClusterStep w/> }.into_any(),
                    Stage::Settings => view! { <settings_step::SettingsStep w/> }.into_any(),
                    Stage::Preflight => view! { <preflight_step::PreflightStep w/> }.into_any(),
                    Stage::Plan => view! { <plan_step::PlanStep w/> }.into_any(),
                    Stage::Apply => view! { <progress::ApplyStep w/> }.into_any(),
                }}
            </div>
        </section>
    }
}
