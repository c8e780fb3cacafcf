//! The security officer's page: the inbox of certificate signing requests
//! across the fleet (decisions for officers, read-only for the other
//! roles) and the decisions of the last days, the mesh roots (created and
//! retired by officers), the issuance grants under which installs issue
//! intermediates, the officer appointments awaiting a second officer, and
//! the trust inventory every role reads.

mod appointments;
mod decisions;
mod grants;
mod inbox;
mod request_card;
mod root_acts;
mod roots;
mod trust;

use leptos::prelude::*;
use shared::Section;

use appointments::Appointments;
use grants::IssuanceGrants;
use inbox::Inbox;
use roots::MeshRoots;
use trust::TrustTable;

use super::section::role_actions;
use crate::session::Auth;

/// How often the inbox, the trust inventory and the navigation's badge
/// are fetched again while shown.
pub(crate) const REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

/// Bumped when the inbox saw its requests change (a decision, a new
/// request), so the navigation's badge is fetched again at once.
#[derive(Clone, Copy)]
pub struct CsrsChanged(RwSignal<u32>);

impl CsrsChanged {
    /// Provides it to everything below (the navigation and the pages).
    pub fn provide() -> Self {
        let changed = Self(RwSignal::new(0));
        provide_context(changed);
        changed
    }

    /// Tracks it: fetches depending on this run again when it is bumped.
    pub fn track(self) {
        self.0.track();
    }

    pub fn bump(self) {
        self.0.update(|n| *n += 1);
    }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    let auth = Auth::get();
    view! {
        <section class="section-page security" data-section=Section::Security.slug()>
            <h1>{Section::Security.title()}</h1>
            <p class="lead">{Section::Security.summary()}</p>
            {move || auth.account().map(|a| role_actions(Section::Security, a.role))}
            <Inbox/>
            <MeshRoots/>
            <IssuanceGrants/>
            {move || auth.may(shared::Action::ManageCa).then(|| view! { <Appointments/> })}
            <TrustTable/>
        </section>
    }
}
