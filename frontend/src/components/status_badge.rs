//! A pass, fail or warning outcome shown by a symbol and a word,
//! never by colour alone (screen readers hear the word; the symbol is
//! hidden from them).

use leptos::prelude::*;
use shared::fleet::ControlPlane;

/// How an outcome reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Pass,
    Fail,
    Warn,
}

impl Tone {
    /// `Pass` when true, `Fail` otherwise.
    pub fn of(ok: bool) -> Self {
        if ok { Tone::Pass } else { Tone::Fail }
    }

    /// The stylesheet's name for the tone.
    pub fn slug(self) -> &'static str {
        match self {
            Tone::Pass => "pass",
            Tone::Fail => "fail",
            Tone::Warn => "warn",
        }
    }

    /// A symbol that differs per tone.
    pub fn glyph(self) -> &'static str {
        match self {
            Tone::Pass => "✓",
            Tone::Fail => "✕",
            Tone::Warn => "!",
        }
    }
}

/// `✓ Ready`, `✕ Not ready`: the symbol, then the words.
#[component]
pub fn StatusBadge(tone: Tone, #[prop(into)] text: String) -> impl IntoView {
    view! {
        <span class=format!("status status-{}", tone.slug()) data-tone=tone.slug()>
            <span aria-hidden="true">{tone.glyph()}</span>
            " "
            {text}
        </span>
    }
}

/// A control plane revision's readiness: webhook only, Ready or Not ready.
pub fn control_plane(cp: &ControlPlane) -> (Tone, &'static str) {
    match (&cp.deployment, cp.ready()) {
        (None, _) => (Tone::Warn, "webhook only, no istiod"),
        (Some(_), true) => (Tone::Pass, "Ready"),
        (Some(_), false) => (Tone::Fail, "Not ready"),
    }
}
