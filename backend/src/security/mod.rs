//! What the security officer owns: the mesh CA in the token, the inbox of
//! certificate signing requests and its decisions, istiod's HSM slots and
//! Vault logins, the mesh roots they create and retire, the issuance
//! grants under which installs issue intermediates, and the trust
//! inventory.

pub mod ca;
pub mod csr;
pub mod grants;
pub mod hsm;
pub mod roots;
pub mod trust;
