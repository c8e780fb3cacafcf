//! Pending requests across the fleet, refreshed every few seconds while
//! the page is open, each on its [`RequestCard`]; the outcome of the last
//! decision; and below, the requests decided in the last days.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ApiError;
use shared::csr::{ApproveOutcome, CsrInbox};

use super::decisions::DecisionHistory;
use super::request_card::{Decide, DecideAction, Decision, Drafts, RequestCard, item_key};
use super::{CsrsChanged, REFRESH};
use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;
use crate::session::Auth;

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
        <DecisionHistory decided=decide.version()/>
    }
}
