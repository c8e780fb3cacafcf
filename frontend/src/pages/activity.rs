//! The activity page: the audit log, newest first, filtered and paged by
//! the backend, exportable as JSON lines, with a check of its hash chain.
//! Filters and page live in the URL, so a view can be bookmarked and Back
//! returns to the previous one. Each entry links to what it acted on
//! (run, object, request, cluster) where that has a page.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use shared::action_titles::action_title;
use shared::audit_links::entry_links;
use shared::time::{format_input, format_utc, parse_utc};
use shared::{AuditEntry, AuditFilter, AuditPage, Outcome, Section};

use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;

const PER_PAGE: u32 = 25;

/// The filter form's text fields, applied together.
#[derive(Clone, Copy)]
struct Form {
    actor: RwSignal<String>,
    action: RwSignal<String>,
    cluster: RwSignal<String>,
    outcome: RwSignal<String>,
    since: RwSignal<String>,
    until: RwSignal<String>,
    changes_only: RwSignal<bool>,
}

impl Form {
    fn new() -> Self {
        let empty = || RwSignal::new(String::new());
        Self {
            actor: empty(),
            action: empty(),
            cluster: empty(),
            outcome: empty(),
            since: empty(),
            until: empty(),
            changes_only: RwSignal::new(false),
        }
    }

    /// Shows `filter` in the fields.
    fn show(self, filter: &AuditFilter) {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let time = |t: Option<i64>| t.map(format_input).unwrap_or_default();
        self.actor.set(text(&filter.actor));
        self.action.set(text(&filter.action));
        self.cluster.set(text(&filter.cluster));
        self.outcome.set(
            filter
                .outcome
                .map(|o| o.slug().to_owned())
                .unwrap_or_default(),
        );
        self.since.set(time(filter.since));
        self.until.set(time(filter.until));
        self.changes_only.set(filter.changes_only);
    }

    fn filter(self) -> AuditFilter {
        let text = |s: RwSignal<String>| {
            Some(s.get_untracked().trim().to_owned()).filter(|v| !v.is_empty())
        };
        AuditFilter {
            actor: text(self.actor),
            action: text(self.action),
            cluster: text(self.cluster),
            outcome: self.outcome.get_untracked().parse::<Outcome>().ok(),
            since: parse_utc(&self.since.get_untracked()),
            until: parse_utc(&self.until.get_untracked()),
            changes_only: self.changes_only.get_untracked(),
        }
    }
}

#[component]
fn TextFilter(label: &'static str, name: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label>
            {label}
            <input name=name prop:value=value on:input=move |ev| value.set(event_target_value(&ev))/>
        </label>
    }
}

#[component]
fn TimeFilter(label: &'static str, name: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label>
            {label}
            <input
                name=name
                type="datetime-local"
                prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}

fn entry_row(entry: AuditEntry) -> impl IntoView {
    let outcome = entry.outcome.slug();
    let role = entry.role.clone().unwrap_or_default();
    let links = entry_links(&entry)
        .into_iter()
        .enumerate()
        .map(|(i, l)| view! { {(i > 0).then_some(", ")}<a class="entry-link" href=l.href>{l.label}</a> })
        .collect_view();
    let id = entry.action.clone();
    // The words, with the id for filtering beside them.
    let action = match action_title(&entry.action) {
        Some(title) => view! {
            <span class="action-title">{title}</span>
            " "
            <code class="muted small">{entry.action}</code>
        }
        .into_any(),
        None => view! { <code>{entry.action}</code> }.into_any(),
    };
    view! {
        <tr class="audit-entry" data-outcome=outcome data-action=id>
            <td class="nowrap">{format_utc(entry.at)}</td>
            <td><span class="actor">{entry.actor}</span> " " <span class="muted">{role}</span></td>
            <td>{action}</td>
            <td class="concerns">{links}</td>
            <td>{entry.targets.join(", ")}</td>
            <td class="params">{entry.params.join(" ")}</td>
            <td><span class=format!("badge badge-{outcome}")>{outcome}</span></td>
            <td class="muted small">"#" {entry.seq}</td>
        </tr>
    }
}

/// Opens the log at `filter` and page `page` (the URL decides what shows).
type Go = Callback<(AuditFilter, u32)>;

