//! What the sandbox's clusters can reach outside themselves for istiod's
//! HSM mode (SPEC §2.2 mode 3): the HSM, through its PKCS#11 module, and
//! Vault, where each cluster's slot PIN is kept.
//!
//! A real istiod's `vault-client` logs in to Vault with Kubernetes auth
//! (its service account token against `VAULT_AUTH_PATH` and
//! `VAULT_AUTH_ROLE`); the sandbox has no real service account tokens for
//! Vault to check, so it is handed a Vault token instead and reads the
//! secret path of the pod's `VAULT_SECRET_PATH` with it. The Vault address
//! stays the pod's `VAULT_ADDR`.

use std::fmt;
use std::path::PathBuf;

/// The clusters' network access to the HSM and to Vault.
#[derive(Clone)]
pub struct SandboxHsm {
    /// The PKCS#11 module the `hsm-plugin` containers open slots with
    /// (e.g. [`hsm::SOFTHSM2_MODULE`]).
    pub pkcs11_module: PathBuf,
    /// The Vault token `vault-client` containers read credentials with, in
    /// place of Kubernetes auth.
    pub vault_token: String,
}

impl fmt::Debug for SandboxHsm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxHsm")
            .field("pkcs11_module", &self.pkcs11_module)
            .field("vault_token", &"<redacted>")
            .finish()
    }
}
