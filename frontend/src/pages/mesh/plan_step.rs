//! The plan step: the backend's review of the settings on the live
//! cluster (its preflight is the authority), the per-object diff, the
//! exports for people who install with other tools, and Apply.

use leptos::prelude::*;
use shared::mesh::{PlanReview, Verdict};

use super::preflight_step::{override_fields, report_view};
use super::wizard::{Stage, Wizard};
use crate::api::mesh::{ExportFormat, export_url};
use crate::components::diff_view::DiffList;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;

/// What the backend's preflight says, and the override it needs.
fn authority(w: Wizard, review: &PlanReview) -> impl IntoView + use<> {
    let warnings = review
        .preflight
        .results
        .iter()
        .filter(|r| r.verdict == Verdict::Warn)
        .count();
    match &review.blocked {
        None => view! {
            <p class="ok preflight-verdict" data-blocked="false">
                "The backend's preflight passed"
                {(warnings > 0).then(|| format!(" with {warnings} warnings"))} "."
            </p>
        }
        .into_any(),
        Some(blocked) => {
            let overridable = blocked.overridable;
            view! {
                <div class="warning-notice preflight-verdict" data-blocked="true">
                    <p>{blocked.to_string()}</p>
                    {if overridable {
                        "Your override reasons, one per failed check, go with the install and are audited."
                    } else {
                        "Go back and change the settings."
                    }}
                </div>
                <details class="server-preflight">
                    <summary>"The backend's checks"</summary>
                    {report_view(&review.preflight)}
                </details>
                {overridable.then(|| override_fields(w, blocked.failed.clone()))}
            }
            .into_any()
        }
    }
}

fn reviewed(w: Wizard, review: PlanReview) -> impl IntoView {
    let failed = review
        .blocked
        .as_ref()
        .map(|b| b.failed.clone())
        .unwrap_or_default();
    let overridable = review.blocked.as_ref().is_none_or(|b| b.overridable);
    let may_apply = {
        let failed = failed.clone();
        move || overridable && w.overrides_for(&failed).is_some()
    };
    let plan = review.id.clone();
    view! {
        <p class="plan-target">
            "Revision " <code>{review.settings.revision.to_string()}</code> " ("
            {review.settings.version.to_string()} ", " {review.settings.ca.title()} ") on "
            <code>{review.cluster.to_string()}</code> "."
        </p>
        {authority(w, &review)}
        <div class="exports">
            <a class="button" download="" href=export_url(&review.id, ExportFormat::Manifests)>"Export manifests"</a>
            <a class="button" download="" href=export_url(&review.id, ExportFormat::IstioOperator)>"Export IstioOperator"</a>
        </div>
        <DiffList objects=review.objects/>
        {move || w.start_error().map(|error| view! { <ErrorView error/> })}
        <div class="wizard-actions">
            <button on:click=move |_| w.stage.set(Stage::Preflight)>"Back"</button>
            <button
                class="primary"
                disabled=move || !may_apply() || w.starting()
                on:click=move |_| w.apply(plan.clone(), &failed)
            >
                {move || if w.starting() { "Starting…" } else { "Apply plan" }}
            </button>
        </div>
    }
}

#[component]
pub fn PlanStep(w: Wizard) -> impl IntoView {
    view! {
        <div class="wizard-step" data-step="plan">
            <h3>"4. Plan diff"</h3>
            <p class="muted">"What applying will do to each object, from a server-side dry run on the live cluster."</p>
            {move || {
                if w.reviewing() {
                    return view! { <Loading what="the plan's review"/> }.into_any();
                }
                match w.review() {
                    None => ().into_any(),
                    Some(Err(error)) => view! {
                        <ErrorView error/>
                        <div class="wizard-actions">
                            <button on:click=move |_| w.stage.set(Stage::Preflight)>"Back"</button>
                        </div>
                    }
                    .into_any(),
                    Some(Ok(review)) => reviewed(w, review).into_any(),
                }
            }}
        </div>
    }
}
