//! The fleet-wide page of a section. Each section's own issue replaces the
//! "arrives with" note with the real content; the actions the signed-in
//! role may take here are listed from the shared role table.

use leptos::prelude::*;
use shared::{Action, Role, Section};

use crate::session::Auth;

/// The issue that brings each section's content.
fn arrives_with(section: Section) -> &'static str {
    match section {
        Section::Fleet => "The live topology arrives with the fleet view (issue #5).",
        Section::Mesh => "Installs arrive with issue #7, canary migrations with issue #8.",
        Section::Security => "The signing inbox and HSM ceremony arrive with issue #9.",
        Section::Ingress => {
            "MultiClusterService and MultiClusterIngress editing arrive with issue #10."
        }
        Section::Workloads => "Deploying migrated workloads arrives with issue #11.",
        Section::Activity => "The audit log arrives with accounts and roles (issue #6).",
    }
}

/// What the signed-in role may do in `section`, or which role it would need.
pub(crate) fn role_actions(section: Section, role: Role) -> impl IntoView {
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

#[component]
pub fn SectionPage(section: Section) -> impl IntoView {
    let auth = Auth::get();
    view! {
        <section class="section-page" data-section=section.slug()>
            <h1>{section.title()}</h1>
            <p class="lead">{section.summary()}</p>
            {move || auth.account().map(|a| role_actions(section, a.role))}
            <p class="notice">{arrives_with(section)}</p>
        </section>
    }
}
