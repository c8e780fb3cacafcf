//! The install wizard's state and its steps: cluster → settings →
//! preflight → plan diff → apply → verification. One [`Wizard`] holds what
//! the steps share; preflight runs in the browser on every settings change
//! (the backend's run on the reviewed plan is the authority).

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::fleet::{Cluster, Fleet};
use shared::mesh::form::SettingsForm;
use shared::mesh::{
    Check, CheckOverride, InstallContext, InstallProgress, InstallRequest, InstallSettings,
    Override, PlanRequest, PlanReview, PreflightInput, PreflightReport, SettingsProblem,
};
use shared::{ApiError, ErrorCode};

use super::progress;
use super::{hsm_check, plan_step, preflight_step, settings_step};
use crate::api;
use crate::api::follow::Runs;
use crate::components::field::{Touched, focus_first_field};
use crate::live_fleet::LiveFleet;

/// Where the wizard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Cluster,
    Settings,
    Preflight,
    Plan,
    /// Applying, then (once the run ends) its verification.
    Apply,
}

/// The steps as the wizard's header lists them.
const STEPS: [(&str, &str); 6] = [
    ("cluster", "Cluster"),
    ("settings", "Settings"),
    ("preflight", "Preflight"),
    ("plan", "Plan diff"),
    ("apply", "Apply"),
    ("verify", "Verification"),
];

/// What the steps share. Copy it freely.
#[derive(Clone, Copy)]
pub struct Wizard {
    pub stage: RwSignal<Stage>,
    /// The cluster picked in the first step.
    pub cluster: RwSignal<Option<String>>,
    /// What preflight reads from that cluster, once fetched.
    pub context: RwSignal<Option<Result<InstallContext, ApiError>>>,
    pub form: RwSignal<Option<SettingsForm>>,
    /// Why each failed check does not matter here, as typed.
    pub reasons: RwSignal<BTreeMap<Check, String>>,
    pub reviewing: RwSignal<bool>,
    pub review: RwSignal<Option<Result<PlanReview, ApiError>>>,
    pub starting: RwSignal<bool>,
    /// Why the last attempt to start the install was refused.
    pub start_error: RwSignal<Option<ApiError>>,
    pub run: RwSignal<Option<InstallProgress>>,
    /// The run's progress stream while it runs.
    pub runs: Runs,
    /// A check of the current HSM settings is under way.
    pub hsm_checking: RwSignal<bool>,
    /// Why the last HSM check could not be made (not what it found: that
    /// goes into `context`).
    pub hsm_check_error: RwSignal<Option<ApiError>>,
    /// Which settings fields the user touched (problems speak after).
    pub touched: Touched,
    /// The live fleet, held here because event handlers have no context.
    fleet: ReadSignal<Option<Fleet>>,
    /// The picked cluster as the live fleet has it.
    pub target: Memo<Option<Cluster>>,
    /// The form's settings, or its problems by field.
    pub parsed: Memo<Option<Result<InstallSettings, Vec<SettingsProblem>>>>,
    /// Preflight of the current settings, run here.
    pub preflight: Memo<Option<PreflightReport>>,
}

impl Wizard {
    fn new() -> Self {
        let fleet = LiveFleet::get().fleet();
        let cluster = RwSignal::new(None::<String>);
        let context = RwSignal::new(None::<Result<InstallContext, ApiError>>);
        let form = RwSignal::new(None::<SettingsForm>);
        let target = Memo::new(move |_| {
            let name = cluster.get()?;
            fleet.with(|f| f.as_ref()?.cluster(&name).cloned())
        });
        let parsed = Memo::new(move |_| {
            let form = form.get()?;
            let c = target.get()?;
            fleet.with(|f| f.as_ref().map(|f| form.parse(f, &c)))
        });
        let preflight = Memo::new(move |_| {
            let settings = parsed.get()?.ok()?;
            let ctx = context.get()?.ok()?;
            let c = target.get()?;
            fleet.with(|f| {
                let f = f.as_ref()?;
                Some(PreflightReport::run(&PreflightInput {
                    fleet: f,
                    cluster: &c,
                    settings: &settings,
                    services: &ctx.services,
                    admin: ctx.admin,
                    membership: ctx.membership.as_deref(),
                    hsm: ctx.hsm.as_ref(),
                    mesh_roots: &ctx.mesh_roots,
                    issuance: &ctx.issuance,
                }))
            })
        });
        Self {
            stage: RwSignal::new(Stage::Cluster),
            cluster,
            context,
            form,
            reasons: RwSignal::new(BTreeMap::new()),
            reviewing: RwSignal::new(false),
            review: RwSignal::new(None),
            starting: RwSignal::new(false),
            start_error: RwSignal::new(None),
            run: RwSignal::new(None),
            runs: Runs::new(),
            hsm_checking: RwSignal::new(false),
            hsm_check_error: RwSignal::new(None),
            touched: Touched::new(),
            fleet,
            target,
            parsed,
            preflight,
        }
    }

