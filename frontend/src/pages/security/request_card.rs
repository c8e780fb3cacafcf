//! One pending request in the inbox: its origin, decoded view, policy
//! checks and approvals so far, and, for officers, the decisions: approve,
//! deny (asked on the shared confirmation naming cluster and request), or
//! upload a chain signed offline. What an officer types is kept per
//! request across refreshes.

use std::collections::HashMap;

use leptos::prelude::*;
use shared::ApiError;
use shared::csr::{ApproveOutcome, CsrSource, InboxItem, SubjectAltName};
use shared::time::format_utc;

use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::error_view::ErrorView;
use crate::components::status_badge::{StatusBadge, Tone};

/// A decision to send.
#[derive(Clone)]
pub(super) enum Decision {
    Approve,
    Deny(String),
    Upload(String),
}

/// A decision on the request with draft key `key`.
#[derive(Clone)]
pub(super) struct Decide {
    pub key: String,
    pub cluster: String,
    pub name: String,
    pub decision: Decision,
}

/// Sends decisions; answers with the request's draft key and the outcome,
/// `None` when nothing was issued (a denial).
pub(super) type DecideAction = Action<Decide, (String, Result<Option<ApproveOutcome>, ApiError>)>;

/// What an officer typed on one request.
#[derive(Clone, Default)]
pub(super) struct Draft {
    reason: String,
    chain: String,
}

/// The drafts of every request shown, by [`item_key`].
pub(super) type Drafts = StoredValue<HashMap<String, Draft>>;

/// One request: its cluster, name and the uid of the object holding it
/// (a new request under the same name starts blank).
pub(super) fn item_key(item: &InboxItem) -> String {
    let uid = match &item.source {
        CsrSource::Kubernetes { uid, .. } | CsrSource::IstiodHsm { uid, .. } => uid,
    };
    format!("{}/{}/{uid}", item.cluster, item.name)
}

/// How the request is named to a person: the Kubernetes object, or
/// istiod's HSM request and the secret holding it.
pub(super) fn request_title(item: &InboxItem) -> String {
    match &item.source {
        CsrSource::Kubernetes { .. } => format!("CertificateSigningRequest {}", item.name),
        CsrSource::IstiodHsm { .. } => {
            format!(
                "istiod's CA request (secret {})",
                item.name.replacen('.', "/", 1)
            )
        }
    }
}

fn san_text(san: &SubjectAltName) -> String {
    match san {
        SubjectAltName::Uri(v) => format!("URI {v}"),
        SubjectAltName::Dns(v) => format!("DNS {v}"),
        SubjectAltName::Email(v) => format!("email {v}"),
        SubjectAltName::Ip(v) => format!("IP {v}"),
        SubjectAltName::Other(v) => v.clone(),
    }
}

fn duration_text(secs: Option<u64>) -> String {
    match secs {
        None => "signer's default".into(),
        Some(s) if s % 86_400 == 0 => format!("{} days", s / 86_400),
        Some(s) if s % 3_600 == 0 => format!("{} hours", s / 3_600),
        Some(s) => format!("{s} seconds"),
    }
}

/// The card's heading and, for istiod's HSM request, where it comes from.
fn origin(item: &InboxItem) -> impl IntoView + use<> {
    let on = view! { <span class="muted">"on " {item.cluster.clone()}</span> };
    match &item.source {
        CsrSource::Kubernetes { .. } => view! {
            <h3>{item.name.clone()} " " {on}</h3>
        }
        .into_any(),
        CsrSource::IstiodHsm {
            revision,
            slot_label,
            kek_id,
            ..
        } => {
            let unknown = || "unknown".to_owned();
            view! {
                <h3>"istiod HSM request " {on}</h3>
                <dl class="csr-source hsm-source">
                    <dt>"Revision"</dt><dd><code>{revision.clone().unwrap_or_else(unknown)}</code></dd>
                    <dt>"HSM slot"</dt><dd><code>{slot_label.clone().unwrap_or_else(unknown)}</code></dd>
                    <dt>"KEK id"</dt><dd><code>{kek_id.clone().unwrap_or_else(unknown)}</code></dd>
                    <dt>"Secret"</dt><dd><code>{item.name.replacen('.', "/", 1)}</code></dd>
                </dl>
            }
            .into_any()
        }
    }
}

/// The decoded request, its checks (each by symbol and word) and the
/// approvals recorded so far.
#[component]
fn RequestFacts(item: InboxItem) -> impl IntoView {
    let view_part = item.view.clone().map(|v| {
        view! {
            <dl class="csr-view">
                <dt>"Subject"</dt><dd><code>{v.subject.clone()}</code></dd>
                <dt>"Names"</dt><dd>{v.sans.iter().map(san_text).collect::<Vec<_>>().join(", ")}</dd>
                <dt>"Key"</dt><dd>{v.key.describe()}</dd>
                <dt>"CA"</dt><dd>{if v.is_ca { format!("yes (CA:TRUE), pathLen {}", v.path_len.map_or("unset".into(), |p| p.to_string())) } else { "no".into() }}</dd>
                <dt>"Key usages"</dt><dd>{v.key_usages.join(", ")}</dd>
                <dt>"Duration"</dt><dd>{duration_text(v.requested_duration_secs)}</dd>
                <dt>"Signer"</dt><dd><code>{v.signer.clone()}</code></dd>
                <dt>"Requester"</dt><dd>{v.requester.clone().unwrap_or_else(|| "unknown".into())}</dd>
            </dl>
        }
    });
    let checks = item
        .checks
        .iter()
        .map(|c| {
            let state = if c.passed { "pass" } else { "fail" };
            let word = if c.passed { "passed" } else { "failed" };
            view! {
                <li class=format!("check check-{state}") data-check=format!("{:?}", c.check)>
                    <StatusBadge tone=Tone::of(c.passed) text=word/> " "
                    <strong>{c.check.title()}</strong> ": " {c.reason.clone()}
                </li>
            }
        })
        .collect_view();
    let approvals = format!(
        "{} of {} approvals{}",
        item.approvals.len(),
        item.required_approvals,
        if item.approvals.is_empty() {
            String::new()
        } else {
            format!(" ({})", item.approvals.join(", "))
        }
    );
    let problem = item.problem.clone().map(|p| {
        view! {
            <p class="error-message csr-problem" role="alert">
                {p} " " <span class="muted">"(cluster " {item.cluster.clone()} ")"</span>
            </p>
        }
    });
    view! {
        {origin(&item)}
        {item.created.map(|t| view! { <p class="muted small">"Requested " {format_utc(t)}</p> })}
        {problem}
        {view_part}
        <ul class="checks">{checks}</ul>
        <p class="approvals">{approvals}</p>
    }
}

