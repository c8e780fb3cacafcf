//! The security officer's page: the inbox of certificate signing requests
//! across the fleet (decisions for officers, read-only for the other
//! roles) and the trust inventory every role reads.

mod inbox;
mod trust;

use leptos::prelude::*;
use shared::Section;

use inbox::Inbox;
use trust::TrustTable;

use super::section::role_actions;
use crate::session::Auth;

/// How often the inbox (and the navigation's badge) are fetched again
/// while shown.
pub(crate) const REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

#[component]
pub fn SecurityPage() -> impl IntoView {
    let auth = Auth::get();
    view! {
        <section class="section-page security" data-section=Section::Security.slug()>
            <h1>{Section::Security.title()}</h1>
            <p class="lead">{Section::Security.summary()}</p>
            {move || auth.account().map(|a| role_actions(Section::Security, a.role))}
            <Inbox/>
            <TrustTable/>
        </section>
    }
}