/// The filter form: applied together, or cleared.
#[component]
fn Filters(form: Form, go: Go) -> impl IntoView {
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        go.run((form.filter(), 1));
    };
    view! {
        <form class="filters" aria-label="Filters" on:submit=apply>
            <TextFilter label="Actor" name="actor" value=form.actor/>
            <TextFilter label="Action" name="action" value=form.action/>
            <TextFilter label="Cluster" name="cluster" value=form.cluster/>
            <label>
                "Outcome"
                <select name="outcome" prop:value=form.outcome on:change=move |ev| form.outcome.set(event_target_value(&ev))>
                    <option value="">"any"</option>
                    {Outcome::ALL.into_iter().map(|o| view! { <option value=o.slug()>{o.slug()}</option> }).collect_view()}
                </select>
            </label>
            <TimeFilter label="From (UTC)" name="since" value=form.since/>
            <TimeFilter label="To (UTC)" name="until" value=form.until/>
            <label class="inline">
                <input
                    type="checkbox"
                    name="changes"
                    prop:checked=form.changes_only
                    on:change=move |ev| form.changes_only.set(event_target_checked(&ev))
                />
                "Changes only"
            </label>
            <div class="filter-buttons">
                <button type="submit" class="primary">"Apply"</button>
                <button type="button" on:click=move |_| go.run((AuditFilter::default(), 1))>"Clear"</button>
            </div>
        </form>
    }
}

/// Export of what the filters select, and the chain check.
#[component]
fn Toolbar(applied: Memo<AuditFilter>) -> impl IntoView {
    let verify = Action::new_local(|_: &()| api::audit::verify());
    view! {
        <div class="toolbar">
            <a class="button" href=move || api::audit::export_url(&applied.get()) download="meshdeck-audit.jsonl">
                "Export JSON lines"
            </a>
            <button disabled=move || verify.pending().get() on:click=move |_| { verify.dispatch_local(()); }>"Verify chain"</button>
            <span class="chain-status" role="status">
                {move || verify.value().get().map(|report| match report {
                    Ok(r) if r.intact() => view! {
                        <span class="ok">"Chain intact: " {r.checked} " entries checked"</span>
                    }.into_any(),
                    Ok(r) => {
                        let broken = r.broken.map(|b| format!("entry {}: {}", b.seq, b.reason)).unwrap_or_default();
                        view! { <span class="bad">"Chain broken at " {broken}</span> }.into_any()
                    }
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                })}
            </span>
        </div>
    }
}

/// One page of entries and the pager.
fn entries_table(page: AuditPage, applied: Memo<AuditFilter>, go: Go) -> impl IntoView {
    let pages = page.pages();
    let current = page.page;
    let total = page.total;
    let rows = page.entries.into_iter().map(entry_row).collect_view();
    view! {
        <table class="audit">
            <thead><tr>
                <th>"Time"</th><th>"Actor"</th><th>"Action"</th><th>"Concerns"</th>
                <th>"Targets"</th><th>"Parameters"</th><th>"Outcome"</th><th>"Entry"</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pager" aria-label="Pages">
            <button disabled={current <= 1} on:click=move |_| go.run((applied.get_untracked(), current - 1))>"Newer"</button>
            <span class="page-info">"Page " {current} " of " {pages} " · " {total} " entries"</span>
            <button disabled={current >= pages} on:click=move |_| go.run((applied.get_untracked(), current + 1))>"Older"</button>
        </nav>
    }
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    let query = use_query_map();
    let applied = Memo::new(move |_| {
        query.with(|q| AuditFilter::from_pairs(q.latest_values().map(|(k, v)| (k.as_ref(), v))))
    });
    let page = Memo::new(move |_| {
        query.with(|q| {
            q.get_str("page")
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(1)
                .max(1)
        })
    });
    let form = Form::new();
    // The URL decides; Back and bookmarks refill the fields.
    Effect::new(move |_| form.show(&applied.get()));
    let entries = LocalResource::new(move || {
        let filter = applied.get();
        let page = page.get();
        api::audit::list(filter, page, PER_PAGE)
    });
    let navigate = use_navigate();
    let go: Go = Callback::new(move |(filter, page): (AuditFilter, u32)| {
        let extra = if page > 1 {
            vec![("page", page.to_string())]
        } else {
            Vec::new()
        };
        navigate(
            &format!("/activity?{}", filter.query_string(&extra)),
            NavigateOptions::default(),
        );
    });
    let section = Section::Activity;
    view! {
        <section class="section-page activity" data-section=section.slug()>
            <h1>{section.title()}</h1>
            <p class="lead">{section.summary()}</p>
            <Filters form go/>
            <Toolbar applied/>
            <Transition fallback=|| view! { <Loading what="the activity log"/> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                        Ok(result) => entries_table(result, applied, go).into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
