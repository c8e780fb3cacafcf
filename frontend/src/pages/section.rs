//! What every section page shows about the signed-in role: the actions it
//! may take there, listed from the shared role table, or which role makes
//! the changes when it may take none.

use leptos::prelude::*;
use shared::{Action, Role, Section};

/// What the signed-in role may do in `section`, or which role it would need.
pub fn role_actions(section: Section, role: Role) -> impl IntoView {
    let here: Vec<Action> = Action::ALL
        .into_iter()
        .filter(|a| a.section() == section)
        .collect();
    if here.is_empty() {
        return ().into_any();
    }
    let mine = role.actions_in(section);
    if mine.is_empty() {
        let mut needed: Vec<&str> = here
            .iter()
            .flat_map(|a| a.roles().iter().map(|r| r.title()))
            .collect();
        needed.dedup();
        return view! {
            <p class="read-only" data-role=role.slug()>
                "Read-only for the " {role.title()} " role: changes here are made by the "
                {needed.join(" or ")} " role."
            </p>
        }
        .into_any();
    }
    view! {
        <div class="role-actions" data-role=role.slug()>
            <h2>"What you can do here"</h2>
            <ul>
                {mine
                    .into_iter()
                    .map(|a| view! { <li data-action=a.slug()>{a.title()}</li> })
                    .collect_view()}
            </ul>
        </div>
    }
    .into_any()
}
