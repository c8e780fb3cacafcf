//! The install wizard's state: one [`Wizard`] holding what the steps
//! share, and its transitions as methods (choose a cluster, review the
//! plan, apply it, start over). Calls to the backend are leptos
//! [`Action`]s, so whether one is under way is the action's own pending
//! state, not a flag kept by hand. Preflight runs in the browser on every
//! settings change (the backend's run on the reviewed plan is the
//! authority).

use std::collections::BTreeMap;

use leptos::prelude::*;
use shared::fleet::{Cluster, Fleet};
use shared::mesh::form::SettingsForm;
use shared::mesh::{
    Check, CheckOverride, InstallContext, InstallProgress, InstallRequest, InstallSettings,
    Override, PlanRequest, PlanReview, PreflightInput, PreflightReport, SettingsProblem,
};
use shared::{ApiError, ErrorCode};

use crate::api;
use crate::api::follow::Runs;
use crate::components::field::Touched;
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

type Answer<T> = Result<T, ApiError>;

/// What the steps share. Copy it freely.
#[derive(Clone, Copy)]
pub struct Wizard {
    pub stage: RwSignal<Stage>,
    /// The cluster picked in the first step.
    pub cluster: RwSignal<Option<String>>,
    /// What preflight reads from that cluster, once fetched (the HSM
    /// check writes its answer into it).
    pub context: RwSignal<Option<Answer<InstallContext>>>,
    pub form: RwSignal<Option<SettingsForm>>,
    /// Which settings fields the user touched (problems speak after).
    pub touched: Touched,
    /// Why each failed check does not matter here, as typed.
    pub reasons: RwSignal<BTreeMap<Check, String>>,
    /// Reads the picked cluster's install context into `context`.
    load_context: Action<String, ()>,
    /// The backend's review of the settings as a plan.
    review: Action<PlanRequest, Answer<PlanReview>>,
    /// Starting the install of a reviewed plan; on success the run is
    /// followed into `run`.
    start: Action<InstallRequest, Answer<()>>,
    pub run: RwSignal<Option<InstallProgress>>,
    /// The run's progress stream while it runs.
    pub runs: Runs,
    /// A check of the current HSM settings is under way.
    pub hsm_checking: RwSignal<bool>,
    /// Why the last HSM check could not be made (not what it found: that
    /// goes into `context`).
    pub hsm_check_error: RwSignal<Option<ApiError>>,
    /// The live fleet, held here because event handlers have no context.
    fleet: ReadSignal<Option<Fleet>>,
    /// The picked cluster as the live fleet has it.
    pub target: Memo<Option<Cluster>>,
    /// The form's settings, or its problems by field.
    pub parsed: Memo<Option<Result<InstallSettings, Vec<SettingsProblem>>>>,
    /// Preflight of the current settings, run here.
    pub preflight: Memo<Option<PreflightReport>>,
}

/// Reads `name`'s install context into `context`, unless the wizard
/// moved to another cluster meanwhile; the console's Vault becomes the
/// HSM settings' default.
fn context_loader(
    cluster: RwSignal<Option<String>>,
    context: RwSignal<Option<Answer<InstallContext>>>,
    form: RwSignal<Option<SettingsForm>>,
) -> Action<String, ()> {
    Action::new_local(move |name: &String| {
        let name = name.clone();
        async move {
            let read = api::mesh::install_context(name.clone()).await;
            if cluster.try_get_untracked().flatten().as_deref() != Some(name.as_str()) {
                return;
            }
            if let Ok(InstallContext {
                vault_addr: Some(addr),
                ..
            }) = &read
            {
                form.update(|f| {
                    if let Some(f) = f
                        && f.hsm.vault_addr.trim().is_empty()
                    {
                        f.hsm.vault_addr.clone_from(addr);
                    }
                });
            }
            context.set(Some(read));
        }
    })
}

/// Starts an install; once started, shows its run at the Apply stage and
/// follows its progress stream.
fn starter(
    stage: RwSignal<Stage>,
    run: RwSignal<Option<InstallProgress>>,
    runs: Runs,
) -> Action<InstallRequest, Answer<()>> {
    Action::new_local(move |request: &InstallRequest| {
        let request = request.clone();
        async move {
            let progress = api::mesh::start_install(request).await?;
            let id = progress.id.clone();
            run.set(Some(progress));
            stage.set(Stage::Apply);
            runs.follow::<InstallProgress>(id, move |p| {
                run.try_set(Some(p));
            });
            Ok(())
        }
    })
}

impl Wizard {
    /// A wizard at its first step.
    pub(super) fn new() -> Self {
        let fleet = LiveFleet::get().fleet();
        let stage = RwSignal::new(Stage::Cluster);
        let cluster = RwSignal::new(None::<String>);
        let context = RwSignal::new(None::<Answer<InstallContext>>);
        let form = RwSignal::new(None::<SettingsForm>);
        let run = RwSignal::new(None);
        let runs = Runs::new();
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
            stage,
            cluster,
            context,
            form,
            touched: Touched::new(),
            reasons: RwSignal::new(BTreeMap::new()),
            load_context: context_loader(cluster, context, form),
            review: Action::new_local(|r: &PlanRequest| api::mesh::review_plan(r.clone())),
            start: starter(stage, run, runs),
            run,
            runs,
            hsm_checking: RwSignal::new(false),
            hsm_check_error: RwSignal::new(None),
            fleet,
            target,
            parsed,
            preflight,
        }
    }

    /// Whether the plan's review is under way.
    pub fn reviewing(self) -> bool {
        self.review.pending().get()
    }

    /// The backend's answer to the last review, tracked.
    pub fn review(self) -> Option<Answer<PlanReview>> {
        self.review.value().get()
    }

    /// The checks the last review found failed (and overridable), untracked.
    pub fn reviewed_failures(self) -> Vec<Check> {
        self.review.value().with_untracked(|r| match r {
            Some(Ok(r)) => r
                .blocked
                .as_ref()
                .map(|b| b.failed.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        })
    }

    /// Whether starting the install is under way.
    pub fn starting(self) -> bool {
        self.start.pending().get()
    }

    /// Why the last attempt to start the install was refused, tracked.
    pub fn start_error(self) -> Option<ApiError> {
        self.start.value().get().and_then(Result::err)
    }

    /// Starts over at the first step.
    pub fn reset(self) {
        self.runs.clear();
        self.stage.set(Stage::Cluster);
        self.context.set(None);
        self.form.set(None);
        self.reasons.set(BTreeMap::new());
        self.review.value().set(None);
        self.start.value().set(None);
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
        self.load_context.dispatch_local(name);
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
        self.review.value().set(None);
        self.start.value().set(None);
        self.stage.set(Stage::Plan);
        self.review.dispatch_local(PlanRequest {
            cluster: cluster.name().clone(),
            settings,
        });
    }

    /// Applies reviewed plan `plan` (again, after a failure: applies are
    /// idempotent), with an override for each check of `failed`.
    pub fn apply(self, plan: String, failed: &[Check]) {
        let Some(overrides) = self.overrides_for(failed) else {
            return;
        };
        self.start.value().set(None);
        self.start
            .dispatch_local(InstallRequest { plan, overrides });
    }
}
