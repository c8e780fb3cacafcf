//! Checkpoints: the chain's length and newest hash at a moment, signed with
//! the audit key and kept outside the database. The server rewrites its
//! checkpoint file after every append (never onto a log that lost the
//! checkpointed entry); operators copy it elsewhere, or take one with
//! `meshdeck audit checkpoint`. Verifying against one catches what the
//! database alone cannot: an emptied log, a cut tail whose head was moved
//! back, a chain recomputed from the start.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::key::AuditKey;

/// The checkpoint file's name in the state directory when none is named.
pub const CHECKPOINT_FILE: &str = "audit-checkpoint.json";

/// The log had `seq` entries, the newest hashing to `hash`, at `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    /// Unix seconds.
    pub at: i64,
    /// [`AuditKey::id`] of the signing key.
    pub key: String,
    /// HMAC-SHA256 (hex) over the fields above.
    pub mac: String,
}

/// Why a checkpoint cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("checkpoint {}: not a checkpoint: {source}", path.display())]
    Format {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("the checkpoint was signed with audit key {signed_by}, not this key ({ours})")]
    OtherKey { signed_by: String, ours: String },
    #[error("the checkpoint's signature does not match its contents: it was edited or forged")]
    Forged,
}

impl Checkpoint {
    /// A checkpoint of the entry `seq` (0 for the empty log) with `hash`.
    pub fn sign(key: &AuditKey, seq: i64, hash: &str, at: i64) -> Self {
        let mac = hex::encode(key.mac(&Self::message(seq, hash, at, key.id())));
        Self {
            seq,
            hash: hash.to_owned(),
            at,
            key: key.id().to_owned(),
            mac,
        }
    }

    /// What the MAC covers; the leading label keeps an entry's MAC from
    /// ever passing as a checkpoint's.
    fn message(seq: i64, hash: &str, at: i64, key: &str) -> Vec<u8> {
        serde_json::json!(["meshdeck audit checkpoint", seq, hash, at, key])
            .to_string()
            .into_bytes()
    }

    /// Whether `key` signed this checkpoint as it stands.
    pub fn check(&self, key: &AuditKey) -> Result<(), CheckpointError> {
        if self.key != key.id() {
            return Err(CheckpointError::OtherKey {
                signed_by: self.key.clone(),
                ours: key.id().to_owned(),
            });
        }
        let message = Self::message(self.seq, &self.hash, self.at, &self.key);
        if key.check(&message, &self.mac) {
            Ok(())
        } else {
            Err(CheckpointError::Forged)
        }
    }

    /// The checkpoint in `path`; `None` when there is no such file.
    pub fn read(path: &Path) -> Result<Option<Self>, CheckpointError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(CheckpointError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|source| CheckpointError::Format {
                path: path.to_owned(),
                source,
            })
    }

    /// The checkpoint as its file holds it: one JSON object and a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Replaces `path` with this checkpoint (through a temporary file and a
    /// rename, so a reader never sees half of one).
    pub fn write(&self, path: &Path) -> Result<(), CheckpointError> {
        let io = |source| CheckpointError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        // Unique per writer: two stores (or processes) writing at once
        // each rename a whole file of their own.
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let mut temp = path.as_os_str().to_owned();
        temp.push(format!(
            ".{}-{}.tmp",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&temp, self.to_json()).map_err(io)?;
        std::fs::rename(&temp, path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_checks_only_as_signed_and_only_with_its_key() {
        let key = AuditKey::from_bytes([1; 32]);
        let checkpoint = Checkpoint::sign(&key, 42, "ab", 1_700_000_000);
        assert!(checkpoint.check(&key).is_ok());
        let mut moved = checkpoint.clone();
        moved.seq = 40;
        assert!(matches!(moved.check(&key), Err(CheckpointError::Forged)));
        let other = AuditKey::from_bytes([2; 32]);
        assert!(matches!(
            checkpoint.check(&other),
            Err(CheckpointError::OtherKey { .. })
        ));
        let mut relabelled = checkpoint.clone();
        relabelled.key = other.id().to_owned();
        assert!(matches!(
            relabelled.check(&other),
            Err(CheckpointError::Forged)
        ));
    }

    #[test]
    fn a_checkpoint_survives_its_file() {
        let dir = std::env::temp_dir().join(format!("meshdeck-checkpoint-{}", std::process::id()));
        let path = dir.join(CHECKPOINT_FILE);
        assert!(Checkpoint::read(&path).unwrap().is_none());
        let checkpoint = Checkpoint::sign(&AuditKey::from_bytes([1; 32]), 3, "cd", 5);
        checkpoint.write(&path).unwrap();
        assert_eq!(Checkpoint::read(&path).unwrap(), Some(checkpoint));
        std::fs::write(&path, "{").unwrap();
        assert!(matches!(
            Checkpoint::read(&path),
            Err(CheckpointError::Format { .. })
        ));
    }
}
