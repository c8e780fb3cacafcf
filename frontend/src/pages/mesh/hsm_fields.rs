//! The settings step's HSM part (CA = HSM, seed 004): the cluster's slot
//! label, KEK id, Vault address and secret path, each with its problems; a
//! button provisioning the slot (the console generates the KEK when none is
//! named); and what the last check of these settings against Vault and the
//! HSM found. No PIN is ever shown: the API never sends one.

use leptos::prelude::*;
use shared::mesh::hsm::HsmNetworkCredentials;
use shared::mesh::{HsmSettings, HsmSlotProvisioned, HsmSlotRequest, SettingsField};
use shared::time::format_utc;

use super::hsm_check::{checkable, typed};
use super::settings_step::text_field;
use super::wizard::Wizard;
use crate::api;
use crate::components::error_view::ErrorView;

/// The slot request for the settings as typed; `None` while the slot label
/// or secret path are malformed.
fn slot_request(s: &HsmSettings) -> Option<HsmSlotRequest> {
    let blocking = s.problems().iter().any(|p| {
        matches!(
            p.field,
            SettingsField::HsmSlotLabel | SettingsField::HsmSecretPath
        )
    });
    (!blocking).then(|| HsmSlotRequest {
        slot_label: s.slot_label.clone(),
        secret_path: s.secret_path.clone(),
        kek_id: Some(s.kek_id.clone()).filter(|k| !k.is_empty()),
        network: None,
    })
}

/// The network HSM credentials as pasted: `None` when all three are empty.
#[derive(Clone, Copy)]
struct NetworkFields {
    client_cert: RwSignal<String>,
    client_key: RwSignal<String>,
    server_cert: RwSignal<String>,
}

impl NetworkFields {
    fn new() -> Self {
        Self {
            client_cert: RwSignal::new(String::new()),
            client_key: RwSignal::new(String::new()),
            server_cert: RwSignal::new(String::new()),
        }
    }

    fn credentials(self) -> Option<HsmNetworkCredentials> {
        let credentials = HsmNetworkCredentials {
            client_cert: self.client_cert.get(),
            client_key: self.client_key.get(),
            server_cert: self.server_cert.get(),
        };
        let empty = [
            &credentials.client_cert,
            &credentials.client_key,
            &credentials.server_cert,
        ]
        .iter()
        .all(|t| t.trim().is_empty());
        (!empty).then_some(credentials)
    }

    /// What is wrong with them as pasted (nothing when none are).
    fn problems(self) -> Vec<String> {
        self.credentials().map(|c| c.problems()).unwrap_or_default()
    }
}

/// The three PEM fields of a network HSM, folded away by default: a
/// SoftHSM2 or other local module needs none.
fn network_part(n: NetworkFields) -> impl IntoView {
    let area =
        |name: &'static str, label: &'static str, hint: &'static str, value: RwSignal<String>| {
            view! {
                <label class="field">
                    <span class="field-label">{label}</span>
                    <textarea
                        name=name
                        rows="4"
                        spellcheck="false"
                        autocomplete="off"
                        prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev))
                    ></textarea>
                    <span class="field-hint muted">{hint}</span>
                </label>
            }
        };
    view! {
        <details class="hsm-network">
            <summary>"Network HSM credentials (optional)"</summary>
            <p class="field-hint muted">
                "For an HSM reached over the network (e.g. Luna): stored in Vault beside the PIN. The key is sent once and never shown again."
            </p>
            {area("hsm-client-cert", "Client certificate (clientcert)", "PEM CERTIFICATE istiod's HSM plugin presents.", n.client_cert)}
            {area("hsm-client-key", "Client key (clientkey)", "PEM PRIVATE KEY of that certificate.", n.client_key)}
            {area("hsm-server-cert", "HSM server certificate (servercert)", "PEM CERTIFICATE of the HSM.", n.server_cert)}
            {move || {
                let problems = n.problems();
                (!problems.is_empty()).then(|| view! {
                    <ul class="field-problems" role="alert" data-testid="hsm-network-problems">
                        {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                    </ul>
                })
            }}
        </details>
    }
}

