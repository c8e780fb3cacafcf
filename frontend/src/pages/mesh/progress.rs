//! Applying: the run's steps as its progress stream reports them (the
//! wizard follows it with [`crate::api::follow::Runs`])
//! (pending, running, done with the outcome, failed with the message that
//! names the cluster and object), then the verification: the final step's
//! outcome, istiod's pods Ready and labelled with the revision.

use leptos::prelude::*;
use shared::mesh::{InstallPhase, InstallProgress, InstallStep, StepState};

use super::wizard::Wizard;
use crate::components::status_badge::{StatusBadge, Tone};
use crate::components::steps::{phase_slug, step_item};

/// A step marked for the wizard: a spinner while it runs, a badge of
/// symbol and word once it ended.
fn step_view(step: &InstallStep) -> impl IntoView + use<> {
    let icon = match &step.state {
        StepState::Pending => {
            view! { <span class="step-icon" aria-hidden="true">"○"</span> }.into_any()
        }
        StepState::Running => {
            view! { <span class="spinner step-icon" aria-hidden="true"></span> }.into_any()
        }
        StepState::Done { .. } => {
            view! { <span class="step-icon"><StatusBadge tone=Tone::Pass text="Done"/></span> }
                .into_any()
        }
        StepState::Failed { .. } => {
            view! { <span class="step-icon"><StatusBadge tone=Tone::Fail text="Failed"/></span> }
                .into_any()
        }
    };
    step_item(step, icon)
}

/// The last step's result once the run has ended.
fn verification(p: &InstallProgress) -> impl IntoView + use<> {
    let last = p.steps.last();
    match (p.phase, last.map(|s| &s.state)) {
        (InstallPhase::Running, _) => ().into_any(),
        (InstallPhase::Succeeded, Some(StepState::Done { outcome })) => view! {
            <h3>"6. Verification"</h3>
            <div class="verification ok-notice" data-testid="verification" data-result="passed" role="status">
                <StatusBadge tone=Tone::Pass text="Passed"/> " "
                <strong>"Verification passed on " <code>{p.cluster.to_string()}</code></strong> ": "
                {outcome.clone()}
            </div>
        }
        .into_any(),
        _ => {
            let (step, message) = p
                .failure()
                .map(|(s, m)| (s.to_owned(), m.to_owned()))
                .unwrap_or_else(|| ("the run".into(), "it stopped without saying why".into()));
            view! {
                <h3>"6. Verification"</h3>
                <div class="verification error-view" data-testid="verification" data-result="failed" role="alert">
                    <StatusBadge tone=Tone::Fail text="Failed"/> " "
                    <strong class="error-title">"Install of " {p.revision.clone()} " on " {p.cluster.to_string()} " failed"</strong>
                    <p class="error-message">"At step “" {step} "”: " {message}</p>
                    <p class="muted">"Running the plan again finishes it: applied objects are left as they are."</p>
                </div>
            }
            .into_any()
        }
    }
}

#[component]
pub fn ApplyStep(w: Wizard) -> impl IntoView {
    view! {
        <div class="wizard-step" data-step="apply">
            <h3>"5. Apply"</h3>
            {move || w.run.with(|run| run.as_ref().map(|p| {
                let (done, all) = p.done();
                let phase = phase_slug(p.phase);
                let plan = p.plan.clone();
                let failed = p.phase == InstallPhase::Failed;
                view! {
                    <p class="run-summary" data-phase=phase>
                        "Installing " <code>{p.revision.clone()}</code> " on " <code>{p.cluster.to_string()}</code>
                        ": " {done} " of " {all} " steps done (" {phase} ")."
                    </p>
                    <ol class="install-steps">{p.steps.iter().map(step_view).collect_view()}</ol>
                    {verification(p)}
                    {move || w.start_error().map(|error| view! { <crate::components::error_view::ErrorView error/> })}
                    <div class="wizard-actions">
                        {failed.then(|| view! {
                            <button
                                class="primary"
                                disabled=move || w.starting()
                                on:click=move |_| {
                                    w.apply(plan.clone(), &w.reviewed_failures());
                                }
                            >
                                "Run the plan again"
                            </button>
                        })}
                        {(p.phase != InstallPhase::Running).then(|| view! {
                            <button on:click=move |_| w.reset()>"Install another revision"</button>
                        })}
                    </div>
                }
            }))}
        </div>
    }
}
