//! The inbox's history: requests decided in the last days (approved
//! towards the two-person rule, signed, or denied), by whom, when and why,
//! read from the audit log through `GET /api/csrs/history`. Fetched again
//! after every decision made here and while the page is open.

use leptos::prelude::*;
use shared::csr::{CsrHistory, DEFAULT_HISTORY_DAYS, DecidedRequest, HSM_REQUEST_NAME, Verdict};
use shared::time::format_utc;

use crate::api;
use crate::components::loading::Loaded;
use crate::components::status_badge::{StatusBadge, Tone};

/// The spans a reader may pick, in days.
const SPANS: [u32; 4] = [1, 7, 30, 90];

fn verdict_badge(verdict: &Verdict) -> impl IntoView + use<> {
    let (tone, text) = match verdict {
        Verdict::Approved { approvals } => (Tone::Warn, format!("Approved ({approvals})")),
        Verdict::Signed { offline: false, .. } => (Tone::Pass, "Signed".to_owned()),
        Verdict::Signed { offline: true, .. } => (Tone::Pass, "Signed offline".to_owned()),
        Verdict::Denied { .. } => (Tone::Fail, "Denied".to_owned()),
    };
    view! { <StatusBadge tone text/> }
}

/// Why, or what came of it: the reason of a denial, the serial and the
/// counting officers of a signature.
fn verdict_detail(verdict: &Verdict) -> impl IntoView + use<> {
    match verdict {
        Verdict::Approved { .. } => {
            view! { <span class="muted">"awaiting more approvals"</span> }.into_any()
        }
        Verdict::Signed {
            serial, approvers, ..
        } => view! {
            "serial " <code>{serial.clone()}</code> " · approved by " {approvers.join(", ")}
        }
        .into_any(),
        Verdict::Denied { reason } => view! { "reason: " {reason.clone()} }.into_any(),
    }
}

fn row(d: DecidedRequest) -> impl IntoView {
    let request = if d.name == HSM_REQUEST_NAME {
        "istiod HSM request".to_owned()
    } else {
        d.name.clone()
    };
    view! {
        <tr class="csr-decided" data-name=d.name.clone() data-cluster=d.cluster.clone() data-verdict=d.verdict.word()>
            <td>{format_utc(d.at)}</td>
            <td>{request} {d.subject.clone().map(|s| view! { <span class="muted small">" " {s}</span> })}</td>
            <td>{d.cluster.clone()}</td>
            <td>{verdict_badge(&d.verdict)}</td>
            <td>{d.by.clone()}</td>
            <td>{verdict_detail(&d.verdict)}</td>
        </tr>
    }
}

fn table(history: CsrHistory) -> impl IntoView {
    if history.decisions.is_empty() {
        return view! {
            <p class="muted csr-history-empty">"No request was decided in the last " {history.days} " days."</p>
        }
        .into_any();
    }
    let more = history.truncated.then(|| {
        view! { <p class="muted small">"Only the newest " {history.decisions.len()} " decisions are shown."</p> }
    });
    view! {
        <table class="csr-history" data-testid="csr-history">
            <thead><tr><th>"When"</th><th>"Request"</th><th>"Cluster"</th><th>"Decision"</th><th>"By"</th><th>"Details"</th></tr></thead>
            <tbody>{history.decisions.into_iter().map(row).collect_view()}</tbody>
        </table>
        {more}
    }
    .into_any()
}

/// Decided requests of the last days; `decided` changes after each
/// decision made on this page, which fetches the history again.
#[component]
pub(super) fn DecisionHistory(#[prop(into)] decided: Signal<usize>) -> impl IntoView {
    let days = RwSignal::new(DEFAULT_HISTORY_DAYS);
    let history = LocalResource::new(move || {
        decided.track();
        let days = days.get();
        async move { api::csr::history(days).await }
    });
    if let Ok(handle) = set_interval_with_handle(move || history.refetch(), super::REFRESH) {
        on_cleanup(move || handle.clear());
    }
    let options = SPANS
        .iter()
        .map(|d| view! { <option value=d.to_string() selected=move || days.get() == *d>{format!("last {d} days")}</option> })
        .collect_view();
    view! {
        <h2 id=shared::audit_links::anchors::CSR_HISTORY>"Decided requests"</h2>
        <div class="table-tools">
            <label>"Show "
                <select name="history-days" on:change=move |ev| {
                    if let Ok(d) = event_target_value(&ev).parse() {
                        days.set(d);
                    }
                }>{options}</select>
            </label>
        </div>
        <Loaded what="decided requests" resource=history ok=table/>
    }
}