    /// Starts over at the first step.
    pub fn reset(self) {
        self.runs.clear();
        self.stage.set(Stage::Cluster);
        self.context.set(None);
        self.form.set(None);
        self.reasons.set(BTreeMap::new());
        self.review.set(None);
        self.start_error.set(None);
        self.run.set(None);
        self.hsm_checking.set(false);
        self.hsm_check_error.set(None);
        self.touched.reset();
    }

    /// Goes to the settings of `name`: the suggested values, and what
    /// preflight needs from the cluster fetched meanwhile.
    pub fn choose(self, name: String) -> Result<(), ApiError> {
        let suggested = self.fleet.with_untracked(|f| {
            let f = f.as_ref()?;
            SettingsForm::suggested(f, f.cluster(&name)?)
        });
        let Some(form) = suggested else {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                format!(
                    "no settings can be suggested for {name}: the fleet description gives no project number for the mesh id"
                ),
            )
            .with_cluster(name));
        };
        self.reset();
        self.cluster.set(Some(name.clone()));
        self.form.set(Some(form));
        self.stage.set(Stage::Settings);
        spawn_local(async move {
            let context = api::mesh::install_context(name.clone()).await;
            if self.cluster.get_untracked().as_deref() != Some(name.as_str()) {
                return;
            }
            // The console's Vault is the HSM settings' default.
            if let Ok(InstallContext {
                vault_addr: Some(addr),
                ..
            }) = &context
            {
                self.form.update(|f| {
                    if let Some(f) = f
                        && f.hsm.vault_addr.trim().is_empty()
                    {
                        f.hsm.vault_addr.clone_from(addr);
                    }
                });
            }
            self.context.set(Some(context));
        });
        Ok(())
    }

    /// One override per check of `failed`, when each has an acceptable
    /// reason of its own.
    pub fn overrides_for(self, failed: &[Check]) -> Option<Vec<CheckOverride>> {
        self.reasons.with(|reasons| {
            failed
                .iter()
                .map(|check| {
                    let reason = Override::new(reasons.get(check)?).ok()?;
                    Some(CheckOverride {
                        check: *check,
                        reason: reason.reason().to_owned(),
                    })
                })
                .collect()
        })
    }

    /// Asks the backend to review the current settings as a plan.
    pub fn review_plan(self) {
        let (Some(cluster), Some(Ok(settings))) =
            (self.target.get_untracked(), self.parsed.get_untracked())
        else {
            return;
        };
        self.review.set(None);
        self.start_error.set(None);
        self.reviewing.set(true);
        self.stage.set(Stage::Plan);
        let request = PlanRequest {
            cluster: cluster.name().clone(),
            settings,
        };
        spawn_local(async move {
            let review = api::mesh::review_plan(request).await;
            self.reviewing.set(false);
            self.review.set(Some(review));
        });
    }

    /// Applies reviewed plan `plan` (again, after a failure: applies are
    /// idempotent), with an override for each check of `failed`.
    pub fn apply(self, plan: String, failed: &[Check]) {
        let Some(overrides) = self.overrides_for(failed) else {
            return;
        };
        self.starting.set(true);
        self.start_error.set(None);
        spawn_local(async move {
            let started = api::mesh::start_install(InstallRequest { plan, overrides }).await;
            self.starting.set(false);
            match started {
                Ok(progress) => {
                    let run = progress.id.clone();
                    self.run.set(Some(progress));
                    self.stage.set(Stage::Apply);
                    let shown = self.run;
                    self.runs.follow::<InstallProgress>(run, move |p| {
                        shown.try_set(Some(p));
                    });
                }
                Err(error) => self.start_error.set(Some(error)),
            }
        });
    }
}

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
                    Stage::Cluster => view! { <settings_step::ClusterStep w/> }.into_any(),
                    Stage::Settings => view! { <settings_step::SettingsStep w/> }.into_any(),
                    Stage::Preflight => view! { <preflight_step::PreflightStep w/> }.into_any(),
                    Stage::Plan => view! { <plan_step::PlanStep w/> }.into_any(),
                    Stage::Apply => view! { <progress::ApplyStep w/> }.into_any(),
                }}
            </div>
        </section>
    }
}
