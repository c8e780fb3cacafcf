//! The ingress editor: a form and a YAML view of the same object,
//! reviewed with `shared::ingress` on every keystroke against the live
//! fleet and the config cluster's resources (see [`super::editor_state`]),
//! errors shown on their fields once touched (or a review attempted, which
//! focuses the first); then the server's dry-run diff, apply (of the
//! version reviewed: if the object changed since, the refusal shows the
//! fresh diff and offers a confirmed take-over, see [`super::conflict`]),
//! and delete after the confirmation naming the config cluster and the
//! object (of the version shown, see [`super::delete`]).

use leptos::prelude::*;
use shared::fleet::Fleet;
use shared::ingress::FieldError;

use super::can_edit;
use super::conflict::{ApplyConflict, delete_conflict, diff_view};
use super::delete::DeleteObject;
use super::editable::Editable;
use super::editor_state::EditorState;
use super::yaml_view::YamlView;
use crate::components::error_view::ErrorView;
use crate::components::field::Touched;
use crate::live_fleet::LiveFleet;

/// Draws the form of `T`: the object, the errors to show on its fields,
/// the live fleet, and whether the object exists (name fixed).
/// Its fields mark themselves in the [`Touched`] given.
pub type Form<T> =
    fn(RwSignal<T>, Signal<Vec<FieldError>>, Signal<Option<Fleet>>, bool, Touched) -> AnyView;

/// The editor's `data-form`, where a submit attempt moves focus.
const FORM: &str = "ingress-editor";

#[component]
pub fn Editor<T: Editable>(
    initial: T,
    existing: bool,
    form: Form<T>,
    /// The `resourceVersion` the page read the object at (a delete names it).
    #[prop(default = None)]
    version: Option<String>,
) -> impl IntoView {
    let live = LiveFleet::get();
    let s = EditorState::new(initial, version);
    let shown_errors = Signal::derive(move || s.shown_errors());
    let fleet = Signal::derive(move || live.fleet().get());
    let warnings = move || {
        s.checked.with(|c| {
            c.as_ref().map(|(_, w)| {
                w.iter()
                    .map(|w| view! { <p class="warning" data-testid="sameness-warning">{w.message()}</p> })
                    .collect_view()
            })
        })
    };
    let touched = s.touched;
    view! {
        <section class="editor" data-testid="editor" data-form=FORM>
            <h2>{if existing { "Edit" } else { "New" }} " " {T::KIND.to_string()}</h2>
            {form(s.object, shown_errors, fleet, existing, touched)}
            <ObjectProblems errors=shown_errors/>
            {warnings}
            <div on:input=move |_| touched.touch_all()><YamlView object=s.object problem=s.yaml_problem/></div>
            <EditorActions s existing/>
        </section>
    }
}

/// Review, apply and delete (for the roles that may edit), and what each
/// answered.
#[component]
fn EditorActions<T: Editable>(s: EditorState<T>, existing: bool) -> impl IntoView {
    let review = s.review_action();
    let apply = s.apply_action(existing);
    let remove = s.delete_action();
    let (object, yaml_problem) = (s.object, s.yaml_problem);
    let clean = move || s.errors().is_empty() && yaml_problem.with(Option::is_none);
    let config_cluster = Signal::derive(move || s.config_cluster());
    let title = Signal::derive(move || {
        object.with(|o| {
            let (ns, name) = o.key();
            format!("{} {ns}/{name}", T::KIND)
        })
    });
    let buttons = move || {
        view! {
            <div class="actions">
                <button data-testid="review-button"
                    disabled=move || !s.shown_errors().is_empty() || yaml_problem.with(Option::is_some)
                    on:click=move |_| {
                        if clean() {
                            review.dispatch_local(object.get_untracked());
                        } else {
                            s.touched.attempt(FORM);
                        }
                    }>"Review changes"</button>
                <button class="primary" data-testid="apply-button" disabled=move || s.current_review().is_none() || !clean()
                    on:click=move |_| {
                        let version = s.current_review().and_then(|c| c.resource_version);
                        apply.dispatch_local((object.get_untracked(), version, false));
                    }>"Apply"</button>
                {existing.then(|| view! {
                    <DeleteObject title cluster=config_cluster version=s.shown pending=remove.pending()
                        on_delete=Callback::new(move |()| { remove.dispatch_local(()); })/>
                })}
            </div>
        }
    };
    view! {
        {can_edit().then(buttons)}
        {move || s.current_review().map(|c| diff_view(c.diff, "diff"))}
        {move || s.current_conflict().map(|(o, fresh, error)| {
            let again = o.clone();
            view! {
                <ApplyConflict error fresh cluster=config_cluster
                    on_review=Callback::new(move |()| { review.dispatch_local(again.clone()); })
                    on_take_over=Callback::new(move |version| { apply.dispatch_local((o.clone(), version, true)); })/>
            }
        })}
        {move || s.deletion_refused.get().and_then(|e| Some(delete_conflict(e.clone(), e.fresh?)))}
        {move || s.done.get().map(|d| view! { <p class="ok" role="status" data-testid="applied">{d}</p> })}
        {move || s.failure.get().map(|error| view! { <ErrorView error/> })}
    }
}

/// Errors on the object as a whole (no field).
#[component]
fn ObjectProblems(errors: Signal<Vec<FieldError>>) -> impl IntoView {
    move || {
        errors.with(|all| {
            all.iter()
                .filter(|e| e.field.is_empty() || e.field == "apiVersion" || e.field == "kind")
                .map(|e| view! { <p class="field-problem" data-testid="field-error" data-field=e.field.clone()>{e.to_string()}</p> })
                .collect_view()
        })
    }
}
