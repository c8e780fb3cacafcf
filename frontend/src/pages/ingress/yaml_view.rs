//! The editor's YAML view: the object the form edits, as a manifest. Form
//! edits rewrite the text; typing in the text sets the object whenever it
//! parses (so the form and the shared review follow on every keystroke),
//! and otherwise names the line and column that do not.

use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why the text is not the object: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlProblem {
    /// 1-based; `None` when the parser gives no position (empty input).
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl YamlProblem {
    fn describe(&self) -> String {
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!("line {line}, column {column}: {}", self.message),
            (Some(line), None) => format!("line {line}: {}", self.message),
            _ => self.message.clone(),
        }
    }
}

/// `object` as YAML (empty only if it cannot be written, which the
/// resource types never fail at).
pub fn to_yaml<T: Serialize>(object: &T) -> String {
    serde_yaml::to_string(object).unwrap_or_default()
}

/// Reads `text` as a `T`.
pub fn from_yaml<T: DeserializeOwned>(text: &str) -> Result<T, YamlProblem> {
    serde_yaml::from_str(text).map_err(|e| {
        let location = e.location();
        let message = e.to_string();
        // serde_yaml appends the position it also gives as `location`.
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        YamlProblem {
            line: location.as_ref().map(serde_yaml::Location::line),
            column: location.as_ref().map(serde_yaml::Location::column),
            message,
        }
    })
}

/// The YAML view of `object`; `problem` is set while the text does not
/// parse, so the editor can hold back a review of an object the text no
/// longer shows.
#[component]
pub fn YamlView<T>(object: RwSignal<T>, problem: RwSignal<Option<YamlProblem>>) -> impl IntoView
where
    T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    let text = RwSignal::new(object.with_untracked(to_yaml));
    // Set while the object comes from the text, whose layout (comments,
    // flow style, a half-typed line) the rewrite would throw away.
    let from_text = StoredValue::new(false);
    Effect::new(move |_| {
        let yaml = object.with(to_yaml);
        if !from_text.get_value() {
            text.set(yaml);
            problem.set(None);
        }
        from_text.set_value(false);
    });
    let on_input = move |ev| {
        let typed = event_target_value(&ev);
        text.set(typed.clone());
        match from_yaml::<T>(&typed) {
            Ok(o) => {
                problem.set(None);
                from_text.set_value(true);
                object.set(o);
            }
            Err(p) => problem.set(Some(p)),
        }
    };
    view! {
        <details class="yaml-view" data-testid="yaml-view">
            <summary>"YAML view"</summary>
            <textarea data-testid="yaml-text" rows="22" spellcheck="false" prop:value=text on:input=on_input></textarea>
            {move || problem.get().map(|p| view! {
                <p class="field-problem" data-testid="yaml-problem" data-line=p.line.map(|l| l.to_string())>
                    {p.describe()}
                </p>
            })}
        </details>
    }
}
