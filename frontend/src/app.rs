//! The shell (header, navigation, status bar) and the typed route table.

use leptos::prelude::*;
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::path;
use shared::Section;

use crate::components::status_bar::StatusBar;
use crate::pages::cluster::ClusterPage;
use crate::pages::not_found::NotFound;
use crate::pages::section::SectionPage;

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <header class="topbar">
                <A href="/fleet" attr:class="brand">
                    <img src="/meshdeck.svg" alt="" width="24" height="24"/>
                    <span>"meshdeck"</span>
                </A>
                <nav class="sections" aria-label="Sections">
                    {Section::ALL
                        .into_iter()
                        .map(|section| {
                            view! { <A href=section.path()>{section.title()}</A> }
                        })
                        .collect_view()}
                </nav>
                <div class="user-slot" aria-label="Signed-in user">
                    <span class="muted">"Not signed in"</span>
                </div>
            </header>
            <main class="page">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=|| view! { <Redirect path="/fleet"/> }/>
                    <Route path=path!("/fleet") view=|| view! { <SectionPage section=Section::Fleet/> }/>
                    <Route path=path!("/mesh") view=|| view! { <SectionPage section=Section::Mesh/> }/>
                    <Route path=path!("/security") view=|| view! { <SectionPage section=Section::Security/> }/>
                    <Route path=path!("/ingress") view=|| view! { <SectionPage section=Section::Ingress/> }/>
                    <Route path=path!("/workloads") view=|| view! { <SectionPage section=Section::Workloads/> }/>
                    <Route path=path!("/activity") view=|| view! { <SectionPage section=Section::Activity/> }/>
                    <Route path=path!("/c/:cluster") view=ClusterPage/>
                    <Route path=path!("/c/:cluster/:section") view=ClusterPage/>
                </Routes>
            </main>
            <StatusBar/>
        </Router>
    }
}
