//! The image-pull doctor for a failed rollout: each stuck container's
//! cause, the evidence, the command that fixes it, and — where the console
//! can do it itself — a pull secret made from the operator's key or
//! password, wired as chosen, with the workload restarted.

use leptos::prelude::*;
use shared::workloads::PullSecretInput;
use shared::workloads::access::CredentialKind;
use shared::workloads::api::{BasicAuth, RegistryAccessRequest};
use shared::workloads::doctor::{Diagnosis, OfferedFix};
use shared::workloads::pull_secret::SecretMode;

use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::status_badge::{StatusBadge, Tone};

#[component]
fn FixForm(id: String, fix: OfferedFix) -> impl IntoView {
    let key = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let mode = RwSignal::new(SecretMode::PodTemplate);
    let apply = Action::new_local(move |request: &RegistryAccessRequest| {
        let (id, request) = (id.clone(), request.clone());
        async move {
            let done = api::workloads::set_registry_access(id, request).await;
            key.set(String::new());
            password.set(String::new());
            done
        }
    });
    let json = fix.credential == CredentialKind::JsonKey;
    let (name, registry) = (fix.secret_name.clone(), fix.registry.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pull_secret = PullSecretInput {
            mode: mode.get_untracked(),
            json_key: json.then(|| key.get_untracked()),
            basic: (!json).then(|| BasicAuth {
                server: registry.clone(),
                username: username.get_untracked(),
                password: password.get_untracked(),
            }),
            name: Some(name.clone()),
        };
        apply.dispatch_local(RegistryAccessRequest { pull_secret });
    };
    view! {
        <form class="form fix-form" on:submit=submit>
            <p>{format!("The console can create the pull secret {} for {} and restart the workload:", fix.secret_name, fix.registry)}</p>
            {if json {
                view! { <label>"JSON key" <textarea name="fix-json-key" rows="4" autocomplete="off" prop:value=key on:input=move |ev| key.set(event_target_value(&ev))></textarea></label> }.into_any()
            } else {
                view! {
                    <label>"User" <input name="fix-user" autocomplete="off" prop:value=username on:input=move |ev| username.set(event_target_value(&ev))/></label>
                    <label>"Password" <input name="fix-password" type="password" autocomplete="new-password" prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/></label>
                }.into_any()
            }}
            <label class="inline"><input type="radio" name="fix-mode" prop:checked=move || mode.get() == SecretMode::PodTemplate on:change=move |_| mode.set(SecretMode::PodTemplate)/> "In the pod templates"</label>
            <label class="inline"><input type="radio" name="fix-mode" prop:checked=move || mode.get() == SecretMode::ServiceAccount on:change=move |_| mode.set(SecretMode::ServiceAccount)/> "On the default service account"</label>
            <button type="submit" name="fix" class="primary" disabled=move || apply.pending().get()>{format!("Create {} and restart", fix.secret_name)}</button>
            {move || apply.value().get().map(|result| match result {
                Ok(_) => view! { <p class="ok" role="status"><StatusBadge tone=Tone::Pass text="Pull secret created; the rollout restarts."/></p> }.into_any(),
                Err(error) => view! { <ErrorView error/> }.into_any(),
            })}
        </form>
    }
}

#[component]
fn DiagnosisView(id: String, diagnosis: Diagnosis, may_change: Signal<bool>) -> impl IntoView {
    let cause = serde_json::to_value(&diagnosis.cause)
        .ok()
        .and_then(|v| v["cause"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let fix = diagnosis.fix.clone();
    view! {
        <div class="diagnosis" data-cause=cause>
            <p>
                <StatusBadge tone=Tone::Fail text="Cannot pull"/> " "
                <strong>{format!("{} / {}", diagnosis.pod, diagnosis.container)}</strong> " " <code>{diagnosis.image}</code>
            </p>
            <p class="explanation">{diagnosis.explanation}</p>
            {diagnosis.evidence.map(|e| view! { <p class="muted evidence">"Event: " {e}</p> })}
            {diagnosis.command.map(|c| view! { <p>"Run:"</p><pre class="command">{c}</pre> })}
            {move || fix.clone().filter(|_| may_change.get()).map(|fix| view! { <FixForm id=id.clone() fix/> })}
        </div>
    }
}

#[component]
pub fn DoctorPanel(id: String, may_change: Signal<bool>) -> impl IntoView {
    let run = Action::new_local(move |id: &String| api::workloads::doctor(id.clone()));
    let target = id.clone();
    view! {
        <div class="doctor">
            <button name="doctor" on:click=move |_| { run.dispatch_local(target.clone()); }>"Diagnose image pulls"</button>
            {move || run.value().get().map(|result| match result {
                Err(error) => view! { <ErrorView error/> }.into_any(),
                Ok(report) if report.diagnoses.is_empty() => view! { <p class="muted"><StatusBadge tone=Tone::Pass text="No pod is stuck on an image pull."/></p> }.into_any(),
                Ok(report) => {
                    let id = id.clone();
                    report.diagnoses.into_iter().map(|diagnosis| view! { <DiagnosisView id=id.clone() diagnosis may_change/> }).collect_view().into_any()
                }
            })}
        </div>
    }
}
