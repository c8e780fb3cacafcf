//! istiod's HSM slots as the console handles them (SPEC §2.2 mode 3, seed
//! 004): checking that an install's slot opens with the PIN Vault holds,
//! has the cluster's KEK and that istiod may log in to read that PIN;
//! provisioning a slot (PINs into Vault first, then the slot and its KEK,
//! then istiod's Vault login: policy, Kubernetes auth against the member's
//! API server, role); and, in [`request`], istiod's encrypted CSR on a
//! cluster and the answer written back.
//!
//! The console reaches the HSM through the PKCS#11 module of its own CA
//! token and Vault through its own configuration; settings naming another
//! Vault are refused rather than followed.

pub mod http;
pub mod network;
pub mod request;
pub mod token_reviewer;

use std::path::PathBuf;

use hsm::{HsmCredentials, HsmError, KubernetesApi, Provisioned, Vault};
use shared::ClusterName;
use shared::mesh::hsm::IstiodVaultLogin;
use shared::mesh::{HsmReadiness, HsmSettings, HsmSlotProvisioned, HsmSlotRequest, SettingsField};

use crate::cluster::ApiServer;
use crate::error::AppError;
use crate::state::AppState;

/// The module and Vault the console uses for slots.
pub struct SlotAccess<'a> {
    pub module: PathBuf,
    pub vault: &'a Vault,
    /// The label of the token holding the mesh roots: never a cluster's slot.
    root_token: String,
}

impl<'a> SlotAccess<'a> {
    /// What the console is configured with, or why it cannot handle slots.
    pub fn of(state: &'a AppState) -> Result<Self, String> {
        let ca = state.ca().ok_or(
            "the console has no PKCS#11 module configured (--pkcs11-module): it cannot reach the HSM",
        )?;
        let vault = state.vault().ok_or(
            "the console has no Vault configured (--vault-addr and --vault-token-file): it cannot read HSM PINs",
        )?;
        Ok(Self {
            module: ca.token().module.clone(),
            vault,
            root_token: ca.token().token_label.clone(),
        })
    }

    /// `settings` name the console's Vault and a slot other than the root's.
    pub fn admits(&self, vault_addr: &str, slot_label: &str) -> Result<(), String> {
        if vault_addr.trim_end_matches('/') != self.vault.addr() {
            return Err(format!(
                "istiod would read its PIN from Vault at {vault_addr}, but the console uses {}: the console can only check and provision slots in its own Vault",
                self.vault.addr()
            ));
        }
        if slot_label == self.root_token {
            return Err(format!(
                "slot {slot_label:?} is the token holding the mesh roots: give istiod a slot of its own"
            ));
        }
        Ok(())
    }

    /// The slot's PIN from Vault, then `work` in a session on the slot.
    pub async fn with_slot<T: Send + 'static>(
        &self,
        slot_label: &str,
        secret_path: &str,
        work: impl FnOnce(&hsm::SlotSession<'_>) -> Result<T, HsmError> + Send + 'static,
    ) -> Result<T, String> {
        let credentials = self
            .vault
            .credentials(secret_path)
            .await
            .map_err(|e| e.to_string())?;
        let (module, label) = (self.module.clone(), slot_label.to_owned());
        blocking(move || hsm::with_slot(&module, &label, &credentials.pin, work)).await
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, HsmError> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| format!("the HSM task stopped: {e}"))?
        .map_err(|e| e.to_string())
}

/// The API server Vault reviews istiod's tokens at: `cluster`'s, as its
/// kubeconfig context names it.
fn api_server(state: &AppState, cluster: &str) -> Result<ApiServer, String> {
    state.fleet().api_server(cluster).cloned().ok_or_else(|| {
        format!(
            "cluster {cluster} has no usable kubeconfig context, so Vault could not check istiod's service account tokens against its API server"
        )
    })
}

