//! The header's signed-in user: name, role, admin badge and sign-out.

use leptos::prelude::*;

use crate::session::Auth;

#[component]
pub fn UserSlot() -> impl IntoView {
    let auth = Auth::get();
    let sign_out = Action::new_local(move |_: &()| auth.sign_out());
    view! {
        <div class="user-slot" aria-label="Signed-in user">
            {move || match auth.account() {
                None => view! { <span class="muted">"Not signed in"</span> }.into_any(),
                Some(account) => view! {
                    <span class="user-name">{account.name.clone()}</span>
                    <span class="user-role">{account.role.title()}</span>
                    {account.admin.then(|| view! { <span class="user-admin">"admin"</span> })}
                    {(!auth.via_proxy()).then(|| view! {
                        <button
                            class="sign-out"
                            on:click=move |_| { sign_out.dispatch_local(()); }
                            disabled=move || sign_out.pending().get()
                        >
                            "Sign out"
                        </button>
                    })}
                }
                .into_any(),
            }}
        </div>
    }
}
