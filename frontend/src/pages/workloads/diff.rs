//! One object's dry-run diff, as lines added and removed.

use leptos::prelude::*;
use shared::diff::{ChangeKind, ObjectDiff};

use crate::components::diff_view::{LineClasses, change_slug, plain_lines};

#[component]
pub fn ObjectDiffView(diff: ObjectDiff) -> impl IntoView {
    let (added, removed) = diff.counts();
    let lines = plain_lines(
        diff.lines,
        LineClasses {
            same: "diff-same",
            added: "diff-added",
            removed: "diff-removed",
        },
    );
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
