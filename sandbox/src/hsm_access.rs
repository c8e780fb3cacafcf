//! What the sandbox's clusters can reach outside themselves for istiod's
//! HSM mode (SPEC §2.2 mode 3): the HSM, through its PKCS#11 module. Vault
//! needs no configuration here: istiod's `vault-client` reaches it at the
//! pod's `VAULT_ADDR` and logs in with its service account token, as on a
//! real cluster.

use std::path::PathBuf;

/// The clusters' access to the HSM.
#[derive(Debug, Clone)]
pub struct SandboxHsm {
    /// The PKCS#11 module the `hsm-plugin` containers open slots with
    /// (e.g. [`hsm::SOFTHSM2_MODULE`]).
    pub pkcs11_module: PathBuf,
}
