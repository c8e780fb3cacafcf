//! The wizard's second step: the install settings, pre-filled with the console's suggestion and checked
//! as they are typed (each problem on its field once touched or the step
//! submitted, preflight re-run).

use leptos::prelude::*;
use shared::mesh::form::{PROFILES, SettingsForm, ca_slug, problems_of, profile_named};
use shared::mesh::{CaMode, Catalogue, SettingsField, Verdict};

use super::hsm_fields::HsmFields;
use super::wizard::{Stage, Wizard};
use crate::components::error_view::ErrorView;
use crate::components::field::Field;
use crate::components::loading::Loading;

/// The form value of a field as `get` reads it.
fn value_of(w: Wizard, get: fn(&SettingsForm) -> String) -> impl Fn() -> String + Copy {
    move || w.form.with(|f| f.as_ref().map(get).unwrap_or_default())
}

/// The problems the current settings have with `field`, tracked, once
/// the field speaks.
fn problems(w: Wizard, field: SettingsField) -> impl Fn() -> Vec<String> + Copy {
    move || {
        if !speaks(w, field) {
            return Vec::new();
        }
        w.parsed.with(|p| match p {
            Some(Err(problems)) => problems_of(problems, field),
            _ => Vec::new(),
        })
    }
}

/// Whether `field`'s problems are shown: it was touched, or the settings
/// were submitted. Choosing the HSM CA mode touches the HSM fields it
/// brings: what they still need is what that choice asks next.
fn speaks(w: Wizard, field: SettingsField) -> bool {
    let hsm = matches!(
        field,
        SettingsField::HsmSlotLabel
            | SettingsField::HsmKekId
            | SettingsField::HsmVaultAddr
            | SettingsField::HsmSecretPath
    );
    w.touched.shows(field_slug(field)) || (hsm && w.touched.shows(field_slug(SettingsField::Ca)))
}

/// Whether a problem of the current settings is shown now.
fn any_shown(w: Wizard) -> bool {
    w.parsed.with(|p| match p {
        Some(Err(problems)) => problems.iter().any(|p| speaks(w, p.field)),
        _ => false,
    })
}

/// The settings form's `data-form`, where a submit attempt moves focus.
const FORM: &str = "install-settings";

fn field_slug(field: SettingsField) -> &'static str {
    match field {
        SettingsField::Revision => "revision",
        SettingsField::Version => "version",
        SettingsField::Profile => "profile",
        SettingsField::MeshId => "mesh_id",
        SettingsField::ClusterName => "cluster_name",
        SettingsField::Network => "network",
        SettingsField::TrustDomainAliases => "trust_domain_aliases",
        SettingsField::Ca => "ca",
        SettingsField::HsmSlotLabel => "hsm_slot_label",
        SettingsField::HsmKekId => "hsm_kek_id",
        SettingsField::HsmVaultAddr => "hsm_vault_addr",
        SettingsField::HsmSecretPath => "hsm_secret_path",
    }
}

/// Under a field: what is wrong with it, announced as it changes.
fn field_problems(w: Wizard, field: SettingsField) -> impl IntoView {
    let slug = field_slug(field);
    let problems = problems(w, field);
    view! {
        <div class="field-problems" id=format!("{slug}-problems") data-field=slug aria-live="polite">
            {move || problems()
                .into_iter()
                .map(|p| view! { <p class="field-problem">{p}</p> })
                .collect_view()}
        </div>
    }
}

/// A text setting: its label, input, hint and problems.
pub(super) fn text_field(
    w: Wizard,
    label: &'static str,
    field: SettingsField,
    hint: &'static str,
    get: fn(&SettingsForm) -> String,
    set: fn(&mut SettingsForm, String),
) -> impl IntoView {
    let slug = field_slug(field);
    let problems = problems(w, field);
    view! {
        <Field touched=w.touched field=slug>
            <label>
                {label}
                <input
                    name=slug
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=value_of(w, get)
                    aria-invalid=move || (!problems().is_empty()).to_string()
                    aria-describedby=format!("{slug}-problems")
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        w.form.update(|f| {
                            if let Some(f) = f {
                                set(f, value);
                            }
                        });
                    }
                />
            </label>
            <p class="field-hint muted">{hint}</p>
            {field_problems(w, field)}
        </Field>
    }
}