/// What provisioning did, in words.
fn provisioned_view(p: &HsmSlotProvisioned) -> impl IntoView + use<> {
    let s = &p.settings;
    let slot = if p.slot_initialised {
        format!("Slot {:?} initialised", s.slot_label)
    } else {
        format!(
            "Slot {:?} existed and opened with Vault's PIN",
            s.slot_label
        )
    };
    let kek = if p.kek_generated {
        format!("KEK {} generated", s.kek_id)
    } else {
        format!("KEK {} kept (the slot had it)", s.kek_id)
    };
    let credentials = if p.credentials_stored {
        format!("credentials stored in Vault at {}", s.secret_path)
    } else {
        format!("credentials already in Vault at {}", s.secret_path)
    };
    let network = p.network.as_ref().map(|n| {
        let verb = if p.network_stored { "stored" } else { "kept" };
        format!(
            "network HSM credentials {verb}: client {} (until {}), server {} (until {})",
            n.client_subject,
            format_utc(n.client_not_after),
            n.server_subject,
            format_utc(n.server_not_after)
        )
    });
    let login = &p.istiod_login;
    let login = format!(
        "istiod logs in at {} as role {} (policy {}); Vault checks its token with {} as {}",
        login.auth_path, login.role, login.policy, login.api_server, login.token_reviewer
    );
    view! {
        <div class="hsm-provisioned notice" role="status" data-cluster=p.cluster.to_string()>
            <p>"Provisioned on " <code>{p.cluster.to_string()}</code> ":"</p>
            <ul>
                <li data-outcome="slot" data-done=p.slot_initialised.to_string()>{slot}</li>
                <li data-outcome="kek" data-done=p.kek_generated.to_string()>{kek}</li>
                <li data-outcome="credentials" data-done=p.credentials_stored.to_string()>{credentials}</li>
                <li data-outcome="vault-login">{login}</li>
                {network.map(|n| view! { <li data-outcome="network" data-done=p.network_stored.to_string()>{n}</li> })}
            </ul>
        </div>
    }
}

/// The slot button and what it did.
fn provision_part(w: Wizard) -> impl IntoView {
    let network = NetworkFields::new();
    let request = Memo::new(move |_| {
        let request = w
            .form
            .with(|f| f.as_ref().and_then(|f| slot_request(&typed(f))))?;
        network.problems().is_empty().then(|| HsmSlotRequest {
            network: network.credentials(),
            ..request
        })
    });
    // (cluster, request); answers `None` when the wizard moved to another
    // cluster meanwhile.
    let provision = Action::new_local(move |(cluster, request): &(String, HsmSlotRequest)| {
        let (cluster, request) = (cluster.clone(), request.clone());
        async move {
            let done = api::hsm::provision_slot(cluster.clone(), request).await;
            if w.cluster.try_get_untracked().flatten().as_deref() != Some(cluster.as_str()) {
                return None;
            }
            if let Ok(p) = &done {
                let settings = &p.settings;
                w.form.update(|f| {
                    if let Some(f) = f {
                        f.hsm.kek_id.clone_from(&settings.kek_id);
                        if f.hsm.vault_addr.trim().is_empty() {
                            f.hsm.vault_addr.clone_from(&settings.vault_addr);
                        }
                    }
                });
            }
            Some(done.map_err(|e| e.or_cluster(cluster)))
        }
    });
    let busy = provision.pending();
    let outcome = move || provision.value().get().flatten();
    let provision = move |_| {
        if let (Some(request), Some(cluster)) = (request.get_untracked(), w.cluster.get_untracked())
        {
            provision.value().set(None);
            provision.dispatch_local((cluster, request));
        }
    };
    view! {
        <div class="hsm-provision">
            {network_part(network)}
            <button
                type="button"
                name="provision-hsm-slot"
                disabled=move || busy.get() || request.with(Option::is_none)
                on:click=provision
            >
                {move || if busy.get() { "Provisioning…" } else { "Provision HSM slot" }}
            </button>
            <p class="field-hint muted">
                "Initialises the slot if needed with PINs stored only in Vault at the secret path, and generates the KEK when the KEK id is empty."
            </p>
            {move || outcome().map(|o| match o {
                Ok(p) => provisioned_view(&p).into_any(),
                Err(error) => view! { <ErrorView error/> }.into_any(),
            })}
        </div>
    }
}

