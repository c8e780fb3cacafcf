//! istiod's HSM slots as the console handles them (SPEC §2.2 mode 3, seed
//! 004): checking that an install's slot opens with the PIN Vault holds,
//! has the cluster's KEK and that istiod may log in to read that PIN;
//! provisioning a slot (PINs into Vault first, then the slot and its KEK,
//! then istiod's Vault login: policy, Kubernetes auth against the member's
//! API server, role). Reaching slots, and decrypting istiod's request
//! through its slot, is [`access`]; the Kubernetes side of that request
//! is `crate::cluster::hsm_request`.

mod access;
pub mod http;
pub mod network;
mod provision;

use shared::ClusterName;
use shared::mesh::{HsmReadiness, HsmSettings};

pub use access::{SlotAccess, SlotError};
pub use provision::provision;

use crate::cluster::{ApiServer, token_reviewer};
use crate::state::AppState;

/// Why Vault could not be pointed at a member's API server.
#[derive(Debug, thiserror::Error)]
#[error(
    "cluster {0} has no usable kubeconfig context, so Vault could not check istiod's service account tokens against its API server"
)]
pub struct NoApiServer(String);

/// The API server Vault reviews istiod's tokens at: `cluster`'s, as its
/// kubeconfig context names it.
fn api_server(state: &AppState, cluster: &str) -> Result<ApiServer, NoApiServer> {
    state
        .fleet()
        .api_server(cluster)
        .cloned()
        .ok_or_else(|| NoApiServer(cluster.to_owned()))
}

/// Whether istiod on `cluster` could use `settings`: the console's Vault
/// holds a PIN at the secret path, the slot opens with it and has the
/// KEK, and istiod may log in to Vault to read the PIN.
pub async fn check(state: &AppState, cluster: &str, settings: &HsmSettings) -> HsmReadiness {
    let mut kek_ids = Vec::new();
    // Another cluster's slot or PIN is never checked, let alone used.
    let not_its_own = cluster
        .parse::<ClusterName>()
        .ok()
        .and_then(|c| settings.ownership_problems(&c).into_iter().next())
        .map(|p| p.message);
    let mut problem = match not_its_own {
        Some(problem) => Some(problem),
        None => slot_problem(state, settings, &mut kek_ids).await,
    };
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
        Err(why) => return Some(why.to_string()),
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
            Err(why) => Some(why.to_string()),
            Ok(access) => match access.admits(&settings.vault_addr, &settings.slot_label) {
                Err(why) => Some(why.to_string()),
                Ok(()) => match access
                    .with_slot(&settings.slot_label, &settings.secret_path, |slot| {
                        slot.kek_ids()
                    })
                    .await
                {
                    Err(why) => Some(why.to_string()),
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
