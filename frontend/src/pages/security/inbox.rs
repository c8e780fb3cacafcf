//! Pending requests with their decoded view and policy checks, refreshed
//! every few seconds while the page is open; an officer approves, denies
//! with a reason, or runs the offline ceremony (download the CSR, upload
//! the chain signed elsewhere). What an officer types on a request is kept
//! per request across refreshes.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ApiError;
use shared::csr::{ApproveOutcome, CsrInbox, CsrSource, InboxItem, SubjectAltName};
use shared::time::format_utc;

use super::{CsrsChanged, REFRESH};
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

/// A decision on the request with draft key `key`.
#[derive(Clone)]
struct Decide {
    key: String,
    cluster: String,
    name: String,
    decision: Decision,
}

/// Sends decisions; answers with the request's draft key and the outcome,
/// `None` when nothing was issued (a denial).
type DecideAction = Action<Decide, (String, Result<Option<ApproveOutcome>, ApiError>)>;

/// What an officer typed on one request.
#[derive(Clone, Default)]
struct Draft {
    reason: String,
    chain: String,
}

/// The drafts of every request shown, by [`item_key`].
type Drafts = StoredValue<HashMap<String, Draft>>;

/// One request: its cluster, name and the uid of the object holding it
/// (a new request under the same name starts blank).
fn item_key(item: &InboxItem) -> String {
    let uid = match &item.source {
        CsrSource::Kubernetes { uid, .. } | CsrSource::IstiodHsm { uid, .. } => uid,
    };
    format!("{}/{}/{uid}", item.cluster, item.name)
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

#[component]
fn RequestCard(
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
    let remember = {
        let key = key.clone();
        move |edit: fn(&mut Draft, String), value: String| {
            drafts.update_value(|d| edit(d.entry(key.clone()).or_default(), value));
        }
    };
    let remember_chain = remember.clone();
    let (cluster, name) = (item.cluster.clone(), item.name.clone());
    let send = move |decision: Decision| {
        decide.dispatch_local(Decide {
            key: key.clone(),
            cluster: cluster.clone(),
            name: name.clone(),
            decision,
        });
    };
    let send_deny = send.clone();
    let send_upload = send.clone();
    let kind = match item.source {
        CsrSource::Kubernetes { .. } => "kubernetes",
        CsrSource::IstiodHsm { .. } => "istiod_hsm",
    };
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
    let problem = item.problem.clone().map(|p| {
        view! {
            <p class="error-message csr-problem" role="alert">
                {p} " " <span class="muted">"(cluster " {item.cluster.clone()} ")"</span>
            </p>
        }
    });
    view! {
        <article class="csr-request" data-cluster=item.cluster.clone() data-name=item.name.clone() data-source=kind>
            {origin(&item)}
            {item.created.map(|t| view! { <p class="muted small">"Requested " {format_utc(t)}</p> })}
            {problem}
            {view_part}
            <ul class="checks">{checks}</ul>
            <p class="approvals">{approvals}</p>
            {move || refusal().map(|error| view! { <ErrorView error/> })}
            {item.view.is_some().then(|| view! {
                <a class="csr-download" href=api::csr::pem_url(&item.cluster, &item.name) download>"Download CSR (PEM)"</a>
            })}
            {may_decide.then(|| view! {
                <div class="csr-actions">
                    <div class="csr-decide">
                        <button class="primary" disabled=!signable on:click=move |_| send(Decision::Approve)>"Approve and sign"</button>
                    </div>
                    <div class="csr-deny">
                        <label>"Reason"
                            <input
                                name="deny-reason"
                                autocomplete="off"
                                prop:value=reason
                                on:input=move |ev| {
                                    let value = event_target_value(&ev);
                                    remember(|d, v| d.reason = v, value.clone());
                                    reason.set(value);
                                }
                            />
                        </label>
                        <button disabled=move || reason.get().trim().is_empty() on:click=move |_| send_deny(Decision::Deny(reason.get_untracked()))>"Deny"</button>
                    </div>
                    <div class="csr-upload">
                        <label>"Chain signed offline (PEM, certificate first)"
                            <textarea
                                name="chain"
                                rows="4"
                                spellcheck="false"
                                prop:value=chain
                                on:input=move |ev| {
                                    let value = event_target_value(&ev);
                                    remember_chain(|d, v| d.chain = v, value.clone());
                                    chain.set(value);
                                }
                            ></textarea>
                        </label>
                        <button disabled=move || chain.get().trim().is_empty() on:click=move |_| send_upload(Decision::Upload(chain.get_untracked()))>"Check and write chain"</button>
                    </div>
                </div>
            })}
        </article>
    }
}

/// The inbox as last fetched, refreshed every [`REFRESH`]; answers older
/// than the newest asked for are dropped.
#[derive(Clone, Copy)]
struct LiveInbox {
    list: RwSignal<Option<CsrInbox>>,
    error: RwSignal<Option<ApiError>>,
    asked: StoredValue<u64>,
    /// The badge's trigger, taken from the context while there is one.
    changed: Option<CsrsChanged>,
}

impl LiveInbox {
    fn start() -> Self {
        let live = Self {
            list: RwSignal::new(None),
            error: RwSignal::new(None),
            asked: StoredValue::new(0),
            changed: use_context::<CsrsChanged>(),
        };
        live.refresh();
        if let Ok(handle) = set_interval_with_handle(move || live.refresh(), REFRESH) {
            on_cleanup(move || handle.clear());
        }
        live
    }

    fn refresh(self) {
        self.asked.update_value(|n| *n += 1);
        let asked = self.asked.get_value();
        spawn_local(async move {
            let answer = api::csr::inbox().await;
            if self.asked.try_get_value() != Some(asked) {
                return;
            }
            match answer {
                Ok(list) => {
                    self.error.set(None);
                    // Unchanged lists notify nobody, so cards stay as they are.
                    if self.list.with_untracked(|l| l.as_ref() != Some(&list)) {
                        let before = self
                            .list
                            .with_untracked(|l| l.as_ref().map(|l| l.items.len()));
                        let now = list.items.len();
                        self.list.set(Some(list));
                        if before.is_some_and(|n| n != now)
                            && let Some(changed) = self.changed
                        {
                            changed.bump();
                        }
                    }
                }
                Err(error) => self.error.set(Some(error)),
            }
        });
    }
}

#[component]
pub fn Inbox() -> impl IntoView {
    let auth = Auth::get();
    let may_decide = Memo::new(move |_| auth.may(shared::Action::DecideCsr));
    let inbox = LiveInbox::start();
    let drafts: Drafts = StoredValue::new(HashMap::new());
    let decide: DecideAction = Action::new_local(move |d: &Decide| {
        let Decide {
            key,
            cluster,
            name,
            decision,
        } = d.clone();
        async move {
            let on = cluster.clone();
            let done = match decision {
                Decision::Approve => api::csr::approve(cluster, name).await.map(Some),
                Decision::Deny(reason) => {
                    api::csr::deny(cluster, name, reason).await.map(|()| None)
                }
                Decision::Upload(chain) => api::csr::upload(cluster, name, chain).await.map(Some),
            }
            // Every refusal concerns the request's cluster.
            .map_err(|e| e.or_cluster(on));
            if done.is_ok() {
                drafts.try_update_value(|d| d.remove(&key));
            }
            inbox.refresh();
            (key, done)
        }
    });
    // Keyed by content: a card is rebuilt only when its request changed
    // (its drafts survive that), so typing is never interrupted by a
    // refresh that found nothing new.
    let items = move || {
        let may = may_decide.get();
        inbox.list.with(|l| {
            l.iter()
                .flat_map(|l| &l.items)
                .map(|i| {
                    let content = serde_json::to_string(i).unwrap_or_else(|_| item_key(i));
                    (format!("{may}:{content}"), i.clone(), may)
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <h2>"Signing requests"</h2>
        {move || decide.value().get().map(|(key, result)| match result {
            // Shown on its request while that is listed, else here.
            Err(error) => {
                let listed = inbox.list.with(|l| {
                    l.iter().flat_map(|l| &l.items).any(|i| item_key(i) == key)
                });
                (!listed).then(|| view! { <ErrorView error/> }).into_any()
            }
            Ok(Some(ApproveOutcome::Issued(d))) => view! {
                <p class="notice" role="status">"Signed " {d.name} " on " {d.cluster} ": serial " <code>{d.serial}</code> ", SHA-256 " <code>{d.sha256_fingerprint}</code></p>
            }.into_any(),
            Ok(Some(ApproveOutcome::Pending { approvals, required })) => view! {
                <p class="notice" role="status">"Approval recorded: " {approvals.len()} " of " {required} "."</p>
            }.into_any(),
            Ok(None) => view! { <p class="notice" role="status">"Denied."</p> }.into_any(),
        })}
        {move || inbox.error.get().map(|error| view! { <ErrorView error/> })}
        {move || inbox.list.with(|l| match l {
            None => inbox.error.with(Option::is_none).then(|| view! { <Loading what="signing requests"/> }.into_any()),
            Some(l) => {
                let unreadable = l.unreadable.iter().map(|u| view! { <li>{u.clone()}</li> }).collect_view();
                let empty = l.items.is_empty().then(|| view! { <p class="muted csr-empty">"No request waits."</p> });
                Some(view! { <ul class="unreadable">{unreadable}</ul>{empty} }.into_any())
            }
        })}
        <div class="csr-inbox" data-testid="csr-inbox">
            <For
                each=items
                key=|(rendered, _, _)| rendered.clone()
                children=move |(_, item, may_decide)| view! { <RequestCard item may_decide drafts decide/> }
            />
        </div>
    }
}
