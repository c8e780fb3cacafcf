//! One object's dry-run diff, as lines added and removed.

use leptos::prelude::*;
use shared::diff::{ChangeKind, DiffLine, ObjectDiff};

use crate::components::diff_view::change_slug;

#[component]
pub fn ObjectDiffView(diff: ObjectDiff) -> impl IntoView {
    let (added, removed) = diff.counts();
    let lines = diff
        .lines
        .into_iter()
        .map(|line| match line {
            DiffLine::Same(text) => view! { <div class="diff-same">"  " {text}</div> },
            DiffLine::Added(text) => view! { <div class="diff-added">"+ " {text}</div> },
            DiffLine::Removed(text) => view! { <div class="diff-removed">"- " {text}</div> },
        })
        .collect_view();
    view! {
        <details class="object-diff" data-object=diff.title.clone() open=diff.change != ChangeKind::Unchanged>
            <summary>
                <span class="diff-title">{diff.title.clone()}</span>
                " "
                <span class="badge" data-change=change_slug(diff.change)>{change_slug(diff.change)}</span>
                <span class="muted">{format!(" +{added} −{removed}")}</span>
            </summary>
            <pre class="diff">{lines}</pre>
        </details>
    }
}
