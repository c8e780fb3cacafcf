//! The Ingress section (SPEC §4): the config cluster's
//! MultiClusterServices and Ingresses with the quota meter and
//! namespace-sameness warnings, the config-cluster panel, and per resource
//! a page with its selection preview and the editor.

mod config;
mod conflict;
mod delete;
mod editable;
mod editor;
mod editor_state;
mod fields;
mod mci_form;
mod mcs_form;
mod page;
mod preview;
mod yaml_view;

use leptos::prelude::*;
use leptos_router::components::A;
use shared::ingress::api::{MciItem, McsItem, McsList};
use shared::ingress::{FieldError, IngressKind, IngressResource, QuotaUsage, SamenessWarning};
use shared::{Action, ApiError, Section};

use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;
use crate::pages::section::role_actions;
use crate::session::Auth;

pub use page::{MciPage, McsPage};

/// Whether the signed-in role may edit multi-cluster resources.
pub(crate) fn can_edit() -> bool {
    Auth::get().may(Action::EditIngress)
}

fn quota_meter(usage: QuotaUsage) -> impl IntoView {
    let meter = |kind: IngressKind, title: &'static str| {
        let used = usage.used(kind);
        let limit = kind.limit();
        view! {
            <div class="quota" data-testid=format!("quota-{}", if kind == IngressKind::MultiClusterService { "mcs" } else { "mci" })>
                <span>{title} " " {used} " / " {limit}</span>
                <meter min="0" max=limit value=used high=limit * 9 / 10></meter>
            </div>
        }
    };
    view! {
        <div class="quota-meter" data-testid="quota-meter">
            {meter(IngressKind::MultiClusterService, "MultiClusterServices")}
            {meter(IngressKind::MultiClusterIngress, "MultiClusterIngresses")}
        </div>
    }
}

/// A list row's link to the page of `ns/name` (`kind_path`: `services`
/// or `ingresses`).
fn name_cell(kind_path: &str, ns: &str, name: &str) -> impl IntoView + use<> {
    let href = format!("/ingress/{kind_path}/{ns}/{name}");
    view! { <td><A href=href>{format!("{ns}/{name}")}</A></td> }
}

/// A list row's review findings: its sameness warnings (marked with
/// `warning_testid`) and its errors.
fn findings_cell(
    warnings: &[SamenessWarning],
    errors: &[FieldError],
    warning_testid: Option<&'static str>,
) -> impl IntoView + use<> {
    view! {
        <td>
            {warnings.iter().map(|w| view! { <p class="warning" data-testid=warning_testid>{w.message()}</p> }).collect_view()}
            {errors.iter().map(|e| view! { <p class="field-problem">{e.to_string()}</p> }).collect_view()}
        </td>
    }
}

/// One list of resources: the header, then a row per item.
fn list_table<T>(
    testid: &'static str,
    headers: &'static [&'static str],
    items: Vec<T>,
    row: impl Fn(T) -> AnyView,
) -> impl IntoView {
    let header = headers
        .iter()
        .map(|h| view! { <th>{*h}</th> })
        .collect_view();
    view! {
        <table class="ingress-list" data-testid=testid>
            <thead><tr>{header}</tr></thead>
            <tbody>{items.into_iter().map(row).collect_view()}</tbody>
        </table>
    }
}

fn service_row(item: McsItem) -> AnyView {
    let (ns, name) = item.service.key();
    let chosen = if item.service.selects_all() {
        format!("all members ({})", item.chosen.len())
    } else {
        item.chosen
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <tr data-testid=format!("mcs-row-{ns}-{name}")>
            {name_cell("services", ns, name)}
            <td>{chosen}</td>
            {findings_cell(&item.warnings, &item.errors, Some("sameness-warning"))}
        </tr>
    }
    .into_any()
}

fn ingress_row(item: MciItem) -> AnyView {
    let (ns, name) = item.ingress.key();
    view! {
        <tr data-testid=format!("mci-row-{ns}-{name}")>
            {name_cell("ingresses", ns, name)}
            <td>{item.hosts.join(", ")}</td>
            <td data-testid="vip">{item.vip.clone().unwrap_or_else(|| "pending".into())}</td>
            {findings_cell(&item.warnings, &item.errors, None)}
        </tr>
    }
    .into_any()
}

#[component]
pub fn IngressPage() -> impl IntoView {
    let services = LocalResource::new(api::ingress::services);
    let ingresses = LocalResource::new(api::ingress::ingresses);
    let refresh = move || {
        services.refetch();
        ingresses.refetch();
    };
    let shown = move |r: Option<Result<McsList, ApiError>>| {
        match r {
        None => view! { <Loading what="MultiClusterServices"/> }.into_any(),
        Some(Err(error)) => view! { <ErrorView error/> }.into_any(),
        Some(Ok(list)) => view! {
            <p>"Config cluster: " <strong data-testid="config-cluster-name">{list.config_cluster.to_string()}</strong></p>
            {quota_meter(list.usage)}
            {list_table("mcs-list", &["MultiClusterService", "Selected clusters", "Warnings"], list.items, service_row)}
        }
        .into_any(),
    }
    };
    view! {
        <section class="ingress-page" data-testid="ingress-page" data-section="ingress">
            <h1>"Ingress"</h1>
            <p class="lead">"MultiClusterServices and MultiClusterIngresses of the fleet's config cluster."</p>
            {move || Auth::get().account().map(|a| role_actions(Section::Ingress, a.role))}
            <h2>"MultiClusterServices"</h2>
            {move || shown(services.get())}
            {move || can_edit().then(|| view! { <A href="/ingress/services/new" attr:data-testid="new-mcs">"New MultiClusterService"</A> })}
            <h2>"MultiClusterIngresses"</h2>
            {move || match ingresses.get() {
                None => view! { <Loading what="MultiClusterIngresses"/> }.into_any(),
                Some(Err(error)) => view! { <ErrorView error/> }.into_any(),
                Some(Ok(list)) => list_table("mci-list", &["MultiClusterIngress", "Hosts", "VIP", "Warnings"], list.items, ingress_row).into_any(),
            }}
            {move || can_edit().then(|| view! { <A href="/ingress/ingresses/new" attr:data-testid="new-mci">"New MultiClusterIngress"</A> })}
            <config::ConfigClusterPanel on_change=Callback::new(move |()| refresh())/>
        </section>
    }
}
