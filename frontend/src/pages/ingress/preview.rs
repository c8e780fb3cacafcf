//! Selection previews as the backend reports them: for a
//! MultiClusterService a map of the fleet (selected and excluded members
//! with the reason, derived Service state, matching pods); for a
//! MultiClusterIngress hosts → service → clusters → pods, the VIP and the
//! default backend; and the controller's Events.

use leptos::prelude::*;
use shared::fleet::PodCount;
use shared::ingress::Selection;
use shared::ingress::api::{IngressEvent, MciPreview, McsPreview};

fn pods(p: Option<PodCount>) -> String {
    match p {
        Some(p) => format!("{} pods ({} ready)", p.total, p.ready),
        None => "pods unknown".into(),
    }
}

fn events(list: Vec<IngressEvent>) -> impl IntoView {
    (!list.is_empty()).then(|| {
        view! {
            <h3>"Events"</h3>
            <ul class="events" data-testid="ingress-events">
                {list.into_iter().map(|e| view! {
                    <li class=if e.kind == "Warning" { "warning" } else { "" }>
                        <strong>{e.reason}</strong> " " {e.message}
                    </li>
                }).collect_view()}
            </ul>
        }
    })
}

pub fn mcs_preview(p: McsPreview) -> impl IntoView {
    let derived_name = p
        .members
        .first()
        .map(|m| m.derived_service.clone())
        .unwrap_or_default();
    let members = p
        .members
        .into_iter()
        .map(|m| {
            let (state, why) = match m.selection {
                Selection::Selected => ("selected", String::new()),
                Selection::Unverified => ("unverified", "not synced yet".to_owned()),
                Selection::Excluded { reason } => ("excluded", reason.describe().to_owned()),
            };
            let derived = match m.derived {
                Some(true) => "present",
                Some(false) => "absent",
                None => "unknown",
            };
            view! {
                <li class=format!("member {state}") data-testid=format!("preview-member-{}", m.cluster)
                    data-selection=state data-derived=derived>
                    <strong>{m.cluster.to_string()}</strong>
                    {m.config_cluster.then(|| view! { <span class="badge">"config"</span> })}
                    <span class="muted">{m.location}</span>
                    <span class="selection">{state} {(!why.is_empty()).then(|| format!(": {why}"))}</span>
                    <span class="derived">"derived Service " {derived}</span>
                    <span class="pods">{pods(m.pods)}</span>
                    {m.error.map(|e| view! { <span class="field-problem">{e}</span> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="selection-preview" data-testid="mcs-preview">
            <h2>"Selection preview"</h2>
            <p class="muted">"Derived Service " <code>{derived_name}</code></p>
            <ul class="member-map">{members}</ul>
            {p.review.warnings.iter().map(|w| view! { <p class="warning" data-testid="sameness-warning">{w.message()}</p> }).collect_view()}
            {events(p.events)}
        </section>
    }
}

pub fn mci_preview(p: MciPreview) -> impl IntoView {
    let rows = p
        .routes
        .into_iter()
        .map(|r| {
            let host = if r.default {
                "default backend".to_owned()
            } else {
                let host = r.route.host.clone().unwrap_or_else(|| "any host".into());
                match &r.route.path {
                    Some(path) => format!("{host}{path}"),
                    None => host,
                }
            };
            let port = r.route.service_port.as_ref().map(ToString::to_string).unwrap_or_default();
            let clusters = r
                .clusters
                .iter()
                .map(|c| view! { <li data-testid=format!("route-cluster-{}", c.cluster)>{c.cluster.to_string()} ": " {pods(c.pods)}</li> })
                .collect_view();
            view! {
                <tr data-testid=format!("route-{}", if r.default { "default".to_owned() } else { r.route.host.clone().unwrap_or_default() })>
                    <td>{host}</td>
                    <td>{format!("{}:{port}", r.route.service)}</td>
                    <td>{r.route.target.is_none().then(|| view! { <span class="field-problem">"unresolved"</span> })}<ul>{clusters}</ul></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="routing-preview" data-testid="mci-preview">
            <h2>"Routing preview"</h2>
            <p>"VIP: " <strong data-testid="mci-vip">{p.vip.unwrap_or_else(|| "pending".into())}</strong></p>
            <table>
                <thead><tr><th>"Host"</th><th>"MultiClusterService"</th><th>"Clusters and pods"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {p.review.errors.iter().map(|e| view! { <p class="field-problem">{e.to_string()}</p> }).collect_view()}
            {p.review.warnings.iter().map(|w| view! { <p class="warning">{w.message()}</p> }).collect_view()}
            {events(p.events)}
        </section>
    }
}
