//! Diffs in the ingress editor: the reviewed change, and the 409 of a
//! change refused because the object is not as it was reviewed (someone
//! changed it since, or other field managers own fields it sets). That
//! refusal is shown where the user acted, with the diff of their change
//! against the object as it is now, and two ways on: review again, or take
//! the object over — confirmed in the shared dialog naming the config
//! cluster and the object, then forced by the console against exactly
//! the version shown, and audited.

use leptos::prelude::*;
use shared::ApiError;
use shared::diff::{FreshReview, ObjectDiff};

use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::diff_view::{LineClasses, plain_lines};

/// `diff` as lines, under `testid`.
pub fn diff_view(diff: ObjectDiff, testid: &'static str) -> impl IntoView {
    let lines = plain_lines(
        diff.lines,
        LineClasses {
            same: "same",
            added: "added",
            removed: "removed",
        },
    );
    view! {
        <div class="diff" data-testid=testid>
            <p><strong>{diff.title}</strong> " " {format!("{:?}", diff.change).to_lowercase()}</p>
            <pre>{lines}</pre>
        </div>
    }
}

/// The refusal of an apply (or review) with its fresh diff: `on_review`
/// reviews the change again; `on_take_over` (with the version shown)
/// forces it, once the operator has confirmed the question naming
/// `cluster` (the config cluster) and the object.
#[component]
pub fn ApplyConflict(
    error: ApiError,
    fresh: FreshReview,
    #[prop(into)] cluster: Signal<String>,
    on_review: Callback<()>,
    on_take_over: Callback<Option<String>>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let version = fresh.resource_version.clone();
    let shown = match &version {
        Some(v) => format!("resourceVersion {v}"),
        None => "absent".to_owned(),
    };
    let title = fresh.diff.title.clone();
    let object = format!("overwrite {title} ({shown})");
    let dialog = move || {
        asking.get().then(|| {
            let cluster = cluster.get();
            let version = version.clone();
            view! {
                <ConfirmDialog
                    question=format!("Take over {title} on the config cluster {cluster}? Your change overwrites it as shown above, taking its fields from their other owners.")
                    objects=vec![format!("{object} on {cluster}")]
                    confirm="Take over (apply anyway)"
                    on_confirm=Callback::new(move |()| { asking.set(false); on_take_over.run(version.clone()); })
                    on_cancel=Callback::new(move |()| asking.set(false))/>
            }
        })
    };
    view! {
        <div class="take-over" role="alert" data-testid="conflict">
            <strong class="error-title">{error.code.title()}</strong>
            <p class="error-message" data-testid="conflict-message">{error.message}</p>
            <p class="muted">"Your change against the object as it is now (" {shown} "):"</p>
            {diff_view(fresh.diff, "fresh-diff")}
            <div class="actions">
                <button type="button" data-testid="review-again" on:click=move |_| on_review.run(())>
                    "Review again"
                </button>
                " "
                <button type="button" class="danger" data-testid="take-over-button"
                    disabled=move || asking.get() on:click=move |_| asking.set(true)>
                    "Take over…"
                </button>
            </div>
            {dialog}
            {error.request_id.map(|id| view! { <p class="error-request muted">"Request id " <code>{id}</code></p> })}
        </div>
    }
}

/// The refusal of a delete because the object changed since it was shown:
/// the object as it is now; deleting again deletes that.
pub fn delete_conflict(error: ApiError, fresh: FreshReview) -> impl IntoView {
    view! {
        <div class="error-view" role="alert" data-testid="conflict">
            <strong class="error-title">{error.code.title()}</strong>
            <p class="error-message" data-testid="conflict-message">{error.message}</p>
            {diff_view(fresh.diff, "fresh-diff")}
            <p class="muted">"Delete again to delete it as it is now."</p>
        </div>
    }
}