/// Whether istiod on `cluster` could use `settings`: the console's Vault
/// holds a PIN at the secret path, the slot opens with it and has the
/// KEK, and istiod may log in to Vault to read the PIN.
pub async fn check(state: &AppState, cluster: &str, settings: &HsmSettings) -> HsmReadiness {
    let mut kek_ids = Vec::new();
    let mut problem = slot_problem(state, settings, &mut kek_ids).await;
    if problem.is_none() {
        problem = login_problem(state, cluster, settings).await;
    }
    HsmReadiness {
        settings: settings.clone(),
        problem,
        kek_ids,
    }
}

/// Why istiod on `cluster` could not log in to Vault to read the PIN.
async fn login_problem(state: &AppState, cluster: &str, settings: &HsmSettings) -> Option<String> {
    let vault = state.vault()?;
    let host = match api_server(state, cluster) {
        Ok(api) => api.url,
        Err(why) => return Some(why),
    };
    match vault
        .istiod_grant_problem(&settings.secret_path, &host)
        .await
    {
        Ok(Some(problem)) => return Some(problem),
        Ok(None) => {}
        Err(e) => return Some(e.to_string()),
    }
    let client = match state.fleet().client(cluster) {
        Ok(client) => client,
        Err(e) => return Some(e.to_string()),
    };
    match token_reviewer::present(&client).await {
        Ok(true) => None,
        Ok(false) => Some(format!(
            "{cluster} has no token reviewer for Vault (Secret {}/{}): Vault could not check istiod's token; provision the slot to set it up",
            token_reviewer::NAMESPACE,
            token_reviewer::SECRET
        )),
        Err(why) => Some(format!("{cluster}: {why}")),
    }
}

/// Why the slot of `settings` is not usable; fills in the KEKs it holds.
async fn slot_problem(
    state: &AppState,
    settings: &HsmSettings,
    kek_ids: &mut Vec<String>,
) -> Option<String> {
    match settings.problems().first() {
        Some(p) => Some(p.message.clone()),
        None => match SlotAccess::of(state) {
            Err(why) => Some(why),
            Ok(access) => match access.admits(&settings.vault_addr, &settings.slot_label) {
                Err(why) => Some(why),
                Ok(()) => match access
                    .with_slot(&settings.slot_label, &settings.secret_path, |slot| {
                        slot.kek_ids()
                    })
                    .await
                {
                    Err(why) => Some(why),
                    Ok(ids) => {
                        let missing = !ids.contains(&settings.kek_id);
                        *kek_ids = ids;
                        missing.then(|| {
                            format!(
                                "slot {:?} has no KEK {:?} (it has: {}): provision the slot to generate it",
                                settings.slot_label,
                                settings.kek_id,
                                if kek_ids.is_empty() { "none".into() } else { kek_ids.join(", ") }
                            )
                        })
                    }
                },
            },
        },
    }
}

