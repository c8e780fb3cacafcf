//! A reviewed change of Kubernetes objects, one collapsible block per
//! object: its change badge, line counts, and the YAML diff with added and
//! removed lines coloured (and marked `+`/`-` for those who cannot tell
//! the colours apart).

use leptos::prelude::*;
use shared::diff::{ChangeKind, DiffLine, ObjectDiff};

/// The stylesheet's (and the tests') name of a kind of change.
pub fn change_slug(change: ChangeKind) -> &'static str {
    match change {
        ChangeKind::Create => "create",
        ChangeKind::Update => "update",
        ChangeKind::Unchanged => "unchanged",
        ChangeKind::Delete => "delete",
    }
}

fn line(l: &DiffLine) -> impl IntoView + use<> {
    let (class, mark, text) = match l {
        DiffLine::Same(t) => ("diff-line diff-same", ' ', t.clone()),
        DiffLine::Added(t) => ("diff-line diff-added", '+', t.clone()),
        DiffLine::Removed(t) => ("diff-line diff-removed", '-', t.clone()),
    };
    view! { <span class=class><span class="diff-mark" aria-hidden="true">{mark}</span>{text}"\n"</span> }
}

/// The classes a page's stylesheet gives same, added and removed lines.
#[derive(Clone, Copy)]
pub struct LineClasses {
    pub same: &'static str,
    pub added: &'static str,
    pub removed: &'static str,
}

/// `lines` as one `<div>` each, marked `+`, `-` or blank, for the pages
/// that show a diff plainly (not the collapsible [`ObjectDiffView`]).
pub fn plain_lines(lines: Vec<DiffLine>, classes: LineClasses) -> impl IntoView {
    lines
        .into_iter()
        .map(|l| {
            let (class, mark, text) = match l {
                DiffLine::Same(t) => (classes.same, "  ", t),
                DiffLine::Added(t) => (classes.added, "+ ", t),
                DiffLine::Removed(t) => (classes.removed, "- ", t),
            };
            view! { <div class=class>{mark} {text}</div> }
        })
        .collect_view()
}

/// One object's change, collapsed until opened.
#[component]
pub fn ObjectDiffView(diff: ObjectDiff) -> impl IntoView {
    let (added, removed) = diff.counts();
    let slug = change_slug(diff.change);
    let lines = diff.lines.iter().map(line).collect_view();
    view! {
        <details class="object-diff" data-change=slug data-object=diff.title.clone()>
            <summary>
                <span class=format!("change-badge change-{slug}")>{slug}</span>
                " "
                <code class="object-title">{diff.title.clone()}</code>
                " "
                <span class="diff-counts muted">
                    <span class="count-added">"+" {added}</span> " " <span class="count-removed">"−" {removed}</span>
                </span>
            </summary>
            <pre class="diff" aria-label=format!("Changes to {}", diff.title)>{lines}</pre>
        </details>
    }
}

/// Every object's change, in apply order, with a count per kind of change.
#[component]
pub fn DiffList(objects: Vec<ObjectDiff>) -> impl IntoView {
    let count = |kind: ChangeKind| objects.iter().filter(|o| o.change == kind).count();
    let summary = format!(
        "{} objects: {} to create, {} to update, {} unchanged",
        objects.len(),
        count(ChangeKind::Create),
        count(ChangeKind::Update),
        count(ChangeKind::Unchanged)
    );
    view! {
        <p class="diff-summary">{summary}</p>
        <div class="diff-list">
            {objects.into_iter().map(|diff| view! { <ObjectDiffView diff/> }).collect_view()}
        </div>
    }
}