/// The releases of the catalogue: picking one sets the version tag.
fn release_field(w: Wizard) -> impl IntoView {
    let releases = Catalogue::builtin()
        .map(|c| c.releases.as_slice())
        .unwrap_or_default();
    let listed = move |version: &str| {
        releases
            .iter()
            .any(|r| r.version.to_string() == version.trim())
    };
    let options = releases
        .iter()
        .rev()
        .map(|r| {
            let tag = r.version.to_string();
            let label = format!(
                "{tag} ({}) — {}, supported until {}",
                r.revision, r.kubernetes, r.end_of_support
            );
            let shown = tag.clone();
            view! {
                <option value=tag prop:selected=move || w.form.with(|f| f.as_ref().is_some_and(|f| f.version.trim() == shown))>
                    {label}
                </option>
            }
        })
        .collect_view();
    view! {
        <div class="field" data-field="release">
            <label>
                "Release"
                <select
                    name="release"
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if value.is_empty() {
                            return;
                        }
                        w.form.update(|f| {
                            if let Some(f) = f {
                                f.set_version(value);
                            }
                        });
                    }
                >
                    <option value="" prop:selected=move || w.form.with(|f| f.as_ref().is_none_or(|f| !listed(&f.version)))>
                        "Another version: type its tag below"
                    </option>
                    {options}
                </select>
            </label>
            <p class="field-hint muted">"From the console's release catalogue, newest first."</p>
        </div>
    }
}

fn profile_field(w: Wizard) -> impl IntoView {
    let field = SettingsField::Profile;
    let problems = problems(w, field);
    let options = PROFILES
        .into_iter()
        .map(|p| {
            view! {
                <option
                    value=p.as_str()
                    prop:selected=move || w.form.with(|f| f.as_ref().is_some_and(|f| f.profile == p))
                >
                    {p.as_str()}
                </option>
            }
        })
        .collect_view();
    view! {
        <Field touched=w.touched field="profile">
            <label>
                "Profile"
                <select
                    name="profile"
                    aria-invalid=move || (!problems().is_empty()).to_string()
                    aria-describedby="profile-problems"
                    on:change=move |ev| {
                        if let Some(p) = profile_named(&event_target_value(&ev)) {
                            w.form.update(|f| {
                                if let Some(f) = f {
                                    f.profile = p;
                                }
                            });
                        }
                    }
                >
                    {options}
                </select>
            </label>
            <p class="field-hint muted">"asm-gcp-multiproject for GKE, asm-multicloud elsewhere."</p>
            {field_problems(w, field)}
        </Field>
    }
}

fn aliases_field(w: Wizard) -> impl IntoView {
    let field = SettingsField::TrustDomainAliases;
    let problems = problems(w, field);
    view! {
        <Field touched=w.touched field="trust_domain_aliases">
            <label>
                "Trust domain aliases"
                <textarea
                    name="trust_domain_aliases"
                    rows="3"
                    spellcheck="false"
                    prop:value=value_of(w, |f| f.trust_domain_aliases.clone())
                    aria-invalid=move || (!problems().is_empty()).to_string()
                    aria-describedby="trust_domain_aliases-problems"
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        w.form.update(|f| {
                            if let Some(f) = f {
                                f.trust_domain_aliases = value;
                            }
                        });
                    }
                ></textarea>
            </label>
            <p class="field-hint muted">"One per line: <PROJECT>.svc.id.goog for every project of the mesh."</p>
            {field_problems(w, field)}
        </Field>
    }
}

