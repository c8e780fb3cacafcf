//! Provisioning a member's slot for istiod: PINs into Vault first, then
//! the slot and its KEK, then the token reviewer on the member and
//! istiod's Vault login (policy, Kubernetes auth, role).

use hsm::{HsmCredentials, KubernetesApi, Provisioned};
use shared::ClusterName;
use shared::mesh::hsm::IstiodVaultLogin;
use shared::mesh::{HsmSettings, HsmSlotProvisioned, HsmSlotRequest, SettingsField};

use super::access::blocking;
use super::{SlotAccess, SlotError, api_server, network};
use crate::cluster::{ApiServer, token_reviewer};
use crate::error::AppError;
use crate::state::AppState;

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
    let access = SlotAccess::of(state).map_err(|e| AppError::Conflict(e.to_string()))?;
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
        .chain(settings.ownership_problems(cluster))
        .map(|p| p.message)
        .collect();
    if !problems.is_empty() {
        return Err(AppError::BadRequest(problems.join("; ")));
    }
    if let Some(network) = &request.network {
        network::check(network).map_err(|e| AppError::BadRequest(e.to_string()))?;
    }
    access
        .admits(&settings.vault_addr, &settings.slot_label)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let ApiServer { url, ca_pem } =
        api_server(state, cluster.as_str()).map_err(|e| AppError::Conflict(e.to_string()))?;
    let client = state.fleet().client(cluster.as_str())?;
    let (module, label) = (access.module.clone(), settings.slot_label.clone());
    let exists = blocking(access.timeout, move || hsm::slot_exists(&module, &label))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let vault_said = |e: hsm::VaultError| AppError::Conflict(e.to_string());
    let stored = access
        .vault
        .read_credentials(&settings.secret_path)
        .await
        .map_err(vault_said)?;
    if stored.is_none() && exists {
        return Err(AppError::Conflict(format!(
            "slot {:?} exists but Vault at {} has no PIN at secret/{}: store the slot's PIN there, or choose another slot label; nothing was changed",
            settings.slot_label,
            access.vault.addr(),
            settings.secret_path
        )));
    }
    // Every check comes before the first write: a refusal leaves nothing.
    let conflicts = access
        .vault
        .istiod_grant_conflicts(&settings.secret_path)
        .await
        .map_err(vault_said)?;
    if !conflicts.is_empty() {
        return Err(AppError::Conflict(format!(
            "Vault at {} already has what provisioning would overwrite: {}; nothing was changed",
            access.vault.addr(),
            conflicts.join("; ")
        )));
    }
    let credentials_stored = stored.is_none();
    let mut credentials = stored.unwrap_or_else(HsmCredentials::generate);
    let network_changed = with_network(&mut credentials, request.network.as_ref());
    let network = match (&credentials.client_cert, &credentials.server_cert) {
        (Some(client), Some(server)) => {
            Some(network::summary(client, server).map_err(|e| AppError::Conflict(e.to_string()))?)
        }
        _ => None,
    };
    // New PINs are in Vault before the slot is initialised with them.
    if credentials_stored {
        access
            .vault
            .write_credentials(&settings.secret_path, &credentials)
            .await
            .map_err(vault_said)?;
    }
    let (module, label, pins) = (
        access.module.clone(),
        settings.slot_label.clone(),
        credentials.clone(),
    );
    let provisioned = blocking(access.timeout, move || {
        hsm::provision_slot(&module, &label, &pins)
    })
    .await
    .map_err(|why| match why {
        // The HSM may still finish what it was asked: say so, not that
        // nothing changed.
        SlotError::Timeout { .. } => AppError::Conflict(format!(
            "{why}: slot {} may or may not be initialised now (check it again); the PINs are in Vault at secret/{}",
            settings.slot_label, settings.secret_path
        )),
        _ => AppError::Conflict(format!(
            "{why} (the PIN Vault holds at secret/{}); nothing was changed",
            settings.secret_path
        )),
    })?;
    // New network credentials for an existing secret: a new version of it,
    // the PINs unchanged, once the slot has taken the PIN.
    if network_changed && !credentials_stored {
        access
            .vault
            .write_credentials(&settings.secret_path, &credentials)
            .await
            .map_err(vault_said)?;
    }
    let network_stored = network_changed;
    let kek = settings.kek_id.clone();
    let kek_generated = access
        .with_slot(&settings.slot_label, &settings.secret_path, move |slot| {
            slot.ensure_kek(&kek)
        })
        .await
        .map_err(|e| AppError::Conflict(e.to_string()))?;
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
