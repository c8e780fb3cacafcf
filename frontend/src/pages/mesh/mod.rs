//! The Mesh page: control plane revisions across the fleet, and for the
//! roles that may install, the install wizard (SPEC §2.1–2.3); then the
//! canary migration board (§2.4–2.6). Everyone else sees the page
//! read-only.

mod cluster_step;
mod hsm_check;
mod hsm_fields;
mod migration;
mod plan_step;
mod preflight_step;
mod progress;
mod revisions;
pub(crate) mod runs;
mod settings_step;
mod wizard;
mod wizard_state;

use leptos::prelude::*;
use shared::{Action, Section};

use crate::pages::section::role_actions;
use crate::session::Auth;

#[component]
pub fn MeshPage() -> impl IntoView {
    let auth = Auth::get();
    let section = Section::Mesh;
    let may_install = Memo::new(move |_| auth.may(Action::InstallMesh));
    // Bumped by the wizard when a run starts or ends, so the list follows.
    let runs_changed = RwSignal::new(0u32);
    view! {
        <section class="section-page mesh-page" data-section=section.slug()>
            <h1>{section.title()}</h1>
            <p class="lead">{section.summary()}</p>
            {move || auth.account().map(|a| role_actions(section, a.role))}
            <revisions::RevisionTable/>
            {move || may_install.get().then(|| view! { <wizard::InstallWizard runs_changed/> })}
            <runs::RunList changed=runs_changed.into()/>
            <migration::MigrationSection/>
        </section>
    }
}
