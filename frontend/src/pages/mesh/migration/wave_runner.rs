//! The wave runner: the operator ticks namespace × cluster cells on the
//! board, asks for a proposal (what each wave restarts), sets the soak
//! time and runs it; each wave's progress and gate follow the run's
//! stream, and a paused run is resumed, skipped or rolled back (after a
//! confirmation naming the wave's namespaces and clusters) here.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ApiError;
use shared::mesh::migration::waves::{
    GateState, TargetStep, WaveDecision, WavePhase, WaveProgress, WaveProposal, WaveRequest,
    WaveRun, WaveState,
};

use super::Migration;
use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::error_view::ErrorView;

/// The soak time a new run starts with, in seconds.
const DEFAULT_SOAK_SECS: u64 = 30;

fn proposal_view(p: &WaveProposal) -> impl IntoView + use<> {
    let waves = p
        .waves
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let targets = w
                .targets
                .iter()
                .map(|t| {
                    let restarts = if t.deployments.is_empty() {
                        "nothing to restart".to_owned()
                    } else {
                        format!("restarts {}", t.deployments.join(", "))
                    };
                    view! {
                        <li data-cluster=t.cluster.to_string() data-namespace=t.namespace.clone()>
                            <code>{format!("{}/{}", t.cluster, t.namespace)}</code>
                            " — " {t.pods} " pods; " {restarts}
                        </li>
                    }
                })
                .collect_view();
            view! { <li class="proposed-wave" data-wave=i><strong>"Wave " {i + 1}</strong><ul>{targets}</ul></li> }
        })
        .collect_view();
    view! {
        <ol class="wave-proposal" data-testid="wave-proposal">{waves}</ol>
    }
}

fn wave_state_slug(state: WaveState) -> &'static str {
    match state {
        WaveState::Pending => "pending",
        WaveState::Running => "running",
        WaveState::Passed => "passed",
        WaveState::Failed => "failed",
        WaveState::Skipped => "skipped",
        WaveState::RollingBack => "rolling-back",
        WaveState::RolledBack => "rolled-back",
    }
}

fn gate_text(gate: &GateState, soak: u64) -> String {
    match gate {
        GateState::Pending => {
            format!("gate: waits for every pod on the revision and Ready for {soak}s")
        }
        GateState::Soaking { .. } => format!("gate: soaking ({soak}s)"),
        GateState::Passed { .. } => "gate: passed".into(),
        GateState::Failed { message } => format!("gate failed: {message}"),
    }
}

fn step_text(step: &TargetStep) -> String {
    match step {
        TargetStep::Pending => "pending".into(),
        TargetStep::Relabelled => "relabelled".into(),
        TargetStep::Restarted => "restarted".into(),
        TargetStep::OnTarget => "on target".into(),
        TargetStep::Failed { message } => format!("failed: {message}"),
        TargetStep::RolledBack => "rolled back".into(),
    }
}

fn wave_view(i: usize, w: &WaveProgress, soak: u64) -> impl IntoView + use<> {
    let targets = w
        .targets
        .iter()
        .map(|t| {
            view! {
                <li data-cluster=t.cluster.to_string() data-namespace=t.namespace.clone()>
                    <code>{format!("{}/{}", t.cluster, t.namespace)}</code> ": " {step_text(&t.step)}
                </li>
            }
        })
        .collect_view();
    let gate_slug = match w.gate {
        GateState::Pending => "pending",
        GateState::Soaking { .. } => "soaking",
        GateState::Passed { .. } => "passed",
        GateState::Failed { .. } => "failed",
    };
    view! {
        <li class="wave-progress" data-wave=i data-state=wave_state_slug(w.state)>
            <strong>"Wave " {i + 1} ": " {wave_state_slug(w.state)}</strong>
            <ul>{targets}</ul>
            <p class="wave-gate" data-gate=gate_slug>{gate_text(&w.gate, soak)}</p>
        </li>
    }
}

