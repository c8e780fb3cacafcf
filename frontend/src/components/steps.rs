//! Where a long run (an install, a migration) is, and one of its steps as
//! an item of an `install-steps` list: its state as a class and a data
//! attribute, an icon, its title, and the outcome or the failure it ended
//! with.

use leptos::prelude::*;
use shared::mesh::{InstallPhase, InstallStep, StepState};

/// The stylesheet's (and the tests') name of where a run as a whole is.
pub fn phase_slug(phase: InstallPhase) -> &'static str {
    match phase {
        InstallPhase::Running => "running",
        InstallPhase::Succeeded => "succeeded",
        InstallPhase::Failed => "failed",
    }
}

/// The stylesheet's (and the tests') name of a step's state.
pub fn step_slug(state: &StepState) -> &'static str {
    match state {
        StepState::Pending => "pending",
        StepState::Running => "running",
        StepState::Done { .. } => "done",
        StepState::Failed { .. } => "failed",
    }
}

/// `step` as a list item marked with `icon`.
pub fn step_item(step: &InstallStep, icon: AnyView) -> impl IntoView + use<> {
    let slug = step_slug(&step.state);
    let detail = match &step.state {
        StepState::Done { outcome } => {
            view! { <span class="step-outcome muted">" — " {outcome.clone()}</span> }.into_any()
        }
        StepState::Failed { message } => {
            view! { <p class="step-error" role="alert">{message.clone()}</p> }.into_any()
        }
        _ => ().into_any(),
    };
    view! {
        <li class=format!("install-step step-{slug}") data-state=slug>
            {icon}
            <span class="step-title">{step.title.clone()}</span>
            <span class="visually-hidden">{format!(" ({slug})")}</span>
            {detail}
        </li>
    }
}
