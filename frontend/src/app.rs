//! The shell (header, navigation, status bar) and the typed route table.
//! Until someone signs in, every URL shows the sign-in page; once someone
//! has, the live fleet follows the event stream for every page.

use leptos::prelude::*;
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;
use shared::Section;

use crate::components::loading::Loading;
use crate::components::status_bar::StatusBar;
use crate::components::user_slot::UserSlot;
use crate::live_fleet::{Link, LiveFleet};
use crate::pages::accounts::AccountsPage;
use crate::pages::activity::ActivityPage;
use crate::pages::cluster::ClusterPage;
use crate::pages::fleet::FleetPage;
use crate::pages::ingress::{IngressPage, MciPage, McsPage};
use crate::pages::mesh::MeshPage;
use crate::pages::not_found::NotFound;
use crate::pages::security::{CsrsChanged, SecurityPage};
use crate::pages::sign_in::SignInPage;
use crate::pages::workloads::WorkloadsPage;
use crate::session::Auth;

/// The sections the signed-in role sees, and Accounts for admins.
#[component]
fn Navigation() -> impl IntoView {
    let auth = Auth::get();
    move || {
        auth.account().map(|account| {
            let sections = Section::ALL
                .into_iter()
                .filter(|s| account.role.sees(*s))
                .map(|section| match section {
                    // Beside the link, not in it: the link keeps its name.
                    Section::Security => view! {
                        <A href=section.path()>{section.title()}</A>
                        <CsrBadge/>
                    }
                    .into_any(),
                    _ => view! { <A href=section.path()>{section.title()}</A> }.into_any(),
                })
                .collect_view();
            view! {
                <nav class="sections" aria-label="Sections">
                    {sections}
                    {account.admin.then(|| view! { <A href="/accounts">"Accounts"</A> })}
                </nav>
            }
        })
    }
}

/// How many signing requests wait, beside the Security link.
#[component]
fn CsrBadge() -> impl IntoView {
    let changed = use_context::<CsrsChanged>();
    let count = LocalResource::new(move || {
        if let Some(c) = changed {
            c.track();
        }
        crate::api::csr::count()
    });
    if let Ok(handle) =
        set_interval_with_handle(move || count.refetch(), crate::pages::security::REFRESH)
    {
        on_cleanup(move || handle.clear());
    }
    move || {
        count
            .get()
            .and_then(Result::ok)
            .filter(|c| c.pending > 0 || !c.unread.is_empty())
            .map(|c| {
                // A member that did not answer is not a quiet member.
                let (shown, title) = if c.unread.is_empty() {
                    (c.pending.to_string(), "signing requests waiting".to_owned())
                } else {
                    (
                        format!("{}?", c.pending),
                        format!(
                            "signing requests waiting; not read: {}",
                            c.unread.join(", ")
                        ),
                    )
                };
                view! { <span class="badge csr-badge" title=title>{shown}</span> }
            })
    }
}

#[component]
fn SignedInRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <NotFound/> }>
            <Route path=path!("/") view=|| view! { <Redirect path="/fleet"/> }/>
            <Route path=path!("/fleet") view=FleetPage/>
            <Route path=path!("/mesh") view=MeshPage/>
            <Route path=path!("/security") view=SecurityPage/>
            <Route path=path!("/ingress") view=IngressPage/>
            <Route path=path!("/ingress/services/new") view=McsPage/>
            <Route path=path!("/ingress/services/:namespace/:name") view=McsPage/>
            <Route path=path!("/ingress/ingresses/new") view=MciPage/>
            <Route path=path!("/ingress/ingresses/:namespace/:name") view=MciPage/>
            <Route path=path!("/workloads") view=WorkloadsPage/>
            <Route path=path!("/activity") view=ActivityPage/>
            <Route path=path!("/accounts") view=AccountsPage/>
            <Route path=path!("/c/:cluster") view=ClusterPage/>
            <Route path=path!("/c/:cluster/:section") view=ClusterPage/>
        </Routes>
    }
}

/// Said above every page while the fleet's live stream is down: what the
/// page shows may be out of date until it reconnects.
#[component]
fn StaleBanner() -> impl IntoView {
    let live = LiveFleet::get();
    move || {
        (live.link() == Link::Reconnecting).then(|| {
            view! {
                <div class="stale-banner" role="status">
                    "The live connection to the console dropped: what you see may be out of date. Reconnecting…"
                </div>
            }
        })
    }
}

/// Names the browser tab after the page and, after a navigation (not the
/// first load), moves focus to the page's heading so a screen reader
/// announces where the user landed.
#[component]
fn PageFocus(signed_in: Memo<bool>) -> impl IntoView {
    let location = use_location();
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        document().set_title(&shared::nav::page_title(&path, signed_in.get()));
        if previous.as_ref().is_some_and(|p| *p != path) {
            request_animation_frame(focus_heading);
        }
        path
    });
}

/// Focuses the page's `h1` (or the main region when it has none yet).
fn focus_heading() {
    use wasm_bindgen::JsCast;
    let target = document()
        .query_selector("main h1")
        .ok()
        .flatten()
        .or_else(|| document().get_element_by_id("main"));
    if let Some(element) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        // Focusable from script only, not a tab stop.
        let _ = element.set_attribute("tabindex", "-1");
        let _ = element.focus();
    }
}

#[component]
pub fn App() -> impl IntoView {
    let auth = Auth::provide();
    CsrsChanged::provide();
    let signed_in = Memo::new(move |_| auth.account().is_some());
    // One live fleet for every page, following the stream only while
    // someone is signed in: signing out closes it and forgets the fleet.
    let live = LiveFleet::provide();
    Effect::new(move |_| {
        if signed_in.get() {
            untrack(|| live.start());
        } else {
            untrack(|| live.stop());
        }
    });
    view! {
        <Router>
            <PageFocus signed_in/>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="topbar">
                <A href="/fleet" attr:class="brand">
                    <img src="/meshdeck.svg" alt="" width="24" height="24"/>
                    <span>"meshdeck"</span>
                </A>
                <Navigation/>
                <UserSlot/>
            </header>
            <main class="page" id="main" tabindex="-1">
                {move || {
                    if !auth.checked.get() {
                        view! { <Loading what="your session"/> }.into_any()
                    } else if auth.signing_out.get() {
                        view! { <p class="muted" role="status">"Signing out…"</p> }.into_any()
                    } else if signed_in.get() {
                        view! { <StaleBanner/><SignedInRoutes/> }.into_any()
                    } else {
                        view! { <SignInPage/> }.into_any()
                    }
                }}
            </main>
            <StatusBar/>
        </Router>
    }
}