/// The confirmation of rolling the paused wave back, naming each of its
/// namespaces and clusters.
fn rollback_confirm<F>(run: &WaveRun, asking: RwSignal<bool>, back: F) -> impl IntoView + use<F>
where
    F: Fn(WaveDecision) + Send + Sync + 'static,
{
    let index = run.current().unwrap_or_default();
    let objects: Vec<String> = run
        .waves
        .get(index)
        .map(|w| {
            w.targets
                .iter()
                .map(|t| {
                    format!(
                        "Namespace {} on {}: label istio-injection=enabled, remove istio.io/rev, restart its Deployments",
                        t.namespace, t.cluster
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let question = format!(
        "Roll wave {} of run {} back to the default revision? Nothing is deleted: {} stays installed.",
        index + 1,
        run.id,
        run.revision
    );
    view! {
        <ConfirmDialog question objects confirm="Roll the wave back"
            on_confirm=Callback::new(move |()| {
                asking.set(false);
                back(WaveDecision::Rollback);
            })
            on_cancel=Callback::new(move |()| asking.set(false))/>
    }
}

fn run_view(
    m: Migration,
    run: &WaveRun,
    error: RwSignal<Option<ApiError>>,
    asking: RwSignal<bool>,
) -> impl IntoView + use<> {
    let phase = match run.phase {
        WavePhase::Running => "running",
        WavePhase::Paused => "paused",
        WavePhase::Finished => "finished",
    };
    let waves = run
        .waves
        .iter()
        .enumerate()
        .map(|(i, w)| wave_view(i, w, run.soak_secs))
        .collect_view();
    let paused = run.phase == WavePhase::Paused;
    let id = run.id.clone();
    let decide = move |decision: WaveDecision| {
        let id = id.clone();
        error.set(None);
        spawn_local(async move {
            match api::migration::decide(id, decision).await {
                Ok(run) => m.track_waves(run),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let decisions = (paused && m.may_act.get_untracked()).then(|| {
        let (resume, skip) = (decide.clone(), decide.clone());
        let confirm = asking
            .get_untracked()
            .then(|| rollback_confirm(run, asking, decide));
        view! {
            <div class="wave-decisions">
                <button data-action="resume" on:click=move |_| resume(WaveDecision::Resume)>"Resume (check the gate again)"</button>
                <button data-action="skip" on:click=move |_| skip(WaveDecision::Skip)>"Skip this wave"</button>
                <button data-action="rollback-wave" disabled=asking.get_untracked() on:click=move |_| asking.set(true)>"Roll the wave back…"</button>
            </div>
            {confirm}
        }
    });
    view! {
        <div class="wave-run" data-testid="wave-run" data-run=run.id.clone() data-phase=phase>
            <p class="run-summary" data-phase=phase>
                "Wave run to " <code>{run.revision.clone()}</code> ", soak " {run.soak_secs} "s: " {phase} " — by " {run.by.clone()}
            </p>
            {run.paused.clone().map(|why| view! { <p class="error-message" role="alert">"Paused: " {why}</p> })}
            <ol class="wave-list">{waves}</ol>
            {decisions}
        </div>
    }
}

#[component]
pub fn WaveRunner(m: Migration) -> impl IntoView {
    let soak = RwSignal::new(DEFAULT_SOAK_SECS.to_string());
    let proposal = RwSignal::new(None::<WaveProposal>);
    let error = RwSignal::new(None::<ApiError>);
    // Asked before a paused wave is rolled back.
    let asking_back = RwSignal::new(false);
    let request = move || -> Option<WaveRequest> {
        let (_, to) = m.pair.get_untracked()?;
        Some(WaveRequest {
            revision: to,
            targets: m.wave_targets.get_untracked(),
            soak_secs: soak
                .get_untracked()
                .trim()
                .parse()
                .unwrap_or(DEFAULT_SOAK_SECS),
        })
    };
    let propose = Action::new_local(move |request: &WaveRequest| {
        let request = request.clone();
        async move {
            match api::migration::propose_waves(request).await {
                Ok(p) => proposal.set(Some(p)),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let start = Action::new_local(move |request: &WaveRequest| {
        let request = request.clone();
        async move {
            match api::migration::start_waves(request).await {
                Ok(r) => {
                    proposal.set(None);
                    m.wave_targets.set(Vec::new());
                    m.track_waves(r);
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    // The form is busy while either request is out.
    let busy = move || propose.pending().get() || start.pending().get();
    let send = move |action: Action<WaveRequest, ()>| {
        if let Some(request) = request() {
            error.set(None);
            action.dispatch_local(request);
        }
    };
    // The proposal is of the pair, cells, soak and cluster state as they
    // were: any change to them asks anew.
    let basis = Memo::new(move |_| {
        let targets = m.wave_targets.get();
        let states: Vec<String> = m.fleet.with(|f| {
            targets
                .iter()
                .map(|t| {
                    f.as_ref()
                        .and_then(|f| f.clusters.iter().find(|c| *c.name() == t.cluster))
                        .map(|c| format!("{:?} {:?}", c.namespace(&t.namespace), c.control_planes))
                        .unwrap_or_default()
                })
                .collect()
        });
        (m.pair.get(), targets, soak.get(), states)
    });
    Effect::new(move |_| {
        basis.track();
        proposal.set(None);
    });
    let soak_valid = move || soak.with(|s| s.trim().parse::<u64>().is_ok());
    let picked = move || m.wave_targets.with(|t| t.len());
    view! {
        <section class="wave-runner" data-testid="wave-runner" aria-labelledby="waves-heading">
            <h3 id="waves-heading">"Waves across the fleet"</h3>
            {move || m.may_act.get().then(|| view! {
                <div class="wave-form">
                    <p class="muted">{picked} " namespaces picked on the board."</p>
                    <label>
                        "Soak time (seconds) "
                        <input name="soak_secs" inputmode="numeric" prop:value=move || soak.get()
                            aria-invalid=move || (!soak_valid()).to_string()
                            on:input=move |ev| soak.set(event_target_value(&ev))/>
                    </label>
                    <button data-action="propose" disabled=move || busy() || picked() == 0 || !soak_valid() on:click=move |_| send(propose)>
                        "Propose waves"
                    </button>
                    <button class="primary" data-action="run-waves" disabled=move || busy() || proposal.with(Option::is_none) || !soak_valid() on:click=move |_| send(start)>
                        "Run these waves"
                    </button>
                </div>
            })}
            {move || error.get().map(|error| view! { <ErrorView error/> })}
            {move || proposal.with(|p| p.as_ref().map(proposal_view))}
            {move || {
                asking_back.track();
                m.wave_run.with(|r| r.as_ref().map(|r| run_view(m, r, error, asking_back)))
            }}
        </section>
    }
}
