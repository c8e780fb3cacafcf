//! Local accounts, for accounts with the admin capability: the list and a
//! form to create one (same name and password rules as the backend).

use leptos::prelude::*;
use shared::auth::check_new_password;
use shared::{AccountName, NewAccount, Role};

use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;

#[component]
pub fn AccountsPage() -> impl IntoView {
    let accounts = LocalResource::new(api::accounts::list);
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Manager.slug().to_owned());
    let admin = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    let create = Action::new_local(move |account: &NewAccount| {
        let account = account.clone();
        async move {
            let created = api::accounts::create(account).await;
            if created.is_ok() {
                accounts.refetch();
            }
            created
        }
    });
    // The same checks the backend makes, while typing.
    let problem = move || -> Option<String> {
        let n = name.get();
        let p = password.get();
        if !n.is_empty()
            && let Err(err) = n.parse::<AccountName>()
        {
            return Some(err.to_string());
        }
        if !p.is_empty() {
            return check_new_password(&p).err();
        }
        None
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(role) = role.get_untracked().parse::<Role>() else {
            return;
        };
        create.dispatch_local(NewAccount {
            name: name.get_untracked().trim().to_owned(),
            role,
            admin: admin.get_untracked(),
            password: password.get_untracked(),
        });
        password.set(String::new());
    };
    view! {
        <section class="accounts">
            <h1>"Accounts"</h1>
            <p class="lead">"Local accounts and their roles. Passwords are stored only as argon2id hashes."</p>
            <Transition fallback=|| view! { <Loading what="accounts"/> }>
                {move || Suspend::new(async move {
                    match accounts.await {
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                        Ok(list) => view! {
                            <table class="accounts-list">
                                <thead><tr><th>"Account"</th><th>"Role"</th><th>"Admin"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|a| view! {
                                        <tr><td>{a.name}</td><td>{a.role.title()}</td><td>{if a.admin { "yes" } else { "" }}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Transition>
            <h2>"New account"</h2>
            <form class="form" on:submit=submit>
                <label>"Account" <input name="new-name" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/></label>
                <label>
                    "Role"
                    <select name="new-role" prop:value=role on:change=move |ev| role.set(event_target_value(&ev))>
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.slug()>{r.title()}</option> }).collect_view()}
                    </select>
                </label>
                <label class="inline">
                    <input type="checkbox" name="new-admin" prop:checked=admin on:change=move |ev| admin.set(event_target_checked(&ev))/>
                    "May manage accounts"
                </label>
                <label>
                    "Password"
                    <input name="new-password" type="password" autocomplete="new-password" required prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
                </label>
                {move || problem().map(|p| view! { <p class="field-problem">{p}</p> })}
                <button type="submit" class="primary" disabled=move || problem().is_some() || create.pending().get()>"Create account"</button>
            </form>
            {move || create.value().get().map(|result| match result {
                Ok(account) => view! { <p class="ok" role="status">"Created " {account.name} " (" {account.role.title()} ")."</p> }.into_any(),
                Err(error) => view! { <ErrorView error/> }.into_any(),
            })}
        </section>
    }
}
