//! What can go wrong with a slot or with Vault, worded so the operator or
//! officer can act: each names the slot label, KEK id or Vault path.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum HsmError {
    #[error("cannot load the PKCS#11 module {module}: {source}")]
    Module {
        module: PathBuf,
        source: cryptoki::error::Error,
    },
    #[error("the HSM has no slot labelled {label:?} (slots: {found})")]
    SlotNotFound { label: String, found: String },
    #[error("the HSM rejected the PIN for slot {label:?}")]
    PinRejected { label: String },
    #[error("slot {label:?}: cannot {action}: {source}")]
    Pkcs11 {
        label: String,
        action: String,
        source: cryptoki::error::Error,
    },
    #[error("slot {label:?} has no key-encryption key {kek_id:?} (it has: {found})")]
    KekNotFound {
        label: String,
        kek_id: String,
        found: String,
    },
    #[error(
        "slot {label:?}: KEK {kek_id:?} cannot decrypt this request: it was encrypted with another key or altered"
    )]
    Undecryptable { label: String, kek_id: String },
    #[error("the encrypted request is malformed: {0}")]
    Envelope(String),
    #[error("invalid slot label {label:?}: {why}")]
    SlotLabel { label: String, why: String },
    #[error("the HSM has no free slot to initialise {label:?}")]
    NoFreeSlot { label: String },
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("cannot use Vault at {addr}: {reason}")]
    Unreachable { addr: String, reason: String },
    #[error("Vault at {addr} refused {action} {path}: {reason}")]
    Refused {
        addr: String,
        action: String,
        /// The whole path, from its mount (`secret/asm-c1/hsm`).
        path: String,
        reason: String,
    },
    #[error("Vault at {addr} refused the login as role {role:?} at auth/{mount}/login: {reason}")]
    LoginRefused {
        addr: String,
        mount: String,
        role: String,
        reason: String,
    },
    #[error("Vault at {addr} has no HSM PIN at {mount}/{path}")]
    NoCredentials {
        addr: String,
        mount: String,
        path: String,
    },
}
