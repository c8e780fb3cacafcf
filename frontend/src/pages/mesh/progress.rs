//! Applying: the run's steps as its progress stream reports them
//! (pending, running, done with the outcome, failed with the message that
//! names the cluster and object), then the verification: the final step's
//! outcome, istiod's pods Ready and labelled with the revision.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::mesh::{InstallPhase, InstallProgress, InstallStep, StepState};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Event, EventSource, MessageEvent};

use super::wizard::Wizard;
use crate::api;

/// How long to wait before following a run again whose stream the browser
/// gave up on.
const RETRY: Duration = Duration::from_secs(2);

/// An open progress stream and its listeners, closed when dropped.
pub struct RunStream {
    events: EventSource,
    _on_progress: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl Drop for RunStream {
    fn drop(&mut self) {
        self.events.close();
    }
}

/// Follows run `run` into `progress` until it ends. The stream's first
/// event is the run as it is, so nothing is missed by opening it late.
pub fn follow(
    progress: RwSignal<Option<InstallProgress>>,
    stream: StoredValue<Option<RunStream>, LocalStorage>,
    run: String,
) {
    let Ok(events) = EventSource::new(&api::mesh::install_events_url(&run)) else {
        return poll_later(progress, stream, run);
    };
    // Ends the stream from inside its own listener: deferred, so the
    // listener is not freed while it runs.
    let end = move || {
        queue_microtask(move || {
            stream.try_set_value(None);
        });
    };
    let on_progress = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(p) = event
            .data()
            .as_string()
            .and_then(|data| serde_json::from_str::<InstallProgress>(&data).ok())
        else {
            return;
        };
        let over = p.phase != InstallPhase::Running;
        progress.try_set(Some(p));
        if over {
            end();
        }
    });
    let retry_run = run.clone();
    let on_error = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
        // While CONNECTING the browser retries by itself; CLOSED means it
        // gave up (an error status): ask for the run instead.
        let closed = event
            .target()
            .and_then(|t| t.dyn_into::<EventSource>().ok())
            .is_none_or(|es| es.ready_state() == EventSource::CLOSED);
        if closed {
            end();
            poll_later(progress, stream, retry_run.clone());
        }
    });
    if events
        .add_event_listener_with_callback("progress", on_progress.as_ref().unchecked_ref())
        .is_err()
    {
        events.close();
        return poll_later(progress, stream, run);
    }
    events.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    stream.try_set_value(Some(RunStream {
        events,
        _on_progress: on_progress,
        _on_error: on_error,
    }));
}

/// Reads the run once after a pause and follows it again if it still runs.
fn poll_later(
    progress: RwSignal<Option<InstallProgress>>,
    stream: StoredValue<Option<RunStream>, LocalStorage>,
    run: String,
) {
    set_timeout(
        move || {
            spawn_local(async move {
                if let Ok(p) = api::mesh::install(run.clone()).await {
                    let running = p.phase == InstallPhase::Running;
                    progress.try_set(Some(p));
                    if running {
                        follow(progress, stream, run);
                    }
                }
            });
        },
        RETRY,
    );
}

fn step_item(step: &InstallStep) -> impl IntoView + use<> {
    let (slug, icon) = match &step.state {
        StepState::Pending => (
            "pending",
            view! { <span class="step-icon" aria-hidden="true">"○"</span> }.into_any(),
        ),
        StepState::Running => (
            "running",
            view! { <span class="spinner step-icon" aria-hidden="true"></span> }.into_any(),
        ),
        StepState::Done { .. } => (
            "done",
            view! { <span class="step-icon ok" aria-hidden="true">"✓"</span> }.into_any(),
        ),
        StepState::Failed { .. } => (
            "failed",
            view! { <span class="step-icon bad" aria-hidden="true">"✗"</span> }.into_any(),
        ),
    };
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

/// The last step's result once the run has ended.
fn verification(p: &InstallProgress) -> impl IntoView + use<> {
    let last = p.steps.last();
    match (p.phase, last.map(|s| &s.state)) {
        (InstallPhase::Running, _) => ().into_any(),
        (InstallPhase::Succeeded, Some(StepState::Done { outcome })) => view! {
            <h3>"6. Verification"</h3>
            <div class="verification ok-notice" data-testid="verification" data-result="passed" role="status">
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
                let phase = match p.phase {
                    InstallPhase::Running => "running",
                    InstallPhase::Succeeded => "succeeded",
                    InstallPhase::Failed => "failed",
                };
                let plan = p.plan.clone();
                let failed = p.phase == InstallPhase::Failed;
                view! {
                    <p class="run-summary" data-phase=phase>
                        "Installing " <code>{p.revision.clone()}</code> " on " <code>{p.cluster.to_string()}</code>
                        ": " {done} " of " {all} " steps done (" {phase} ")."
                    </p>
                    <ol class="install-steps">{p.steps.iter().map(step_item).collect_view()}</ol>
                    {verification(p)}
                    {move || w.start_error.get().map(|error| view! { <crate::components::error_view::ErrorView error/> })}
                    <div class="wizard-actions">
                        {failed.then(|| view! {
                            <button
                                class="primary"
                                disabled=move || w.starting.get()
                                on:click=move |_| w.apply(plan.clone(), w.review.with_untracked(|r| {
                                    matches!(r, Some(Ok(r)) if r.blocked.is_some())
                                }))
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
