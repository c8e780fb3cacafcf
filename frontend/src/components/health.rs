//! A member cluster's reachability as a badge: a symbol, a colour and the
//! word, so it never rests on colour alone; the reason is its tooltip.

use leptos::prelude::*;
use shared::fleet::Reachability;

/// The stylesheet's name for a reachability state.
pub fn slug(reachability: &Reachability) -> &'static str {
    look(reachability).0
}

/// A symbol that differs per state.
pub fn glyph(reachability: &Reachability) -> &'static str {
    look(reachability).1
}

/// Each state's stylesheet name and symbol.
fn look(reachability: &Reachability) -> (&'static str, &'static str) {
    match reachability {
        Reachability::Connecting { .. } => ("connecting", "◌"),
        Reachability::Reachable { .. } => ("reachable", "●"),
        Reachability::Unreachable { .. } => ("unreachable", "✕"),
        Reachability::Degraded { .. } => ("degraded", "◐"),
        Reachability::Misconfigured { .. } => ("misconfigured", "!"),
    }
}

#[component]
pub fn HealthBadge(reachability: Reachability) -> impl IntoView {
    let slug = slug(&reachability);
    view! {
        <span
            class=format!("health health-{slug}")
            data-health=slug
            title=reachability.error().map(str::to_owned)
        >
            <span aria-hidden="true">{glyph(&reachability)}</span>
            " "
            {reachability.label()}
        </span>
    }
}
