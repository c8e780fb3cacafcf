//! The deploy form's parts, each a fieldset of [`Draft`]: the spec
//! (pasted or uploaded, checked while typing), the target, registry
//! access and AWS workload identity; a problem shows on its field once
//! that field speaks.

use leptos::prelude::*;
use shared::workloads::DeploymentSpec;
use shared::workloads::pull_secret::SecretMode;
use wasm_bindgen::JsCast;

use super::draft::{Access, Draft};
use crate::components::field::Field;
use crate::live_fleet::LiveFleet;

/// Reads the file chosen in `ev`'s input into `into`.
fn read_file(ev: leptos::ev::Event, into: RwSignal<String>) {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    if let Some(file) = input.files().and_then(|files| files.get(0)) {
        leptos::task::spawn_local(async move {
            if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await
                && let Some(text) = text.as_string()
            {
                into.set(text);
            }
        });
    }
}

/// The problem `d` has on `field`, once the field speaks.
#[component]
pub fn ProblemOn(d: Draft, field: &'static str) -> impl IntoView {
    move || {
        d.problem_on(field)
            .map(|message| view! { <p class="field-problem" data-field=field>{message}</p> })
    }
}

/// The spec's images, or its problems with their lines.
#[component]
fn SpecCheck(spec: RwSignal<String>) -> impl IntoView {
    let checked = Memo::new(move |_| {
        let text = spec.get();
        (!text.trim().is_empty()).then(|| {
            DeploymentSpec::parse(&text).map(|s| {
                s.workloads()
                    .flat_map(|w| w.containers())
                    .filter_map(|c| c["image"].as_str().map(str::to_owned))
                    .collect::<Vec<String>>()
            })
        })
    });
    move || {
        checked.get().map(|result| match result {
            Ok(images) => view! {
                <p class="spec-ok" role="status">
                    "Images: " {images.into_iter().map(|i| view! { <code>{i}</code> " " }).collect_view()}
                </p>
            }
            .into_any(),
            Err(issues) => view! {
                <ul class="spec-issues" role="alert">
                    {issues.into_iter().map(|i| view! { <li>{i.to_string()}</li> }).collect_view()}
                </ul>
            }
            .into_any(),
        })
    }
}

/// The spec: typed or uploaded, its images or issues, and what it may not
/// reach.
#[component]
pub fn SpecPart(d: Draft) -> impl IntoView {
    let spec = d.spec;
    view! {
        <Field touched=d.touched field="spec">
            <label>
                "deployment_spec.yaml"
                <textarea name="spec" rows="14" spellcheck="false" prop:value=spec on:input=move |ev| spec.set(event_target_value(&ev))></textarea>
            </label>
            <label class="inline">"Or upload it " <input type="file" name="spec-file" accept=".yaml,.yml,text/yaml" on:change=move |ev| read_file(ev, spec)/></label>
            <SpecCheck spec/>
            {move || match d.refused() {
                Some(fields) => view! {
                    <ul class="spec-issues reach-issues" role="alert">
                        {fields.into_iter().map(|f| view! { <li data-field=f.field.clone()>{f.to_string()}</li> }).collect_view()}
                    </ul>
                }
                .into_any(),
                // The spec's own issues are listed by SpecCheck.
                None => spec.with(|s| s.trim().is_empty()).then(|| view! { <ProblemOn d field="spec"/> }).into_any(),
            }}
        </Field>
    }
}

/// The cluster (with its project), namespace and migration name.
#[component]
pub fn TargetPart(d: Draft) -> impl IntoView {
    let live = LiveFleet::get();
    let clusters = move || {
        live.fleet().get().map(|f| {
            f.clusters
                .iter()
                .map(|c| {
                    let name = c.member.name.to_string();
                    let project = c
                        .member
                        .project
                        .as_ref()
                        .map(|p| format!(" ({})", p.id))
                        .unwrap_or_default();
                    view! { <option value=name.clone()>{format!("{name}{project}")}</option> }
                })
                .collect_view()
        })
    };
    let (cluster, namespace, name) = (d.cluster, d.namespace, d.name);
    view! {
        <fieldset>
            <legend>"Target"</legend>
            <Field touched=d.touched field="cluster">
                <label>
                    "Cluster"
                    <select name="cluster" prop:value=cluster on:change=move |ev| cluster.set(event_target_value(&ev))>
                        <option value="">"Choose…"</option>
                        {clusters}
                    </select>
                </label>
                <ProblemOn d field="cluster"/>
            </Field>
            <label>"Namespace" <input name="namespace" prop:value=namespace on:input=move |ev| namespace.set(event_target_value(&ev))/></label>
            <label>"Migration name (default: the workload's)" <input name="migration-name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/></label>
        </fieldset>
    }
}

