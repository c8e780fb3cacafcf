//! Pending requests with their decoded view and policy checks; an officer
//! approves, denies with a reason, or runs the offline ceremony (download
//! the CSR, upload the chain signed elsewhere).

use leptos::prelude::*;
use shared::ApiError;
use shared::csr::{ApproveOutcome, InboxItem, SubjectAltName};
use shared::time::format_utc;

use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;
use crate::session::Auth;

/// A decision to send.
#[derive(Clone)]
enum Decision {
    Approve,
    Deny(String),
    Upload(String),
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

#[component]
fn RequestCard(
    item: InboxItem,
    may_decide: bool,
    decide: Action<(String, String, Decision), Result<Option<ApproveOutcome>, ApiError>>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let chain = RwSignal::new(String::new());
    let (cluster, name) = (item.cluster.clone(), item.name.clone());
    let send = move |decision: Decision| {
        decide.dispatch_local((cluster.clone(), name.clone(), decision));
    };
    let send_deny = send.clone();
    let send_upload = send.clone();
    let view_part = item.view.clone().map(|v| {
        view! {
            <dl class="csr-view">
                <dt>"Subject"</dt><dd><code>{v.subject.clone()}</code></dd>
                <dt>"Names"</dt><dd>{v.sans.iter().map(san_text).collect::<Vec<_>>().join(", ")}</dd>
                <dt>"Key"</dt><dd>{v.key.describe()}</dd>
                <dt>"CA"</dt><dd>{if v.is_ca { format!("yes, pathLen {}", v.path_len.map_or("unset".into(), |p| p.to_string())) } else { "no".into() }}</dd>
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
            view! {
                <li class=format!("check check-{state}") data-check=format!("{:?}", c.check)>
                    <strong>{c.check.title()}</strong> ": " {c.reason.clone()}
                </li>
            }
        })
        .collect_view();
    let signable = item.signable();
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
    view! {
        <article class="csr-request" data-cluster=item.cluster.clone() data-name=item.name.clone()>
            <h3>{item.name.clone()} " " <span class="muted">"on " {item.cluster.clone()}</span></h3>
            {item.created.map(|t| view! { <p class="muted small">"Requested " {format_utc(t)}</p> })}
            {item.problem.clone().map(|p| view! { <p class="error-message">{p}</p> })}
            {view_part}
            <ul class="checks">{checks}</ul>
            <p class="approvals">{approvals}</p>
            <a href=api::csr::pem_url(&item.cluster, &item.name) download>"Download CSR (PEM)"</a>
            {may_decide.then(|| view! {
                <div class="csr-actions">
                    <button class="primary" disabled=!signable on:click=move |_| send(Decision::Approve)>"Approve and sign"</button>
                    <label>"Reason" <input name="deny-reason" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev))/></label>
                    <button disabled=move || reason.get().trim().is_empty() on:click=move |_| send_deny(Decision::Deny(reason.get_untracked()))>"Deny"</button>
                    <label>"Chain signed offline (PEM, certificate first)"
                        <textarea name="chain" prop:value=chain on:input=move |ev| chain.set(event_target_value(&ev))></textarea>
                    </label>
                    <button disabled=move || chain.get().trim().is_empty() on:click=move |_| send_upload(Decision::Upload(chain.get_untracked()))>"Check and write chain"</button>
                </div>
            })}
        </article>
    }
}

#[component]
pub fn Inbox() -> impl IntoView {
    let auth = Auth::get();
    let may_decide = move || {
        auth.account()
            .is_some_and(|a| a.role.may(shared::Action::DecideCsr))
    };
    let inbox = LocalResource::new(api::csr::inbox);
    let decide = Action::new_local(
        move |(cluster, name, decision): &(String, String, Decision)| {
            let (cluster, name, decision) = (cluster.clone(), name.clone(), decision.clone());
            async move {
                let done = match decision {
                    Decision::Approve => api::csr::approve(cluster, name).await.map(Some),
                    Decision::Deny(reason) => {
                        api::csr::deny(cluster, name, reason).await.map(|()| None)
                    }
                    Decision::Upload(chain) => {
                        api::csr::upload(cluster, name, chain).await.map(Some)
                    }
                };
                inbox.refetch();
                done
            }
        },
    );
    view! {
        <h2>"Signing requests"</h2>
        {move || decide.value().get().map(|result| match result {
            Err(error) => view! { <ErrorView error/> }.into_any(),
            Ok(Some(ApproveOutcome::Issued(d))) => view! {
                <p class="notice" role="status">"Signed " {d.name} " on " {d.cluster} ": serial " <code>{d.serial}</code> ", SHA-256 " <code>{d.sha256_fingerprint}</code></p>
            }.into_any(),
            Ok(Some(ApproveOutcome::Pending { approvals, required })) => view! {
                <p class="notice" role="status">"Approval recorded: " {approvals.len()} " of " {required} "."</p>
            }.into_any(),
            Ok(None) => view! { <p class="notice" role="status">"Denied."</p> }.into_any(),
        })}
        <Transition fallback=|| view! { <Loading what="signing requests"/> }>
            {move || Suspend::new(async move {
                match inbox.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(list) => {
                        let unreadable = list.unreadable.iter().map(|u| view! { <li>{u.clone()}</li> }).collect_view();
                        let empty = list.items.is_empty();
                        view! {
                            <ul class="unreadable">{unreadable}</ul>
                            {empty.then(|| view! { <p class="muted">"No request waits."</p> })}
                            {list.items.into_iter().map(|item| view! { <RequestCard item may_decide=may_decide() decide/> }).collect_view()}
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
