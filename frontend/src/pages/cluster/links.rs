//! A tab's way to its section: what the signed-in role may do there for
//! this cluster, each linked to the part of the section page that does
//! it; or, for a role that may do nothing there, that the tab is read-only
//! and which role makes the changes.

use leptos::prelude::*;
use shared::{Action, ClusterName, Section};

use crate::pages::section::role_actions;
use crate::session::Auth;

/// Where in the console `action` is taken.
fn href(action: Action) -> &'static str {
    match action {
        Action::InstallMesh => "/mesh#wizard-heading",
        Action::MigrateNamespaces => "/mesh#migration-heading",
        Action::EditIngress => "/ingress",
        Action::DeployWorkloads => "/workloads",
        Action::DecideCsr | Action::ManageCa => "/security",
    }
}

/// The signed-in role's actions in `section` as links, naming `cluster`.
#[component]
pub fn SectionLinks(section: Section, cluster: ClusterName) -> impl IntoView {
    let auth = Auth::get();
    move || {
        let role = auth.account()?.role;
        let mine = role.actions_in(section);
        if mine.is_empty() {
            return Some(role_actions(section, role).into_any());
        }
        let name = cluster.to_string();
        let items = mine
            .into_iter()
            .map(|a| {
                view! {
                    <li data-action=a.slug()>
                        <a href=href(a)>{a.title()}</a>
                        <span class="muted">" (for " {name.clone()} ", in " {section.title()} ")"</span>
                    </li>
                }
            })
            .collect_view();
        Some(
            view! {
                <nav class="section-links" aria-label=format!("{} actions", section.title())>
                    <ul>{items}</ul>
                </nav>
            }
            .into_any(),
        )
    }
}
