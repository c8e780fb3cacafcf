//! Officer appointments awaiting a second officer (issue 21): an account
//! made a security officer through the console acts as a manager until an
//! officer other than the one who appointed it confirms, after a question
//! naming both.

use leptos::prelude::*;
use shared::duties::{OfficerAppointment, OfficerAppointments};

use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::loading::Loaded;
use crate::session::Auth;

#[component]
pub fn Appointments() -> impl IntoView {
    let auth = Auth::get();
    let me = move || auth.account().map(|a| a.name);
    let listed = LocalResource::new(api::accounts::appointments);
    let asked = RwSignal::new(None::<OfficerAppointment>);
    let confirm = Action::new_local(move |name: &String| {
        let name = name.clone();
        async move {
            let done = api::accounts::confirm_officer(name).await;
            asked.set(None);
            listed.refetch();
            done
        }
    });
    let question = move || {
        asked.get().map(|a| {
            let name = a.name.clone();
            view! {
                <div class="confirm appointment-confirm" role="dialog" aria-label="Confirm">
                    <p>{format!(
                        "Confirm {} as a security officer, appointed by {}? Confirm only a person you know holds this account: from then on its approvals count toward the two-person rule for mesh roots and intermediates.",
                        a.name, a.appointed_by
                    )}</p>
                    <button class="primary" disabled=move || confirm.pending().get() on:click=move |_| { confirm.dispatch(name.clone()); }>"Confirm appointment"</button>
                    " "
                    <button on:click=move |_| asked.set(None)>"Cancel"</button>
                </div>
            }
        })
    };
    view! {
        <h2>"Officer appointments"</h2>
        <p class="muted">"An account made a security officer through the console acts as a manager until another security officer — not the one who appointed it — confirms the appointment."</p>
        {move || confirm.value().get().map(|done| match done {
            Err(error) => view! { <ErrorView error/> }.into_any(),
            Ok(a) => view! { <p class="notice" role="status">{format!("{} is a security officer now.", a.name)}</p> }.into_any(),
        })}
        {question}
        <Loaded what="the officer appointments" resource=listed ok=move |list: OfficerAppointments| {
            let waiting: Vec<OfficerAppointment> =
                list.appointments.into_iter().filter(|a| a.confirmed_by.is_none()).collect();
            if waiting.is_empty() {
                return view! { <p class="muted appointments-none">"No appointment awaits confirmation."</p> }.into_any();
            }
            let me = me();
            view! {
                <table class="officer-appointments">
                    <thead><tr><th>"Account"</th><th>"Appointed by"</th><th></th></tr></thead>
                    <tbody>{waiting.into_iter().map(|a| {
                        let mine = me.as_deref() == Some(a.appointed_by.as_str());
                        let ask = a.clone();
                        view! {
                            <tr data-account=a.name.clone()>
                                <td>{a.name.clone()}</td>
                                <td>{a.appointed_by.clone()}</td>
                                <td>{if mine {
                                    view! { <span class="muted">"another officer confirms your appointments"</span> }.into_any()
                                } else {
                                    view! { <button on:click=move |_| asked.set(Some(ask.clone()))>"Confirm…"</button> }.into_any()
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}</tbody>
                </table>
            }.into_any()
        }/>
    }
}
