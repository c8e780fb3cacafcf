//! Passwords and random tokens: argon2id hashes, session and CSRF tokens
//! from the OS generator, and the SHA-256 under which session tokens are
//! stored.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

/// argon2id cost. Production uses the crate's defaults (19 MiB, 2 passes);
/// tests use a cheap setting so hundreds of sign-ins stay fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashCost {
    Default,
    TestOnly,
}

fn hasher(cost: HashCost) -> Argon2<'static> {
    let params = match cost {
        HashCost::Default => Params::default(),
        HashCost::TestOnly => Params::new(256, 1, 1, None).unwrap_or_default(),
    };
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A failure to hash (only on absurd inputs or parameters).
#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

/// The PHC string (`$argon2id$v=19$…`) of `password` with a fresh salt.
pub fn hash_password(password: &str, cost: HashCost) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher(cost)
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| HashError(err.to_string()))
}

/// Whether `password` matches `phc`; parameters are read from `phc`, so
/// hashes made at any cost keep verifying.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A hash to verify against when the account does not exist, so an unknown
/// name costs the same time as a wrong password.
pub fn decoy_hash(cost: HashCost) -> String {
    hash_password("decoy password, never matches a real one", cost).unwrap_or_default()
}

/// 32 random bytes as 64 hex characters.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A password for a generated account: 20 characters from an alphabet
/// without look-alikes (about 114 bits).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    // Rejection sampling keeps every character equally likely.
    let limit = 256 - 256 % ALPHABET.len();
    let mut password = String::with_capacity(20);
    while password.len() < 20 {
        let mut byte = [0u8; 1];
        OsRng.fill_bytes(&mut byte);
        let b = usize::from(byte[0]);
        if b < limit {
            password.push(char::from(ALPHABET[b % ALPHABET.len()]));
        }
    }
    password
}

/// SHA-256 (hex) of a session token: what the sessions table stores.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let phc = hash_password("correct horse battery", HashCost::TestOnly).unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(!phc.contains("correct horse"));
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("wrong horse battery", &phc));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_and_passwords_are_random() {
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 64);
        let password = random_password();
        assert_eq!(password.chars().count(), 20);
        assert!(shared::auth::check_new_password(&password).is_ok());
        assert_ne!(token_hash("a"), token_hash("b"));
    }
}
