//! Local accounts, for accounts with the admin capability: the list (role
//! and admin flag editable, accounts removable) and a form to create one
//! (same name and password rules as the backend).

use leptos::prelude::*;
use shared::auth::check_new_password;
use shared::duties::{self, DutyRefusal};
use shared::{Account, AccountName, AccountUpdate, ApiError, ErrorCode, NewAccount, Role};

use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loaded;
use crate::session::Auth;

/// A change an admin makes to an existing account.
#[derive(Clone)]
enum Change {
    Update(AccountUpdate),
    Remove,
}

type Changes = Action<(String, Change), Result<(), ApiError>>;

/// One account: role and admin flag change on the spot; removing asks on
/// the shared confirmation, naming the account.
#[component]
fn AccountRow(account: Account, me: Option<Account>, changes: Changes) -> impl IntoView {
    let armed = RwSignal::new(false);
    // Only what the shared duty rules allow is offered (the backend
    // refuses the rest anyway).
    let refusal = |result: Result<(), DutyRefusal>| result.err().map(|why| why.to_string());
    let role_refused = |r: Role| {
        me.as_ref()
            .and_then(|me| refusal(duties::may_change(me, &account, Some(r), None)))
    };
    let own = me.as_ref().is_some_and(|me| me.name == account.name);
    let admin_refused = me
        .as_ref()
        .and_then(|me| refusal(duties::may_change(me, &account, None, Some(!account.admin))));
    let remove_refused = me
        .as_ref()
        .and_then(|me| refusal(duties::may_remove(me, &account)));
    let name = account.name.clone();
    let send = move |change: Change| {
        changes.dispatch_local((name.clone(), change));
    };
    let (on_role, on_admin, on_remove) = (send.clone(), send.clone(), send);
    let label = account.name.clone();
    let (gone, role) = (account.name.clone(), account.role);
    view! {
        <tr data-account=account.name.clone()>
            <td>{account.name.clone()}</td>
            <td>
                <select
                    aria-label=format!("Role of {label}")
                    disabled=own
                    title=own.then(|| DutyRefusal::OwnDuties.to_string())
                    on:change=move |ev| {
                        if let Ok(role) = event_target_value(&ev).parse::<Role>() {
                            on_role(Change::Update(AccountUpdate { role: Some(role), admin: None }));
                        }
                    }
                >
                    {Role::ALL
                        .into_iter()
                        .map(|r| {
                            let refused = (r != account.role).then(|| role_refused(r)).flatten();
                            view! {
                                <option value=r.slug() selected=r == account.role disabled=refused.is_some() title=refused>
                                    {r.title()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </td>
            <td>
                <input
                    type="checkbox"
                    aria-label=format!("{} may manage accounts", account.name)
                    prop:checked=account.admin
                    disabled=admin_refused.is_some()
                    title=admin_refused
                    on:change=move |ev| {
                        let admin = event_target_checked(&ev);
                        on_admin(Change::Update(AccountUpdate { role: None, admin: Some(admin) }));
                    }
                />
            </td>
            <td>
                <button
                    disabled=remove_refused.is_some()
                    title=remove_refused
                    aria-expanded=move || armed.get().to_string()
                    on:click=move |_| armed.set(true)
                >
                    "Remove"
                </button>
                {move || armed.get().then(|| {
                    let on_remove = on_remove.clone();
                    view! {
                        <ConfirmDialog
                            question=format!("Remove account {gone}?")
                            objects=vec![format!("account {gone} ({}): it can no longer sign in", role.title())]
                            confirm=format!("Remove {gone}")
                            on_confirm=Callback::new(move |()| {
                                armed.set(false);
                                on_remove(Change::Remove);
                            })
                            on_cancel=Callback::new(move |()| armed.set(false))
                        />
                    }
                })}
            </td>
        </tr>
    }
}

/// Accounts for admins; anyone else is told so, with nothing to fill in.
#[component]
pub fn AccountsPage() -> impl IntoView {
    let admin = untrack(|| Auth::get().account()).is_some_and(|me| me.admin);
    if admin {
        view! { <ManageAccounts/> }.into_any()
    } else {
        let error = ApiError::new(
            ErrorCode::Forbidden,
            "not allowed: managing accounts needs the admin capability",
        );
        view! {
            <section class="accounts">
                <h1>"Accounts"</h1>
                <ErrorView error/>
            </section>
        }
        .into_any()
    }
}

/// The form creating an account: the backend's name and password rules
/// checked while typing, only the roles `me` may give offered.
#[component]
fn NewAccountForm(
    accounts: LocalResource<Result<Vec<Account>, ApiError>>,
    me: Option<Account>,
) -> impl IntoView {
    let me = StoredValue::new(me);
    let me = move || me.get_value();
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
        <h2>"New account"</h2>
        <form class="form" on:submit=submit>
            <label>"Account" <input name="new-name" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/></label>
            <label>
                "Role"
                <select name="new-role" prop:value=role on:change=move |ev| role.set(event_target_value(&ev))>
                    {move || Role::ALL.into_iter().map(|r| {
                        let refused = me().and_then(|me| duties::may_create(&me, "", r).err()).map(|why| why.to_string());
                        view! { <option value=r.slug() disabled=refused.is_some() title=refused>{r.title()}</option> }
                    }).collect_view()}
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
    }
}

#[component]
fn ManageAccounts() -> impl IntoView {
    let accounts = LocalResource::new(api::accounts::list);
    // Read once, untracked: a sign-out must not re-run the list (which
    // would await the accounts of a page being taken down).
    let me = StoredValue::new(untrack(|| Auth::get().account()));
    let me = move || me.get_value();
    let changes = Action::new_local(move |(name, change): &(String, Change)| {
        let (name, change) = (name.clone(), change.clone());
        async move {
            let done = match change {
                Change::Update(update) => api::accounts::update(name, update).await.map(|_| ()),
                Change::Remove => api::accounts::remove(name).await,
            };
            // Refetch either way: a refused change leaves the row as it was.
            accounts.refetch();
            done
        }
    });
    view! {
        <section class="accounts">
            <h1>"Accounts"</h1>
            <p class="lead">"Local accounts and their roles. Passwords are stored only as argon2id hashes."</p>
            <Loaded what="accounts" resource=accounts ok={move |list: Vec<Account>| view! {
                <table class="accounts-list">
                    <thead><tr><th>"Account"</th><th>"Role"</th><th>"Admin"</th><th></th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|account| view! { <AccountRow account me=me() changes/> }).collect_view()}
                    </tbody>
                </table>
            }}/>
            {move || changes.value().get().and_then(Result::err).map(|error| view! { <ErrorView error/> })}
            <NewAccountForm accounts me=me()/>
        </section>
    }
}