/// A text field whose every edit is also kept in the request's draft.
fn remembered(
    drafts: Drafts,
    key: String,
    field: RwSignal<String>,
    edit: fn(&mut Draft, String),
) -> impl Fn(leptos::ev::Event) + 'static {
    move |ev| {
        let value = event_target_value(&ev);
        drafts.update_value(|d| edit(d.entry(key.clone()).or_default(), value.clone()));
        field.set(value);
    }
}

/// Deny with a reason, asked first on the shared confirmation naming the
/// cluster and the request; Cancel changes nothing.
#[component]
fn DenyControl(
    title: String,
    cluster: String,
    reason: RwSignal<String>,
    on_input: impl Fn(leptos::ev::Event) + 'static,
    send: Callback<Decision>,
    pending: Signal<bool>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let dialog = move || {
        asking.get().then(|| {
            let question = format!("Deny {title} on {cluster}?");
            let objects = vec![
                format!("{title} on {cluster}: marked Denied, no certificate is issued"),
                format!("Reason recorded: {}", reason.get_untracked().trim()),
            ];
            view! {
                <ConfirmDialog question objects confirm="Deny the request" pending
                    on_confirm=Callback::new(move |()| {
                        asking.set(false);
                        send.run(Decision::Deny(reason.get_untracked()));
                    })
                    on_cancel=Callback::new(move |()| asking.set(false))/>
            }
        })
    };
    view! {
        <div class="csr-deny">
            <label>"Reason"
                <input name="deny-reason" autocomplete="off" prop:value=reason on:input=on_input/>
            </label>
            <button disabled=move || reason.get().trim().is_empty() || asking.get()
                on:click=move |_| asking.set(true)>"Deny"</button>
            {dialog}
        </div>
    }
}

#[component]
pub(super) fn RequestCard(
    item: InboxItem,
    may_decide: bool,
    drafts: Drafts,
    decide: DecideAction,
) -> impl IntoView {
    let key = item_key(&item);
    // A refused decision is shown on the request it was about.
    let refusal = {
        let key = key.clone();
        move || {
            decide.value().with(|v| match v {
                Some((k, Err(error))) if *k == key => Some(error.clone()),
                _ => None,
            })
        }
    };
    let kept = drafts
        .with_value(|d| d.get(&key).cloned())
        .unwrap_or_default();
    let reason = RwSignal::new(kept.reason);
    let chain = RwSignal::new(kept.chain);
    let (cluster, name) = (item.cluster.clone(), item.name.clone());
    let send = {
        let key = key.clone();
        Callback::new(move |decision: Decision| {
            decide.dispatch_local(Decide {
                key: key.clone(),
                cluster: cluster.clone(),
                name: name.clone(),
                decision,
            });
        })
    };
    let kind = match item.source {
        CsrSource::Kubernetes { .. } => "kubernetes",
        CsrSource::IstiodHsm { .. } => "istiod_hsm",
    };
    let signable = item.signable();
    let pending = Signal::from(decide.pending());
    let controls = may_decide.then(|| {
        view! {
            <div class="csr-actions">
                <div class="csr-decide">
                    <button class="primary" disabled=!signable on:click=move |_| send.run(Decision::Approve)>"Approve and sign"</button>
                </div>
                <DenyControl title=request_title(&item) cluster=item.cluster.clone() reason
                    on_input=remembered(drafts, key.clone(), reason, |d, v| d.reason = v) send pending/>
                <div class="csr-upload">
                    <label>"Chain signed offline (PEM, certificate first)"
                        <textarea name="chain" rows="4" spellcheck="false" prop:value=chain
                            on:input=remembered(drafts, key.clone(), chain, |d, v| d.chain = v)></textarea>
                    </label>
                    <button disabled=move || chain.get().trim().is_empty() on:click=move |_| send.run(Decision::Upload(chain.get_untracked()))>"Check and write chain"</button>
                </div>
            </div>
        }
    });
    view! {
        <article class="csr-request" data-cluster=item.cluster.clone() data-name=item.name.clone() data-source=kind>
            <RequestFacts item=item.clone()/>
            {move || refusal().map(|error| view! { <ErrorView error/> })}
            {item.view.is_some().then(|| view! {
                <a class="csr-download" href=api::csr::pem_url(&item.cluster, &item.name) download>"Download CSR (PEM)"</a>
            })}
            {controls}
        </article>
    }
}
