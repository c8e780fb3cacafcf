//! The cluster's namespaces: which injection label each carries (a
//! conflict is a warning), which revision its pods actually run, and how
//! many a rolling restart would change; filtered by name, with one
//! namespace's pods listed on request.

use leptos::prelude::*;
use shared::fleet::{Cluster, Injection, Namespace, PodPhase, PodSummary};

use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;
use crate::components::revision::{Palette, PodBar, RevisionChip, revision_name};

fn injection_slug(injection: &Injection) -> &'static str {
    match injection {
        Injection::Revision { .. } => "revision",
        Injection::Legacy => "legacy",
        Injection::Disabled => "disabled",
        Injection::Conflict { .. } => "conflict",
        Injection::None => "none",
    }
}

const CONFLICT_HELP: &str = "Both istio.io/rev and istio-injection: auto-injection fails and new pods start without a proxy. Remove istio-injection.";
const PENDING_HELP: &str = "Pods whose proxy revision differs from what the labels ask for (a revision no injector serves here means no proxy): a rolling restart would change them.";

/// Everything a row shows.
type RowKey = (
    String,
    Option<String>,
    Option<String>,
    Vec<(String, u32, u32)>,
    u32,
);

fn row_key((n, pending): &(Namespace, u32)) -> RowKey {
    let pods = n
        .pods
        .iter()
        .map(|(r, c)| (r.clone(), c.total, c.ready))
        .collect();
    (
        n.name.clone(),
        n.rev_label.clone(),
        n.injection_label.clone(),
        pods,
        *pending,
    )
}

fn row(
    ns: &Namespace,
    pending: u32,
    palette: &Palette,
    open: RwSignal<Option<String>>,
) -> impl IntoView + use<> {
    let injection = ns.injection();
    let slug = injection_slug(&injection);
    let conflict = matches!(injection, Injection::Conflict { .. });
    let label = if conflict {
        view! {
            <span class="warning" title=CONFLICT_HELP>
                <span aria-hidden="true">"⚠ "</span>{injection.describe()}
            </span>
        }
        .into_any()
    } else {
        view! { <span>{injection.describe()}</span> }.into_any()
    };
    let total = ns.pod_total();
    let pods: Vec<_> = ns.pods.iter().map(|(r, c)| (r.clone(), *c)).collect();
    let name = ns.name.clone();
    let toggle = name.clone();
    let expanded = {
        let name = name.clone();
        move || open.with(|o| o.as_deref() == Some(name.as_str()))
    };
    view! {
        <tr data-namespace=name.clone() class:conflict=conflict>
            <th scope="row"><code>{name.clone()}</code></th>
            <td class="ns-labels" data-injection=slug>{label}</td>
            <td class="ns-pods"><PodBar pods palette=palette.clone()/></td>
            <td class="num ns-ready">{total.ready} "/" {total.total}</td>
            <td class="num ns-restart" data-pending=pending>
                {if pending > 0 {
                    view! { <span class="pending" title=PENDING_HELP>{pending}</span> }.into_any()
                } else {
                    view! { <span class="muted">"0"</span> }.into_any()
                }}
            </td>
            <td>
                <button
                    class="link-button"
                    aria-expanded=move || expanded().to_string()
                    aria-label=format!("Pods of {name}")
                    on:click=move |_| open.update(|o| {
                        *o = if o.as_deref() == Some(toggle.as_str()) { None } else { Some(toggle.clone()) };
                    })
                >
                    "Pods"
                </button>
            </td>
        </tr>
    }
}

