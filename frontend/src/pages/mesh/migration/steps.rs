//! A run's steps as its progress stream reports them, and the one-line
//! summary of where it is: shared by the namespace panel and finish.

use leptos::prelude::*;
use shared::mesh::migration::run::MigrationRun;
use shared::mesh::{InstallStep, StepState};

use crate::components::steps::{phase_slug, step_item};

/// A step marked plainly, for the compact lists of the namespace panel.
fn step_view(step: &InstallStep) -> impl IntoView + use<> {
    let mark = match &step.state {
        StepState::Pending => "○",
        StepState::Running => "…",
        StepState::Done { .. } => "✓",
        StepState::Failed { .. } => "✗",
    };
    let icon = view! { <span class="step-icon" aria-hidden="true">{mark}</span> };
    step_item(step, icon.into_any())
}

/// A run: what it does where, its steps, and why it failed if it did
/// (naming the cluster).
pub fn run_view(run: &MigrationRun) -> impl IntoView + use<> {
    let phase = phase_slug(run.phase);
    let done = run
        .steps
        .iter()
        .filter(|s| matches!(s.state, StepState::Done { .. }))
        .count();
    let target = match &run.namespace {
        Some(ns) => format!("namespace {ns}"),
        None => format!("revision {}", run.revision),
    };
    let failure = run.failure().map(|(step, message)| {
        view! {
            <div class="error-view run-failure" role="alert" data-testid="run-failure">
                <strong class="error-title">
                    {run.op.title()} " of " {target.clone()} " on " {run.cluster.to_string()} " failed"
                </strong>
                <p class="error-message">"At step “" {step.to_owned()} "”: " {message.to_owned()}</p>
            </div>
        }
    });
    view! {
        <div class="migration-run" data-testid="migration-run" data-run=run.id.clone() data-op=format!("{:?}", run.op).to_lowercase() data-phase=phase>
            <p class="run-summary" data-phase=phase>
                {run.op.title()} " " {target.clone()} " on " <code>{run.cluster.to_string()}</code>
                " (" <code>{run.revision.clone()}</code> "): " {done} " of " {run.steps.len()} " steps done, " {phase} " — by " {run.by.clone()}
            </p>
            <ol class="install-steps">{run.steps.iter().map(step_view).collect_view()}</ol>
            {failure}
        </div>
    }
}
