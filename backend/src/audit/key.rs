//! The audit key: 32 random bytes kept outside the database (a file only
//! its owner may read) that key the chain's HMAC-SHA256 and sign its
//! checkpoints. Whoever can write the database but not read this file can
//! no longer recompute the chain after an edit.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The key file's name in the state directory when no file is named.
pub const KEY_FILE: &str = "audit.key";

/// Why the audit key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("audit key {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("audit key {}: the file does not exist", path.display())]
    Missing { path: PathBuf },
    #[error(
        "audit key {}: group or others may access it (mode {mode:o}); \
         only its owner may: chmod 600 it (and find out who could read it)",
        path.display()
    )]
    Exposed { path: PathBuf, mode: u32 },
    #[error("audit key {}: not 64 hexadecimal digits (32 bytes)", path.display())]
    Invalid { path: PathBuf },
}

/// The key behind the chain's HMAC and the checkpoints' signatures. Its
/// bytes never leave the process: not logged, not stored, not sent.
#[derive(Clone)]
pub struct AuditKey {
    bytes: Arc<[u8; 32]>,
    id: String,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.id)
    }
}

impl AuditKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let mut key = Self {
            bytes: Arc::new(bytes),
            id: String::new(),
        };
        // Names the key in the log and in checkpoints without revealing it.
        key.id = hex::encode(&key.mac(b"meshdeck audit key id")[..8]);
        key
    }

    /// A new key from `rng`.
    pub fn generate(rng: &mut impl RngCore) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self::from_bytes(bytes)
    }

    /// A short public name of the key (16 hex digits).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// HMAC-SHA256 of `message` under this key.
    pub fn mac(&self, message: &[u8]) -> [u8; 32] {
        let mut mac = self.hmac();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// Whether `tag` (hex) is the HMAC of `message`, compared in constant time.
    pub fn check(&self, message: &[u8], tag: &str) -> bool {
        let Ok(tag) = hex::decode(tag) else {
            return false;
        };
        let mut mac = self.hmac();
        mac.update(message);
        mac.verify_slice(&tag).is_ok()
    }

    fn hmac(&self) -> Hmac<Sha256> {
        // Any key length is valid for HMAC: this cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.bytes[..])
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
    }

    /// Reads the key in `path`, which must exist and be readable by its
    /// owner only.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let io = |source| KeyError::Io {
            path: path.to_owned(),
            source,
        };
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyError::Missing {
                    path: path.to_owned(),
                });
            }
            Err(err) => return Err(io(err)),
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Exposed {
                path: path.to_owned(),
                mode,
            });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| KeyError::Invalid {
                path: path.to_owned(),
            })?;
        Ok(Self::from_bytes(bytes))
    }

    /// Like [`AuditKey::load`], `None` when the file does not exist.
    pub fn load_if_present(path: &Path) -> Result<Option<Self>, KeyError> {
        match Self::load(path) {
            Ok(key) => Ok(Some(key)),
            Err(KeyError::Missing { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Reads the key in `path`, first creating it (mode 0600, a new key
    /// from `rng`) if there is none; `true` beside a key just created.
    pub fn load_or_create(path: &Path, rng: &mut impl RngCore) -> Result<(Self, bool), KeyError> {
        if let Some(key) = Self::load_if_present(path)? {
            return Ok((key, false));
        }
        let io = |source| KeyError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let key = Self::generate(rng);
        // create_new: a second process starting at the same moment keeps
        // the first one's key instead of replacing it.
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(mut file) => {
                file.write_all(format!("{}\n", hex::encode(&key.bytes[..])).as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(io)?;
                tracing::info!(path = %path.display(), key = key.id(), "created the audit key");
                Ok((key, true))
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                Ok((Self::load(path)?, false))
            }
            Err(err) => Err(io(err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("meshdeck-audit-key-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join(KEY_FILE)
    }

    #[test]
    fn the_key_file_is_created_for_its_owner_only_and_read_back() {
        let path = temp("create");
        let (key, created) = AuditKey::load_or_create(&path, &mut rand::rngs::OsRng).unwrap();
        assert!(created);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (again, created) = AuditKey::load_or_create(&path, &mut rand::rngs::OsRng).unwrap();
        assert!(!created);
        assert_eq!(again.id(), key.id());
        assert_eq!(again.mac(b"x"), key.mac(b"x"));
    }

    #[test]
    fn a_key_others_may_read_is_refused() {
        let path = temp("exposed");
        AuditKey::load_or_create(&path, &mut rand::rngs::OsRng).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let err = AuditKey::load_or_create(&path, &mut rand::rngs::OsRng).unwrap_err();
        assert!(
            matches!(err, KeyError::Exposed { mode: 0o640, .. }),
            "{err}"
        );
        assert!(matches!(
            AuditKey::load(&temp("absent")),
            Err(KeyError::Missing { .. })
        ));
    }

    #[test]
    fn macs_check_in_constant_time_and_refuse_others() {
        let key = AuditKey::from_bytes([7; 32]);
        let tag = hex::encode(key.mac(b"entry"));
        assert!(key.check(b"entry", &tag));
        assert!(!key.check(b"entrY", &tag));
        assert!(!AuditKey::from_bytes([8; 32]).check(b"entry", &tag));
        assert!(!key.check(b"entry", "not hex"));
    }
}