/// Provisions `cluster`'s slot as `request` names it. Idempotent: an
/// existing slot must accept the PIN Vault holds (nothing is overwritten),
/// an existing KEK is kept. New PINs are stored in Vault before the slot
/// is initialised with them, so a failure never leaves a slot whose PIN
/// nobody has.
pub async fn provision(
    state: &AppState,
    cluster: &ClusterName,
    request: &HsmSlotRequest,
) -> Result<HsmSlotProvisioned, AppError> {
    let access = SlotAccess::of(state).map_err(AppError::Conflict)?;
    let kek_id = request
        .kek_id
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map_or_else(hsm::new_kek_id, str::to_owned);
    let settings = HsmSettings {
        slot_label: request.slot_label.trim().to_owned(),
        kek_id,
        vault_addr: access.vault.addr().to_owned(),
        secret_path: request.secret_path.trim().to_owned(),
    };
    let problems: Vec<String> = settings
        .problems()
        .into_iter()
        .filter(|p| p.field != SettingsField::HsmVaultAddr)
        .map(|p| p.message)
        .collect();
    if !problems.is_empty() {
        return Err(AppError::BadRequest(problems.join("; ")));
    }
    if let Some(network) = &request.network {
        network::check(network).map_err(AppError::BadRequest)?;
    }
    access
        .admits(&settings.vault_addr, &settings.slot_label)
        .map_err(AppError::BadRequest)?;
    let ApiServer { url, ca_pem } =
        api_server(state, cluster.as_str()).map_err(AppError::Conflict)?;
    let client = state.fleet().client(cluster.as_str())?;
    let (module, label) = (access.module.clone(), settings.slot_label.clone());
    let exists = blocking(move || hsm::slot_exists(&module, &label))
        .await
        .map_err(AppError::Internal)?;
    let stored = access
        .vault
        .read_credentials(&settings.secret_path)
        .await
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let (mut credentials, credentials_stored) = match stored {
        Some(credentials) => (credentials, false),
        None if exists => {
            return Err(AppError::Conflict(format!(
                "slot {:?} exists but Vault at {} has no PIN at secret/{}: store the slot's PIN there, or choose another slot label; nothing was changed",
                settings.slot_label,
                access.vault.addr(),
                settings.secret_path
            )));
        }
        None => {
            let mut credentials = HsmCredentials::generate();
            with_network(&mut credentials, request.network.as_ref());
            access
                .vault
                .write_credentials(&settings.secret_path, &credentials)
                .await
                .map_err(|e| AppError::Conflict(e.to_string()))?;
            (credentials, true)
        }
    };
    // New network credentials for an existing secret: a new version of it,
    // the PINs unchanged.
    let network_stored = if credentials_stored {
        request.network.is_some()
    } else if with_network(&mut credentials, request.network.as_ref()) {
        access
            .vault
            .write_credentials(&settings.secret_path, &credentials)
            .await
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        true
    } else {
        false
    };
    let network = match (&credentials.client_cert, &credentials.server_cert) {
        (Some(client), Some(server)) => {
            Some(network::summary(client, server).map_err(AppError::Conflict)?)
        }
        _ => None,
    };
    let (module, label) = (access.module.clone(), settings.slot_label.clone());
    let provisioned = blocking(move || hsm::provision_slot(&module, &label, &credentials))
        .await
        .map_err(|why| {
            AppError::Conflict(format!(
                "{why} (the PIN Vault holds at secret/{}); nothing was changed",
                settings.secret_path
            ))
        })?;
    let kek = settings.kek_id.clone();
    let kek_generated = access
        .with_slot(&settings.slot_label, &settings.secret_path, move |slot| {
            slot.ensure_kek(&kek)
        })
        .await
        .map_err(AppError::Conflict)?;
    let reviewer_jwt =
        token_reviewer::ensure(&client)
            .await
            .map_err(|reason| AppError::ClusterUnreachable {
                cluster: cluster.to_string(),
                reason: format!("setting up Vault's token reviewer: {reason}"),
            })?;
    let api = KubernetesApi {
        host: url,
        ca_pem,
        reviewer_jwt,
    };
    access
        .vault
        .grant_istiod(&settings.secret_path, &api)
        .await
        .map_err(|e| AppError::Conflict(format!("{e} (the slot and its KEK are ready)")))?;
    let istiod_login = IstiodVaultLogin {
        auth_path: settings.vault_auth_path(),
        role: hsm::ISTIOD_ROLE.to_owned(),
        policy: hsm::policy_name(&settings.secret_path),
        api_server: api.host,
        token_reviewer: format!("{}/{}", token_reviewer::NAMESPACE, token_reviewer::NAME),
    };
    Ok(HsmSlotProvisioned {
        cluster: cluster.clone(),
        settings,
        slot_initialised: provisioned == Provisioned::Initialised,
        credentials_stored,
        kek_generated,
        istiod_login,
        network,
        network_stored,
    })
}

/// Puts `network` into `credentials`; whether that changed them.
fn with_network(
    credentials: &mut HsmCredentials,
    network: Option<&shared::mesh::hsm::HsmNetworkCredentials>,
) -> bool {
    let Some(n) = network else {
        return false;
    };
    let before = credentials.clone();
    credentials.client_cert = Some(n.client_cert.clone());
    credentials.client_key = Some(n.client_key.clone());
    credentials.server_cert = Some(n.server_cert.clone());
    *credentials != before
}
