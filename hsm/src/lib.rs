//! istiod's HSM slots (SPEC §2.2 mode 3, seed 004): a PKCS#11 slot per
//! cluster holding its key-encryption key (KEK, AES-256, never
//! extractable), the envelope in which istiod leaves its CSR encrypted
//! with that KEK (secret `istio-ca-cert-csr`), and the slot's credentials
//! as they are kept in Vault (KV v2).
//!
//! The console provisions slots and decrypts requests through this crate;
//! the sandbox's istiod encrypts through it, so both sides agree on the
//! envelope by construction. PINs travel only between Vault, the token and
//! this process: [`HsmCredentials`] never prints them.

mod credentials;
pub mod dev_vault;
mod envelope;
mod error;
mod module;
mod slot;
pub mod softhsm;
mod vault;
mod vault_auth;

pub use credentials::HsmCredentials;
pub use envelope::{ENVELOPE_KEYS, Envelope};
pub use error::{HsmError, VaultError};
pub use module::module;
pub use slot::{Provisioned, SlotSession, provision_slot, slot_exists, with_slot};
pub use vault::{KV_MOUNT, Vault, officer_path};
pub use vault_auth::{ISTIOD_ROLE, KubernetesApi, policy_name};

/// Debian's SoftHSM2 module, the embedded default.
pub const SOFTHSM2_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// A fresh KEK id in the seeds' form (a random UUID, e.g.
/// `7651a4ea-eeb7-4c1f-927b-8c871c2127aa`).
pub fn new_kek_id() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn kek_ids_are_version_4_uuids() {
        let id = super::new_kek_id();
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
        assert_eq!(&id[14..15], "4", "{id}");
        assert_ne!(id, super::new_kek_id());
    }
}
