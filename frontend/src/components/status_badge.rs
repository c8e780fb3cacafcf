//! A pass, fail, warning or neutral outcome shown by a symbol and a word,
//! never by colour alone (screen readers hear the word; the symbol is
//! hidden from them).

use leptos::prelude::*;

/// How an outcome reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Pass,
    Fail,
    Warn,
    Neutral,
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
            Tone::Neutral => "neutral",
        }
    }

    /// A symbol that differs per tone.
    pub fn glyph(self) -> &'static str {
        match self {
            Tone::Pass => "✓",
            Tone::Fail => "✕",
            Tone::Warn => "!",
            Tone::Neutral => "•",
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