#[component]
pub fn NamespaceTable(cluster: Memo<Option<Cluster>>, palette: Memo<Palette>) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let open = RwSignal::new(None::<String>);
    let conflicts = Memo::new(move |_| {
        cluster.with(|c| {
            c.iter()
                .flat_map(|c| &c.namespaces)
                .filter(|n| matches!(n.injection(), Injection::Conflict { .. }))
                .map(|n| n.name.clone())
                .collect::<Vec<_>>()
        })
    });
    let needle = Memo::new(move |_| filter.get().trim().to_lowercase());
    let matches = move |n: &Namespace| needle.with(|needle| n.name.to_lowercase().contains(needle));
    let count = move || {
        cluster.with(|c| {
            let all = c
                .as_ref()
                .map(|c| c.namespaces.as_slice())
                .unwrap_or_default();
            let shown = all.iter().filter(|n| matches(n)).count();
            format!("{shown} of {} namespaces", all.len())
        })
    };
    let shown = Memo::new(move |_| {
        cluster.with(|c| {
            c.iter()
                .flat_map(|c| c.namespaces.iter().map(move |n| (n, c.restart_pending(n))))
                .filter(|(n, _)| matches(n))
                .map(|(n, pending)| (n.clone(), pending))
                .collect::<Vec<_>>()
        })
    });
    // Rows are keyed by their content: a change redraws only the rows it
    // touches, so a focused button elsewhere keeps its focus.
    let body = move || {
        let palette = palette.get();
        view! {
            <For
                each=move || shown.get()
                key=row_key
                children=move |(n, pending): (Namespace, u32)| row(&n, pending, &palette, open)
            />
            {move || shown.with(Vec::is_empty).then(|| view! {
                <tr><td colspan="6" class="muted">"No namespace matches."</td></tr>
            })}
        }
    };
    view! {
        <section class="cluster-part" aria-labelledby="namespaces-heading">
            <h2 id="namespaces-heading">"Namespaces"</h2>
            {move || {
                let names = conflicts.get();
                (!names.is_empty()).then(|| view! {
                    <p class="warning-notice">
                        <span aria-hidden="true">"⚠ "</span>
                        "Label conflict in " {names.join(", ")} ": " {CONFLICT_HELP}
                    </p>
                })
            }}
            <div class="table-tools">
                <label class="filter">
                    "Filter by name "
                    <input
                        type="search"
                        name="namespace-filter"
                        placeholder="namespace name"
                        prop:value=filter
                        on:input=move |ev| filter.set(event_target_value(&ev))
                    />
                </label>
                <span class="muted" role="status">{count}</span>
            </div>
            <table class="namespaces">
                <thead>
                    <tr>
                        <th>"Namespace"</th>
                        <th>"Injection label"</th>
                        <th>"Pods by proxy revision"</th>
                        <th class="num">"Ready"</th>
                        <th class="num" title=PENDING_HELP>"Restart pending"</th>
                        <th><span class="visually-hidden">"Details"</span></th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
            <PodList cluster open palette/>
        </section>
    }
}

/// The pods of the namespace opened in the table, fetched again whenever
/// its counts change.
#[component]
fn PodList(
    cluster: Memo<Option<Cluster>>,
    open: RwSignal<Option<String>>,
    palette: Memo<Palette>,
) -> impl IntoView {
    let target = Memo::new(move |_| {
        let ns = open.get()?;
        cluster.with(|c| {
            let c = c.as_ref()?;
            let counts = c.namespace(&ns)?.pods.clone();
            Some((c.name().to_string(), ns, counts))
        })
    });
    let detail = LocalResource::new(move || {
        let target = target.get();
        async move {
            match target {
                None => None,
                Some((cluster, ns, _)) => Some(api::fleet::namespace(cluster, ns).await),
            }
        }
    });
    move || {
        target.with(|t| t.as_ref().map(|(_, ns, _)| ns.clone())).map(|ns| {
            view! {
                <section class="pod-list" aria-label=format!("Pods of {ns}")>
                    <h3>"Pods of " <code>{ns.clone()}</code></h3>
                    <Transition fallback=|| view! { <Loading what="the pods"/> }>
                        {move || Suspend::new(async move {
                            match detail.await {
                                None => ().into_any(),
                                Some(Err(error)) => view! { <ErrorView error/> }.into_any(),
                                Some(Ok(d)) => pod_table(&d.pods, &palette.get_untracked()).into_any(),
                            }
                        })}
                    </Transition>
                </section>
            }
        })
    }
}

fn phase(p: PodPhase) -> &'static str {
    match p {
        PodPhase::Pending => "Pending",
        PodPhase::Running => "Running",
        PodPhase::Succeeded => "Succeeded",
        PodPhase::Failed => "Failed",
        PodPhase::Unknown => "Unknown",
    }
}

fn pod_table(pods: &[PodSummary], palette: &Palette) -> impl IntoView + use<> {
    let rows = pods
        .iter()
        .map(|p| {
            let revision = p.revision.clone().unwrap_or_default();
            view! {
                <tr data-pod=p.name.clone()>
                    <th scope="row"><code>{p.name.clone()}</code></th>
                    <td>{p.app.clone().unwrap_or_else(|| "—".into())}</td>
                    <td>{phase(p.phase)}</td>
                    <td>{if p.ready { "yes" } else { "no" }}</td>
                    <td>{if revision.is_empty() {
                        view! { <span class="muted">{revision_name(&revision).to_owned()}</span> }.into_any()
                    } else {
                        view! { <RevisionChip revision=revision.clone() class=palette.class(&revision)/> }.into_any()
                    }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="pods">
            <thead><tr><th>"Pod"</th><th>"App"</th><th>"Phase"</th><th>"Ready"</th><th>"Proxy revision"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