/// One radio of a choice held in `value`.
fn radio<T: Copy + PartialEq + Send + Sync + 'static>(
    name: &'static str,
    slug: &'static str,
    value: RwSignal<T>,
    is: T,
    label: &'static str,
) -> impl IntoView {
    view! {
        <label class="inline">
            <input type="radio" name=name value=slug prop:checked=move || value.get() == is on:change=move |_| value.set(is)/>
            " " {label}
        </label>
    }
}

/// The registry credential and where it is wired.
#[component]
pub fn AccessPart(d: Draft) -> impl IntoView {
    let (access, mode, json_key) = (d.access, d.mode, d.json_key);
    let (server, username, password) = (d.server, d.username, d.password);
    view! {
        <fieldset>
            <legend>"Registry access"</legend>
            {radio("access", "none", access, Access::None, "None (public, same project, or ECR)")}
            {radio("access", "json-key", access, Access::JsonKey, "GCR / Artifact Registry JSON key")}
            {radio("access", "basic", access, Access::Basic, "User and password")}
            <Show when=move || access.get() == Access::JsonKey>
                <label>"JSON key (secret gcr-json-key, user _json_key, server gcr.io)"
                    <textarea name="json-key" rows="4" spellcheck="false" autocomplete="off" prop:value=json_key on:input=move |ev| json_key.set(event_target_value(&ev))></textarea>
                </label>
                <label class="inline">"Or upload it " <input type="file" name="json-key-file" accept=".json,application/json" on:change=move |ev| read_file(ev, json_key)/></label>
            </Show>
            <Show when=move || access.get() == Access::Basic>
                <label>"Registry host" <input name="registry-server" placeholder="registry.example.com" prop:value=server on:input=move |ev| server.set(event_target_value(&ev))/></label>
                <label>"User" <input name="registry-user" autocomplete="off" prop:value=username on:input=move |ev| username.set(event_target_value(&ev))/></label>
                <label>"Password" <input name="registry-password" type="password" autocomplete="new-password" prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/></label>
            </Show>
            <Show when=move || access.get() != Access::None>
                {radio("mode", "service_account", mode, SecretMode::ServiceAccount, "Patch the namespace's default service account")}
                {radio("mode", "pod_template", mode, SecretMode::PodTemplate, "Add imagePullSecrets to the pod templates")}
            </Show>
        </fieldset>
    }
}

/// AWS workload identity: the role, the token file and fsGroup.
#[component]
pub fn AwsPart(d: Draft) -> impl IntoView {
    let (aws, role_arn, token_file, fs_group) = (d.aws, d.role_arn, d.token_file, d.fs_group);
    view! {
        <fieldset>
            <legend>"AWS workload identity"</legend>
            <label class="inline"><input type="checkbox" name="aws" prop:checked=aws on:change=move |ev| aws.set(event_target_checked(&ev))/> "Set AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and fsGroup"</label>
            <Show when=move || aws.get()>
                <label>"AWS_ROLE_ARN" <input name="role-arn" placeholder="arn:aws:iam::123456789012:role/app" prop:value=role_arn on:input=move |ev| role_arn.set(event_target_value(&ev))/></label>
                <label>"AWS_WEB_IDENTITY_TOKEN_FILE" <input name="token-file" prop:value=token_file on:input=move |ev| token_file.set(event_target_value(&ev))/></label>
                <Field touched=d.touched field="fs-group">
                    <label>"fsGroup" <input name="fs-group" inputmode="numeric" prop:value=fs_group on:input=move |ev| fs_group.set(event_target_value(&ev))/></label>
                    <ProblemOn d field="fs-group"/>
                </Field>
            </Show>
        </fieldset>
    }
}
