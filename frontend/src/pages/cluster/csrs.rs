//! The Security tab's signing requests: this cluster's pending requests
//! from the inbox (`GET /api/csrs`), or why the cluster was not read, and
//! the decisions taken on its requests (approvals, denials and uploaded
//! chains, from the audit log), each linking to the inbox where they are
//! decided.

use leptos::prelude::*;
use shared::csr::{CsrInbox, CsrSource, InboxItem};
use shared::time::format_utc;
use shared::{AuditEntry, AuditFilter, AuditPage, ClusterName, action_titles};

use crate::api;
use crate::components::loading::Loaded;
use crate::components::status_badge::{StatusBadge, Tone};

/// How many decisions the tab lists, newest first.
const DECISIONS_SHOWN: u32 = 20;

fn source(item: &InboxItem) -> String {
    match &item.source {
        CsrSource::Kubernetes { .. } => "CertificateSigningRequest".to_owned(),
        CsrSource::IstiodHsm { revision, .. } => match revision {
            Some(rev) => format!("istiod {rev} (HSM)"),
            None => "istiod (HSM)".to_owned(),
        },
    }
}

fn pending_row(item: InboxItem) -> impl IntoView {
    let (tone, checks) = if item.signable() {
        (Tone::Pass, "every check passed".to_owned())
    } else {
        let failed = item.checks.iter().filter(|c| !c.passed).count();
        let text = match &item.problem {
            Some(problem) => problem.clone(),
            None => format!("{failed} check(s) failed"),
        };
        (Tone::Fail, text)
    };
    view! {
        <tr data-csr=item.name.clone()>
            <th scope="row"><code>{item.name.clone()}</code></th>
            <td>{source(&item)}</td>
            <td>{item.created.map(format_utc).unwrap_or_default()}</td>
            <td><StatusBadge tone text=checks/></td>
            <td>{item.approvals.len()} " of " {item.required_approvals} " approvals"</td>
            <td><a href="/security">"Open in the inbox"</a></td>
        </tr>
    }
}

fn pending(cluster: &ClusterName, inbox: CsrInbox) -> AnyView {
    let prefix = format!("{cluster}:");
    if let Some(why) = inbox.unreadable.iter().find(|u| u.starts_with(&prefix)) {
        let text = format!("Pending requests unknown: {why}");
        return view! { <p class="csrs-unread"><StatusBadge tone=Tone::Warn text/></p> }.into_any();
    }
    let mine: Vec<InboxItem> = inbox
        .items
        .into_iter()
        .filter(|i| i.cluster == cluster.as_str())
        .collect();
    if mine.is_empty() {
        let empty = format!("No signing requests pending on {cluster}.");
        return view! { <p class="muted csrs-empty">{empty}</p> }.into_any();
    }
    view! {
        <table class="cluster-csrs">
            <thead><tr><th>"Request"</th><th>"From"</th><th>"Created"</th><th>"Checks"</th><th>"Approvals"</th><th></th></tr></thead>
            <tbody>{mine.into_iter().map(pending_row).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

fn decision_row(entry: AuditEntry) -> impl IntoView {
    let what = action_titles::action_title(&entry.action).unwrap_or("Decided a signing request");
    let tone = if entry.action == "csr.deny" {
        Tone::Fail
    } else {
        Tone::Pass
    };
    view! {
        <tr data-seq=entry.seq data-action=entry.action.clone()>
            <td>{format_utc(entry.at)}</td>
            <td><StatusBadge tone text=what/></td>
            <td>{entry.targets.iter().map(|t| view! { <code>{t.clone()}</code> " " }).collect_view()}</td>
            <td>{entry.actor.clone()}</td>
            <td class="small">{entry.params.join(", ")}</td>
        </tr>
    }
}

/// The audit log's decisions on `cluster`'s requests.
fn decided_filter(cluster: &ClusterName) -> AuditFilter {
    AuditFilter {
        action: Some("csr.".to_owned()),
        cluster: Some(cluster.to_string()),
        changes_only: true,
        ..AuditFilter::default()
    }
}

fn decisions(cluster: &ClusterName, page: AuditPage) -> AnyView {
    if page.entries.is_empty() {
        let empty = format!("No signing request on {cluster} decided yet.");
        return view! { <p class="muted decisions-empty">{empty}</p> }.into_any();
    }
    view! {
        <table class="cluster-csr-decisions">
            <thead><tr><th>"When"</th><th>"Decision"</th><th>"Request"</th><th>"By"</th><th>"Details"</th></tr></thead>
            <tbody>{page.entries.into_iter().map(decision_row).collect_view()}</tbody>
        </table>
        {(page.total > i64::from(page.per_page)).then(|| view! {
            <p class="muted">{format!("The newest {} of {}; ", page.per_page, page.total)} <a href=format!("/activity?{}", decided_filter(cluster).query_string(&[]))>"all in Activity"</a></p>
        })}
    }
    .into_any()
}

#[component]
pub fn ClusterCsrs(cluster: ClusterName) -> impl IntoView {
    let inbox = LocalResource::new(api::csr::inbox);
    let filter = decided_filter(&cluster);
    let decided = LocalResource::new(move || api::audit::list(filter.clone(), 1, DECISIONS_SHOWN));
    let (for_pending, for_decided) = (cluster.clone(), cluster);
    view! {
        <section class="cluster-part" aria-labelledby="pending-csrs-heading">
            <h2 id="pending-csrs-heading">"Pending signing requests"</h2>
            <Loaded what="the signing requests" resource=inbox ok=move |i| pending(&for_pending, i)/>
        </section>
        <section class="cluster-part" aria-labelledby="decided-csrs-heading">
            <h2 id="decided-csrs-heading">"Decided signing requests"</h2>
            <Loaded what="the decisions" resource=decided ok=move |p| decisions(&for_decided, p)/>
        </section>
    }
}
