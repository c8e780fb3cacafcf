//! How the console reaches istiod's slots: the PKCS#11 module of its own CA
//! token and its own Vault, which holds each slot's PIN. Settings naming
//! another Vault, or the token holding the mesh roots, are refused rather
//! than followed. istiod's encrypted request is decrypted here, through
//! the slot its Deployment names.

use std::path::PathBuf;
use std::time::Duration;

use hsm::{HsmError, Vault, VaultError};

use crate::cluster::hsm_request::{HsmRequest, NoIstiodSlot};
use crate::state::AppState;

/// Why the console cannot use a slot.
#[derive(Debug, thiserror::Error)]
pub enum SlotError {
    #[error(
        "the console has no PKCS#11 module configured (--pkcs11-module): it cannot reach the HSM"
    )]
    NoModule,
    #[error(
        "the console has no Vault configured (--vault-addr and --vault-token-file): it cannot read HSM PINs"
    )]
    NoVault,
    #[error(
        "istiod would read its PIN from Vault at {asked}, but the console uses {ours}: the console can only check and provision slots in its own Vault"
    )]
    OtherVault { asked: String, ours: String },
    #[error("slot {0:?} is the token holding the mesh roots: give istiod a slot of its own")]
    RootToken(String),
    /// istiod's Deployment names no usable slot.
    #[error(transparent)]
    Istiod(#[from] NoIstiodSlot),
    #[error(
        "the request is encrypted with KEK {request:?} but istiod's hsm-plugin names KEK {istiod:?}"
    )]
    KekMismatch { request: String, istiod: String },
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Hsm(#[from] HsmError),
    #[error("the HSM task stopped: {0}")]
    Task(String),
    #[error("the HSM did not answer within {secs} s")]
    Timeout { secs: u64 },
}

/// The module and Vault the console uses for slots.
pub struct SlotAccess<'a> {
    pub module: PathBuf,
    pub vault: &'a Vault,
    /// How long one call to the HSM may take (the CA token's).
    pub timeout: Duration,
    /// The label of the token holding the mesh roots: never a cluster's slot.
    root_token: String,
}

impl<'a> SlotAccess<'a> {
    /// What the console is configured with, or why it cannot handle slots.
    pub fn of(state: &'a AppState) -> Result<Self, SlotError> {
        let ca = state.ca().ok_or(SlotError::NoModule)?;
        let vault = state.vault().ok_or(SlotError::NoVault)?;
        Ok(Self {
            module: ca.token().module.clone(),
            timeout: ca.call_timeout(),
            vault,
            root_token: ca.token().token_label.clone(),
        })
    }

    /// `settings` name the console's Vault and a slot other than the root's.
    pub fn admits(&self, vault_addr: &str, slot_label: &str) -> Result<(), SlotError> {
        if vault_addr.trim_end_matches('/') != self.vault.addr() {
            return Err(SlotError::OtherVault {
                asked: vault_addr.to_owned(),
                ours: self.vault.addr().to_owned(),
            });
        }
        if slot_label == self.root_token {
            return Err(SlotError::RootToken(slot_label.to_owned()));
        }
        Ok(())
    }

    /// The slot's PIN from Vault, then `work` in a session on the slot.
    pub async fn with_slot<T: Send + 'static>(
        &self,
        slot_label: &str,
        secret_path: &str,
        work: impl FnOnce(&hsm::SlotSession<'_>) -> Result<T, HsmError> + Send + 'static,
    ) -> Result<T, SlotError> {
        let credentials = self.vault.credentials(secret_path).await?;
        let (module, label) = (self.module.clone(), slot_label.to_owned());
        blocking(self.timeout, move || {
            hsm::with_slot(&module, &label, &credentials.pin, work)
        })
        .await
    }

    /// The request's CSR (PEM), decrypted with istiod's KEK through the
    /// slot whose PIN Vault holds.
    pub async fn decrypt(&self, request: &HsmRequest) -> Result<Vec<u8>, SlotError> {
        let slot = request.slot.clone()?;
        self.admits(&slot.vault_addr, &slot.slot_label)?;
        let envelope = hsm::Envelope::from_secret_data(&request.data)?;
        if envelope.kek_id != slot.kek_id {
            return Err(SlotError::KekMismatch {
                request: envelope.kek_id,
                istiod: slot.kek_id,
            });
        }
        self.with_slot(&slot.slot_label, &slot.secret_path, move |session| {
            session.decrypt(&envelope)
        })
        .await
    }
}

/// Runs slot work on a blocking thread (PKCS#11 calls block), waiting at
/// most `timeout` for it: an HSM that hangs keeps its thread, not its
/// caller.
pub(super) async fn blocking<T: Send + 'static>(
    timeout: Duration,
    work: impl FnOnce() -> Result<T, HsmError> + Send + 'static,
) -> Result<T, SlotError> {
    Ok(
        tokio::time::timeout(timeout, tokio::task::spawn_blocking(work))
            .await
            .map_err(|_| SlotError::Timeout {
                secs: timeout.as_secs(),
            })?
            .map_err(|e| SlotError::Task(e.to_string()))??,
    )
}