fn ca_field(w: Wizard) -> impl IntoView {
    let choices = CaMode::ALL
        .into_iter()
        .map(|ca| {
            view! {
                <label class="choice" data-ca=ca_slug(ca)>
                    <input
                        type="radio"
                        name="ca"
                        value=ca_slug(ca)
                        prop:checked=move || w.form.with(|f| f.as_ref().is_some_and(|f| f.ca == ca))
                        on:change=move |_| w.form.update(|f| {
                            if let Some(f) = f {
                                f.ca = ca;
                            }
                        })
                    />
                    <span class="choice-text">
                        <strong>{ca.title()}</strong>
                        <span class="choice-requirement muted">
                            "Needs "
                            {ca.requirement()}
                        </span>
                    </span>
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="field" data-field="ca" on:change=move |_| w.touched.touch("ca")>
            <legend>"CA mode"</legend>
            {choices}
            {field_problems(w, SettingsField::Ca)}
        </fieldset>
    }
}

/// One line on what preflight makes of the settings right now.
fn preflight_now(w: Wizard) -> impl IntoView {
    move || {
        if let Some(Err(error)) = w.context.get() {
            return view! { <ErrorView error/> }.into_any();
        }
        match w.preflight.get() {
            None if w.context.with(Option::is_none) => {
                view! { <Loading what="what preflight reads from the cluster"/> }.into_any()
            }
            None => view! {
                <p class="preflight-now muted">"Preflight runs once every field is valid."</p>
            }
            .into_any(),
            Some(report) => {
                let count = |v| report.results.iter().filter(|r| r.verdict == v).count();
                let fail = count(Verdict::Fail);
                view! {
                    <p class="preflight-now" data-fail=fail>
                        "Preflight now: " {count(Verdict::Pass)} " pass · " {count(Verdict::Warn)}
                        " warn · " <span class:bad={fail > 0}>{fail} " fail"</span>
                    </p>
                }
                .into_any()
            }
        }
    }
}

#[component]
pub fn SettingsStep(w: Wizard) -> impl IntoView {
    let cluster = w.cluster.get_untracked().unwrap_or_default();
    let valid = move || w.parsed.with(|p| matches!(p, Some(Ok(_))));
    // A memo, so typing in the HSM fields does not rebuild them.
    let hsm = Memo::new(move |_| {
        w.form
            .with(|f| f.as_ref().is_some_and(|f| f.ca == CaMode::Hsm))
    });
    view! {
        <div class="wizard-step" data-step="settings" data-form=FORM>
            <h3>"2. Settings for " <code>{cluster}</code></h3>
            <div class="settings-form">
                {release_field(w)}
                {text_field(w, "Version tag", SettingsField::Version, "MAJOR.MINOR.PATCH-asm.BUILD, e.g. 1.10.6-asm.2.",
                    |f| f.version.clone(), |f, v| f.set_version(v))}
                {text_field(w, "Revision", SettingsField::Revision, "The istio.io/rev label: asm-1106-2 for 1.10.6-asm.2.",
                    |f| f.revision.clone(), |f, v| f.revision = v)}
                {profile_field(w)}
                {text_field(w, "Mesh id", SettingsField::MeshId, "proj-<PROJECT_NUMBER> of the fleet project, the same on every cluster.",
                    |f| f.mesh_id.clone(), |f, v| f.mesh_id = v)}
                {text_field(w, "Cluster name", SettingsField::ClusterName, "values.global.multiCluster.clusterName.",
                    |f| f.cluster_name.clone(), |f, v| f.cluster_name = v)}
                {text_field(w, "Network id", SettingsField::Network, "A label value; different on every on-prem cluster.",
                    |f| f.network.clone(), |f, v| f.network = v)}
                {aliases_field(w)}
                {ca_field(w)}
                {move || hsm.get().then(|| view! { <HsmFields w/> })}
            </div>
            {preflight_now(w)}
            <div class="wizard-actions">
                <button on:click=move |_| w.stage.set(Stage::Cluster)>"Back"</button>
                <button class="primary" disabled=move || !valid() && any_shown(w)
                    on:click=move |_| if valid() { w.stage.set(Stage::Preflight) } else { w.touched.attempt(FORM) }>
                    "Next: preflight"
                </button>
            </div>
        </div>
    }
}