/// What the check of the settings as typed found.
fn readiness_part(w: Wizard) -> impl IntoView {
    let wanted = checkable(w);
    move || {
        if let Some(error) = w.hsm_check_error.get() {
            return view! { <ErrorView error/> }.into_any();
        }
        let Some(settings) = wanted.get() else {
            return view! {
                <p class="hsm-readiness muted" data-state="incomplete">
                    "The slot is checked against Vault and the HSM once all four fields are valid."
                </p>
            }
            .into_any();
        };
        if w.hsm_checking.get() {
            return view! {
                <p class="hsm-readiness muted" data-state="checking">"Checking slot " <code>{settings.slot_label}</code> "…"</p>
            }
            .into_any();
        }
        let found = w.context.with(|c| match c {
            Some(Ok(ctx)) => ctx.hsm.clone().filter(|r| r.settings == settings),
            _ => None,
        });
        match found {
            None => view! { <p class="hsm-readiness muted" data-state="unchecked">"Not checked yet."</p> }.into_any(),
            Some(r) => match r.problem {
                None => view! {
                    <p class="hsm-readiness" data-state="ready">
                        <span aria-hidden="true">"✓ "</span>
                        "Slot " <code>{r.settings.slot_label}</code> " opens with the PIN Vault holds at "
                        <code>{r.settings.secret_path}</code> " and has KEK " <code>{r.settings.kek_id}</code> "."
                    </p>
                }
                .into_any(),
                Some(problem) => view! {
                    <p class="hsm-readiness bad" data-state="problem" role="alert">
                        <span aria-hidden="true">"✗ "</span>{problem}
                    </p>
                }
                .into_any(),
            },
        }
    }
}

/// The four HSM settings, the slot button and the check's answer.
#[component]
pub fn HsmFields(w: Wizard) -> impl IntoView {
    view! {
        <fieldset class="hsm-settings" data-testid="hsm-settings">
            <legend>"HSM slot and Vault"</legend>
            {text_field(w, "HSM slot label", SettingsField::HsmSlotLabel,
                "HSM_SLOT_LABEL: the cluster's PKCS#11 slot (token label), at most 32 bytes.",
                |f| f.hsm.slot_label.clone(), |f, v| f.hsm.slot_label = v)}
            {text_field(w, "KEK id", SettingsField::HsmKekId,
                "KEK_ID: the cluster's key-encryption key on that slot; provisioning fills it.",
                |f| f.hsm.kek_id.clone(), |f, v| f.hsm.kek_id = v)}
            {text_field(w, "Vault address", SettingsField::HsmVaultAddr,
                "VAULT_ADDR: where istiod's vault-client reads the slot PIN, http(s)://HOST:PORT.",
                |f| f.hsm.vault_addr.clone(), |f, v| f.hsm.vault_addr = v)}
            {text_field(w, "Secret path", SettingsField::HsmSecretPath,
                "HSM_SECRET_PATH: the Vault KV path of the slot's credentials, e.g. asm-c1/hsm.",
                |f| f.hsm.secret_path.clone(), |f, v| f.hsm.secret_path = v)}
            {provision_part(w)}
            {readiness_part(w)}
        </fieldset>
    }
}
