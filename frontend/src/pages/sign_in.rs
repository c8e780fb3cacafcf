//! The sign-in page, shown for any URL while nobody is signed in; after
//! signing in, the page that was asked for appears.

use leptos::prelude::*;
use shared::{ApiError, SignInMode, routes};

use crate::api;
use crate::components::error_view::ErrorView;
use crate::session::Auth;

/// A required field of the form, under its label, bound to `value`
/// (`input_type` `None`: plain text).
fn credential(
    label: &'static str,
    name: &'static str,
    input_type: Option<&'static str>,
    autocomplete: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <input
                name=name
                type=input_type
                autocomplete=autocomplete
                required
                prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let auth = Auth::get();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let sign_in = Action::new_local(move |(name, password): &(String, String)| {
        let (name, password) = (name.clone(), password.clone());
        async move {
            let result = api::session::sign_in(name, password).await;
            if let Ok(session) = &result {
                auth.set(Some(session.clone()));
            }
            result.map(|_| ())
        }
    });
    let error = move || -> Option<ApiError> { sign_in.value().get().and_then(Result::err) };
    let version = LocalResource::new(api::meta::get_version);
    let mode = move || version.get().and_then(Result::ok).map(|v| v.sign_in);
    let behind_proxy = move || mode() == Some(SignInMode::Proxy);
    let form_shown = move || !matches!(mode(), Some(SignInMode::Proxy | SignInMode::Oidc));
    let provider = move || {
        version
            .get()
            .and_then(Result::ok)
            .and_then(|v| v.oidc_provider)
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sign_in.dispatch_local((
            name.get_untracked().trim().to_owned(),
            password.get_untracked(),
        ));
        password.set(String::new());
    };
    view! {
        <section class="sign-in">
            <h1>"Sign in"</h1>
            <p class="lead">"Sign in with your meshdeck account to operate the fleet."</p>
            <Show
                when=move || !behind_proxy()
                fallback=|| view! {
                    <p class="notice" role="alert">
                        "This console sits behind an authenticating proxy, which did not identify you (or your groups map to no meshdeck role). Sign in through your organisation's portal, or ask an administrator for access."
                    </p>
                }
            >
                {move || provider().map(|name| view! {
                    // A full navigation to the backend, not a route of the app.
                    <p>
                        <a class="button primary" href=routes::OIDC_LOGIN rel="external">
                            "Sign in with " {name}
                        </a>
                    </p>
                })}
                <Show when=form_shown>
                    <form class="form" on:submit=submit>
                        {credential("Account", "account", None, "username", name)}
                        {credential("Password", "password", Some("password"), "current-password", password)}
                        <button type="submit" class="primary" disabled=move || sign_in.pending().get()>
                            {move || if sign_in.pending().get() { "Signing in…" } else { "Sign in" }}
                        </button>
                    </form>
                </Show>
            </Show>
            {move || error().map(|error| view! { <ErrorView error/> })}
        </section>
    }
}
