//! The preflight step: every check with its verdict and evidence, and the
//! override each failed check needs of its own: a reason of at least
//! [`Override::MIN_REASON`] characters, counted as it is typed. A check
//! that cannot be overridden gets no field.

use leptos::prelude::*;
use shared::mesh::{Check, CheckResult, Override, PreflightReport, Verdict};

use super::wizard::{Stage, Wizard};
use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;
use crate::components::status_badge::{StatusBadge, Tone};

/// The check's wire name, for tests and styles.
fn check_slug(check: Check) -> String {
    serde_json::to_value(check)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// How a verdict reads: its tone and its word.
fn verdict(v: Verdict) -> (Tone, &'static str) {
    match v {
        Verdict::Pass => (Tone::Pass, "Pass"),
        Verdict::Warn => (Tone::Warn, "Warn"),
        Verdict::Fail => (Tone::Fail, "Fail"),
    }
}

fn result_item(r: &CheckResult) -> impl IntoView + use<> {
    let (tone, word) = verdict(r.verdict);
    let slug = tone.slug();
    let hard = r.verdict == Verdict::Fail && !r.overridable;
    let evidence = r
        .evidence
        .iter()
        .map(|e| view! { <li>{e.clone()}</li> })
        .collect_view();
    view! {
        <li class=format!("check verdict-{slug}") data-check=check_slug(r.check) data-verdict=slug>
            <span class="verdict"><StatusBadge tone text=word/></span>
            <strong class="check-title">{r.check.title()}</strong>
            {hard.then(|| view! { <span class="badge badge-denied">"cannot be overridden"</span> })}
            <ul class="evidence">{evidence}</ul>
        </li>
    }
}

/// The checks of `report`, in order, with a summary line.
pub fn report_view(report: &PreflightReport) -> impl IntoView + use<> {
    let count = |v| report.results.iter().filter(|r| r.verdict == v).count();
    let (pass, warn, fail) = (
        count(Verdict::Pass),
        count(Verdict::Warn),
        count(Verdict::Fail),
    );
    view! {
        <p class="preflight-summary" data-pass=pass data-warn=warn data-fail=fail>
            {pass} " passed, " {warn} " warnings, " {fail} " failed on " <code>{report.cluster.to_string()}</code>
        </p>
        <ul class="preflight">{report.results.iter().map(result_item).collect_view()}</ul>
    }
}

/// The override reason of one failed check: a textarea with its
/// character count.
#[component]
pub fn OverrideReason(w: Wizard, check: Check) -> impl IntoView {
    let length = move || {
        w.reasons
            .with(|r| r.get(&check).map_or(0, |r| r.trim().chars().count()))
    };
    let enough = move || length() >= Override::MIN_REASON;
    let slug = check_slug(check);
    let (id, counter) = (
        format!("override-{slug}"),
        format!("override-{slug}-counter"),
    );
    view! {
        <div class="override" data-testid="override" data-check=slug>
            <label for=id.clone()>"Override reason for “" {check.title()} "”"</label>
            <textarea
                id=id
                name="override-reason"
                rows="2"
                aria-describedby=counter.clone()
                prop:value=move || w.reasons.with(|r| r.get(&check).cloned().unwrap_or_default())
                on:input=move |ev| w.reasons.update(|r| {
                    r.insert(check, event_target_value(&ev));
                })
            ></textarea>
            <p
                id=counter
                class="reason-counter"
                class:ok=enough
                class:bad=move || { !enough() && length() > 0 }
                data-length=length
                aria-live="polite"
            >
                {length} " / " {Override::MIN_REASON} " characters"
                {move || enough().then_some(" — enough")}
            </p>
        </div>
    }
}

/// A field per failed check in `failed`, with what an override means.
pub fn override_fields(w: Wizard, failed: Vec<Check>) -> impl IntoView {
    view! {
        <div class="overrides">
            <p class="muted">
                "Failed checks block the install. To install anyway, say for each why it does not matter here, in at least "
                {Override::MIN_REASON} " characters; each reason is recorded in the audit log."
            </p>
            {failed.into_iter().map(|check| view! { <OverrideReason w check/> }).collect_view()}
        </div>
    }
}

#[component]
pub fn PreflightStep(w: Wizard) -> impl IntoView {
    // The failed checks, and whether any cannot be overridden.
    let blocking = Memo::new(move |_| {
        w.preflight.with(|r| {
            r.as_ref().map(|r| {
                let failed: Vec<Check> = r.failures().map(|f| f.check).collect();
                (failed, r.failures().any(|f| !f.overridable))
            })
        })
    });
    let may_continue = move || match blocking.get() {
        Some((failed, false)) => w.overrides_for(&failed).is_some(),
        _ => false,
    };
    view! {
        <div class="wizard-step" data-step="preflight">
            <h3>"3. Preflight"</h3>
            <p class="muted">"Checked here as you change the settings; the backend checks again when it reviews the plan."</p>
            {move || match (w.context.get(), w.preflight.get()) {
                (Some(Err(error)), _) => view! { <ErrorView error/> }.into_any(),
                (None, _) => view! { <Loading what="what preflight reads from the cluster"/> }.into_any(),
                (_, None) => view! {
                    <p class="muted">"Preflight runs once every setting is valid: go back to the settings."</p>
                }
                .into_any(),
                (_, Some(report)) => report_view(&report).into_any(),
            }}
            {move || match blocking.get() {
                Some((failed, false)) if !failed.is_empty() => override_fields(w, failed).into_any(),
                Some((_, true)) => view! {
                    <p class="warning-notice">
                        "A failed check cannot be overridden: change the settings or the cluster first."
                    </p>
                }
                .into_any(),
                _ => ().into_any(),
            }}
            <div class="wizard-actions">
                <button on:click=move |_| w.stage.set(Stage::Settings)>"Back"</button>
                <button class="primary" disabled=move || !may_continue() on:click=move |_| w.review_plan()>
                    "Next: review the plan"
                </button>
            </div>
        </div>
    }
}
