//! Form fields whose validation speaks only once the user has touched
//! them or tried to submit the form: an untouched form is quiet, a field
//! typed in (or left) shows its own problems, and a submit attempt shows
//! them all and moves focus to the first invalid field.
//!
//! A form holds one [`Touched`]; each [`Field`] wraps a label, its input
//! and its problems, and marks its field path touched on the input's
//! `input`, `change` and `focusout` events (they bubble to the wrapper).

use std::collections::BTreeSet;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Which fields of one form the user has touched, and whether they tried
/// to submit it. Copy it freely.
#[derive(Clone, Copy)]
pub struct Touched {
    fields: RwSignal<BTreeSet<String>>,
    /// A submit was attempted, or the whole object was typed at once
    /// (a YAML view): every problem speaks.
    all: RwSignal<bool>,
}

impl Default for Touched {
    fn default() -> Self {
        Self::new()
    }
}

impl Touched {
    /// A form nobody has touched yet.
    pub fn new() -> Self {
        Self {
            fields: RwSignal::new(BTreeSet::new()),
            all: RwSignal::new(false),
        }
    }

    /// Marks `field` (a path such as `metadata.name`) touched.
    pub fn touch(self, field: &str) {
        if !self.fields.with_untracked(|f| f.contains(field)) {
            self.fields.update(|f| {
                f.insert(field.to_owned());
            });
        }
    }

    /// Every field speaks from now on (the whole object was edited).
    pub fn touch_all(self) {
        if !self.all.get_untracked() {
            self.all.set(true);
        }
    }

    /// A submit attempt: every problem speaks, and focus goes to the first
    /// invalid field inside the element with `data-form=form`.
    pub fn attempt(self, form: &'static str) {
        self.touch_all();
        focus_first_invalid(form);
    }

    /// Forgets every touch (a new, empty form).
    pub fn reset(self) {
        self.fields.set(BTreeSet::new());
        self.all.set(false);
    }

    /// Whether a problem on `field` may be shown: its field, or one above
    /// or below it, was touched, or a submit was attempted. A problem of
    /// the whole object (empty path) speaks once anything was touched.
    pub fn shows(self, field: &str) -> bool {
        if self.all.get() {
            return true;
        }
        self.fields.with(|touched| {
            if field.is_empty() {
                return !touched.is_empty();
            }
            touched.iter().any(|t| nested(field, t) || nested(t, field))
        })
    }
}

/// Whether path `inner` is `outer` or below it (`spec.ports[0].port`
/// is below `spec.ports`).
fn nested(inner: &str, outer: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// Moves focus to the first input, select or textarea of a [`Field`]
/// showing a problem inside `[data-form=form]`, once the problems have
/// been drawn.
pub fn focus_first_invalid(form: &'static str) {
    focus_first(format!(
        "[data-form=\"{form}\"] [data-field]:has(.field-problem, .spec-issues) :is(input, select, textarea):not([disabled])"
    ));
}

/// Moves focus to the first enabled input, select or textarea of
/// `[data-step=step]` (a wizard step just shown), or to the step's
/// heading when it has no field.
pub fn focus_first_field(step: &'static str) {
    request_animation_frame(move || {
        let doc = document();
        let field = format!(
            "[data-step=\"{step}\"] :is(input, select, textarea):not([disabled]):not([type=hidden])"
        );
        let heading = format!("[data-step=\"{step}\"] :is(h2, h3)");
        let found = doc.query_selector(&field).ok().flatten().or_else(|| {
            let h = doc.query_selector(&heading).ok().flatten()?;
            // A heading takes focus only from script.
            h.set_attribute("tabindex", "-1").ok()?;
            Some(h)
        });
        if let Some(el) = found.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
            // Focus is a courtesy: an element gone meanwhile needs none.
            let _ = el.focus();
        }
    });
}

/// Focuses the first element matching `selector` after the next paint.
fn focus_first(selector: String) {
    request_animation_frame(move || {
        if let Ok(Some(el)) = document().query_selector(&selector)
            && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
        {
            // Focus is a courtesy: an element gone meanwhile needs none.
            let _ = el.focus();
        }
    });
}

/// One field of a form: `children`, its label, input and problems (which
/// the form draws only while [`Touched::shows`] says so). Marks `field`
/// touched when its input is typed in, changed or left.
#[component]
pub fn Field(
    touched: Touched,
    /// The field's path, as the problems name it.
    #[prop(into)]
    field: String,
    /// The wrapper's class: `field` unless given.
    #[prop(optional, into)]
    class: Option<String>,
    children: Children,
) -> impl IntoView {
    let class = class.unwrap_or_else(|| "field".to_owned());
    let path = StoredValue::new(field.clone());
    let touch = move || path.with_value(|p| touched.touch(p));
    view! {
        <div class=class data-field=field
            on:input=move |_| touch() on:change=move |_| touch() on:focusout=move |_| touch()>
            {children()}
        </div>
    }
}
