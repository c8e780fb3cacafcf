//! The deploy form: the spec (pasted or uploaded, checked while typing with
//! the backend's own rules), the target, registry access (a JSON key or a
//! user and password, wired through the default service account or the pod
//! templates) and AWS workload identity; preview first, then deploy.
//! Problems speak once their field was touched or a preview attempted.

use leptos::prelude::*;
use shared::workloads::api::BasicAuth;
use shared::workloads::identity::{AwsIdentity, DEFAULT_TOKEN_FILE};
use shared::workloads::plan::{Plan, PlanError};
use shared::workloads::pull_secret::SecretMode;
use shared::workloads::{DeployRequest, DeploymentSpec, PullSecretInput};
use wasm_bindgen::JsCast;

use super::preview::PreviewView;
use super::takeover::{TakeOver, owned_by_others};
use crate::api;
use crate::components::error_view::ErrorView;
use crate::components::field::{Field, Touched};
use crate::live_fleet::LiveFleet;

/// The form's `data-form`, where a preview attempt moves focus.
const FORM: &str = "deploy-form";

/// Why the form cannot be previewed yet, and the field it is about
/// (empty: the request as a whole).
#[derive(Debug, Clone, PartialEq)]
struct Problem {
    field: &'static str,
    message: String,
}

impl Problem {
    fn on(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Which credential the operator gives for registry access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    None,
    JsonKey,
    Basic,
}

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

#[component]
pub fn DeployForm(on_deployed: Callback<()>) -> impl IntoView {
    let live = LiveFleet::get();
    let spec = RwSignal::new(String::new());
    let cluster = RwSignal::new(String::new());
    let namespace = RwSignal::new("default".to_owned());
    let name = RwSignal::new(String::new());
    let access = RwSignal::new(Access::None);
    let mode = RwSignal::new(SecretMode::PodTemplate);
    let json_key = RwSignal::new(String::new());
    let server = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let aws = RwSignal::new(false);
    let role_arn = RwSignal::new(String::new());
    let token_file = RwSignal::new(DEFAULT_TOKEN_FILE.to_owned());
    let fs_group = RwSignal::new("1234".to_owned());

    let touched = Touched::new();
    // The request as typed, before the plan's checks.
    let draft = move || -> Result<DeployRequest, Problem> {
        let pull_secret = match access.get() {
            Access::None => None,
            Access::JsonKey => Some(PullSecretInput {
                mode: mode.get(),
                json_key: Some(json_key.get()),
                basic: None,
                name: None,
            }),
            Access::Basic => Some(PullSecretInput {
                mode: mode.get(),
                json_key: None,
                basic: Some(BasicAuth {
                    server: server.get().trim().to_owned(),
                    username: username.get(),
                    password: password.get(),
                }),
                name: None,
            }),
        };
        let aws_identity = if aws.get() {
            let group = fs_group
                .get()
                .trim()
                .parse::<i64>()
                .map_err(|_| Problem::on("fs-group", "fsGroup must be a number"))?;
            Some(AwsIdentity {
                role_arn: role_arn.get().trim().to_owned(),
                token_file: token_file.get().trim().to_owned(),
                fs_group: group,
            })
        } else {
            None
        };
        if spec.with(|s| s.trim().is_empty()) {
            return Err(Problem::on("spec", "paste or upload deployment_spec.yaml"));
        }
        if cluster.get().is_empty() {
            return Err(Problem::on("cluster", "choose the target cluster"));
        }
        let name = name.get().trim().to_owned();
        let request = DeployRequest {
            name: (!name.is_empty()).then_some(name),
            cluster: cluster.get(),
            namespace: namespace.get().trim().to_owned(),
            spec: spec.get(),
            pull_secret,
            aws_identity,
        };
        Ok(request)
    };
    // The backend's own checks, before anything is sent.
    let request = move || -> Result<DeployRequest, Problem> {
        let request = draft()?;
        Plan::of(&request).map_err(|e| {
            let field = match e {
                PlanError::Spec(_) | PlanError::Reach(_) => "spec",
                PlanError::Invalid(_) => "",
            };
            Problem::on(field, e.to_string())
        })?;
        Ok(request)
    };
    let problem = move || request().err();
    // The problem on `field`, once that field speaks.
    let problem_on = move |field: &'static str| {
        move || {
            problem()
                .filter(|p| p.field == field && touched.shows(field))
                .map(|p| view! { <p class="field-problem" data-field=field>{p.message}</p> })
        }
    };
    let shown_problem = move || problem().is_some_and(|p| touched.shows(p.field));
    // What the spec may not reach (mesh identity, CA material, the node),
    // each on its field.
    let refused = move || match draft().map(|r| Plan::of(&r)) {
        Ok(Err(PlanError::Reach(fields))) => Some(fields),
        _ => None,
    };
    let previewed = RwSignal::new(None::<DeployRequest>);
    let preview = Action::new_local(move |r: &DeployRequest| api::workloads::preview(r.clone()));
    let deploy = Action::new_local(move |r: &DeployRequest| {
        let r = r.clone();
        async move {
            let done = api::workloads::deploy(r).await;
            if done.is_ok() {
                // Credentials are not kept in the page once used.
                json_key.set(String::new());
                password.set(String::new());
                previewed.set(None);
                on_deployed.run(());
            }
            done
        }
    });
    let preview_ok = move || {
        matches!(preview.value().get(), Some(Ok(_)))
            && previewed.get().is_some()
            && previewed.get() == request().ok()
    };
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
    view! {
        <form class="form deploy-form" data-form=FORM on:submit=move |ev| ev.prevent_default()>
            <h2>"Deploy a migrated workload"</h2>
            <Field touched field="spec">
                <label>
                    "deployment_spec.yaml"
                    <textarea name="spec" rows="14" spellcheck="false" prop:value=spec on:input=move |ev| spec.set(event_target_value(&ev))></textarea>
                </label>
                <label class="inline">"Or upload it " <input type="file" name="spec-file" accept=".yaml,.yml,text/yaml" on:change=move |ev| read_file(ev, spec)/></label>
                <SpecCheck spec/>
                {move || match refused() {
                    Some(fields) => view! {
                        <ul class="spec-issues reach-issues" role="alert">
                            {fields.into_iter().map(|f| view! { <li data-field=f.field.clone()>{f.to_string()}</li> }).collect_view()}
                        </ul>
                    }
                    .into_any(),
                    // The spec's own issues are listed by SpecCheck.
                    None => problem_on("spec")().filter(|_| spec.with(|s| s.trim().is_empty())).into_any(),
                }}
            </Field>
            <fieldset>
                <legend>"Target"</legend>
                <Field touched field="cluster">
                    <label>
                        "Cluster"
                        <select name="cluster" prop:value=cluster on:change=move |ev| cluster.set(event_target_value(&ev))>
                            <option value="">"Choose…"</option>
                            {clusters}
                        </select>
                    </label>
                    {problem_on("cluster")}
                </Field>
                <label>"Namespace" <input name="namespace" prop:value=namespace on:input=move |ev| namespace.set(event_target_value(&ev))/></label>
                <label>"Migration name (default: the workload's)" <input name="migration-name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/></label>
            </fieldset>
            <fieldset>
                <legend>"Registry access"</legend>
                <label class="inline"><input type="radio" name="access" value="none" prop:checked=move || access.get() == Access::None on:change=move |_| access.set(Access::None)/> "None (public, same project, or ECR)"</label>
                <label class="inline"><input type="radio" name="access" value="json-key" prop:checked=move || access.get() == Access::JsonKey on:change=move |_| access.set(Access::JsonKey)/> "GCR / Artifact Registry JSON key"</label>
                <label class="inline"><input type="radio" name="access" value="basic" prop:checked=move || access.get() == Access::Basic on:change=move |_| access.set(Access::Basic)/> "User and password"</label>
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
                    <label class="inline"><input type="radio" name="mode" value="service_account" prop:checked=move || mode.get() == SecretMode::ServiceAccount on:change=move |_| mode.set(SecretMode::ServiceAccount)/> "Patch the namespace's default service account"</label>
                    <label class="inline"><input type="radio" name="mode" value="pod_template" prop:checked=move || mode.get() == SecretMode::PodTemplate on:change=move |_| mode.set(SecretMode::PodTemplate)/> "Add imagePullSecrets to the pod templates"</label>
                </Show>
            </fieldset>
            <fieldset>
                <legend>"AWS workload identity"</legend>
                <label class="inline"><input type="checkbox" name="aws" prop:checked=aws on:change=move |ev| aws.set(event_target_checked(&ev))/> "Set AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and fsGroup"</label>
                <Show when=move || aws.get()>
                    <label>"AWS_ROLE_ARN" <input name="role-arn" placeholder="arn:aws:iam::123456789012:role/app" prop:value=role_arn on:input=move |ev| role_arn.set(event_target_value(&ev))/></label>
                    <label>"AWS_WEB_IDENTITY_TOKEN_FILE" <input name="token-file" prop:value=token_file on:input=move |ev| token_file.set(event_target_value(&ev))/></label>
                    <Field touched field="fs-group">
                        <label>"fsGroup" <input name="fs-group" inputmode="numeric" prop:value=fs_group on:input=move |ev| fs_group.set(event_target_value(&ev))/></label>
                        {problem_on("fs-group")}
                    </Field>
                </Show>
            </fieldset>
            {problem_on("")}
            <div class="actions">
                <button
                    type="button"
                    name="preview"
                    disabled=move || shown_problem() || preview.pending().get()
                    on:click=move |_| match request() {
                        Ok(r) => {
                            previewed.set(Some(r.clone()));
                            preview.dispatch_local(r);
                        }
                        Err(_) => touched.attempt(FORM),
                    }
                >"Preview"</button>
                <button
                    type="button"
                    name="deploy"
                    class="primary"
                    disabled=move || !preview_ok() || deploy.pending().get()
                    on:click=move |_| {
                        if let Ok(r) = request() {
                            deploy.dispatch_local(r);
                        }
                    }
                >"Deploy"</button>
            </div>
        </form>
        {move || preview.value().get().map(|result| match result {
            Ok(preview) => view! { <PreviewView preview/> }.into_any(),
            Err(error) => {
                // Objects other owners manage: offer the explicit take-over
                // of exactly those, for the request that was previewed.
                let offer = owned_by_others(&error)
                    .zip(previewed.get().filter(|p| Some(p) == request().ok().as_ref()));
                view! {
                    <ErrorView error/>
                    {offer.map(|(objects, request)| view! { <TakeOver request objects on_deployed/> })}
                }
                .into_any()
            }
        })}
        {move || deploy.value().get().map(|result| match result {
            Ok(m) => view! { <p class="ok" role="status">{format!("Deployed {} on {}/{}: follow its rollout below.", m.name, m.cluster, m.namespace)}</p> }.into_any(),
            Err(error) => view! { <ErrorView error/> }.into_any(),
        })}
    }
}
