//! The chain over audit entries: each entry's hash covers its own stored
//! fields and the previous entry's hash, so an edited, inserted or deleted
//! row shows as the first entry that no longer checks out. The recorded
//! head catches entries cut off the end, which leave the rest of the chain
//! consistent, and a [`Checkpoint`] kept outside the database catches a
//! log emptied, cut with its head moved back, or recomputed.
//!
//! Entries are keyed: their hash is an HMAC-SHA256 under the
//! [`AuditKey`], so rewriting one needs the key, not just the database.
//! Entries written before the key existed keep their plain SHA-256 (their
//! `mac` column says which); once a keyed entry is in the chain, a plain
//! one after it is a break, so nobody can downgrade the chain's tail.

use sha2::{Digest, Sha256};
use shared::{BrokenLink, ChainReport};

use super::checkpoint::Checkpoint;
use super::key::AuditKey;

/// The newest entry as the last append recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

/// A row exactly as stored, before its lists are parsed: the chain hash is
/// computed over these texts.
pub struct RawEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub role: Option<String>,
    pub action: String,
    pub clusters: String,
    pub targets: String,
    pub params: String,
    pub outcome: String,
    pub request_id: Option<String>,
    pub prev_hash: String,
    /// [`UNKEYED`] or [`keyed`]: how `hash` was made.
    pub mac: String,
    pub hash: String,
}

/// `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// `mac` of entries written before the log was keyed: plain SHA-256.
pub const UNKEYED: &str = "sha256";

/// Why an entry breaks the chain, as the report words it.
#[derive(Debug, thiserror::Error)]
enum Break {
    #[error("entry {seq} follows entry {}: entries {expected}..{} are missing", .expected - 1, .seq - 1)]
    Missing { seq: i64, expected: i64 },
    #[error(
        "entry {seq} does not point at the hash of entry {} (it was edited, or a row before it was replaced)",
        .seq - 1
    )]
    NotLinked { seq: i64 },
    #[error(
        "entry {seq} is not keyed, yet the log is keyed since entry {since}: it was rewritten without the audit key"
    )]
    Unkeyed { seq: i64, since: i64 },
    #[error("entry {seq} does not match its hash: its content was edited")]
    Edited { seq: i64 },
    #[error(
        "entry {seq} is keyed ({mac}) with a key other than the one given ({given}): it cannot be checked"
    )]
    OtherKey {
        seq: i64,
        mac: String,
        given: String,
    },
    #[error("entry {seq} is not the entry the checkpoint recorded: the log was rewritten")]
    NotCheckpointed { seq: i64 },
}

/// `mac` of entries keyed with `key`: HMAC-SHA256 and the key's id.
pub fn keyed(key: &AuditKey) -> String {
    format!("hmac-sha256:{}", key.id())
}

/// The hash `entry` must have, by the scheme its `mac` names: SHA-256
/// (hex) over its stored fields as a JSON array (unambiguous field
/// boundaries), or, keyed, HMAC-SHA256 over the same fields and the `mac`
/// itself. `None` when the entry is keyed with a key other than `key`.
pub fn entry_hash(entry: &RawEntry, key: Option<&AuditKey>) -> Option<String> {
    let mut fields = vec![
        serde_json::json!(entry.seq),
        serde_json::json!(entry.at),
        serde_json::json!(entry.actor),
        serde_json::json!(entry.role),
        serde_json::json!(entry.action),
        serde_json::json!(entry.clusters),
        serde_json::json!(entry.targets),
        serde_json::json!(entry.params),
        serde_json::json!(entry.outcome),
        serde_json::json!(entry.request_id),
        serde_json::json!(entry.prev_hash),
    ];
    if entry.mac == UNKEYED {
        let text = serde_json::Value::Array(fields).to_string();
        return Some(hex::encode(Sha256::digest(text.as_bytes())));
    }
    let key = key.filter(|key| entry.mac == keyed(key))?;
    fields.push(serde_json::json!(entry.mac));
    let text = serde_json::Value::Array(fields).to_string();
    Some(hex::encode(key.mac(text.as_bytes())))
}

/// Checks a chain entry by entry (oldest first, so a log can be walked a
/// page at a time), stopping at the first broken link.
pub struct Walk<'a> {
    key: Option<&'a AuditKey>,
    checkpoint: Option<&'a Checkpoint>,
    expected_prev: String,
    last: Option<(i64, String)>,
    keyed_since: Option<i64>,
    checked: i64,
    broken: Option<BrokenLink>,
}

impl<'a> Walk<'a> {
    /// A walk checking keyed entries with `key` and, when given, the
    /// entries against `checkpoint` (whose signature the caller checked).
    pub fn new(key: Option<&'a AuditKey>, checkpoint: Option<&'a Checkpoint>) -> Self {
        Self {
            key,
            checkpoint,
            expected_prev: GENESIS.to_owned(),
            last: None,
            keyed_since: None,
            checked: 0,
            broken: None,
        }
    }

    /// The seq of the last entry taken (0 before the first).
    pub fn last_seq(&self) -> i64 {
        self.last.as_ref().map_or(0, |(seq, _)| *seq)
    }

    /// Takes the next entry; `false` once the chain is broken (later
    /// entries are then not looked at).
    pub fn step(&mut self, entry: &RawEntry) -> bool {
        if self.broken.is_some() {
            return false;
        }
        match self.check(entry) {
            Ok(()) => {
                self.expected_prev.clone_from(&entry.hash);
                self.last = Some((entry.seq, entry.hash.clone()));
                self.checked += 1;
                true
            }
            Err(why) => {
                self.broken = Some(BrokenLink {
                    seq: entry.seq,
                    reason: why.to_string(),
                });
                false
            }
        }
    }

    fn check(&mut self, entry: &RawEntry) -> Result<(), Break> {
        let seq = entry.seq;
        let expected = self.last_seq() + 1;
        if seq != expected {
            return Err(Break::Missing { seq, expected });
        }
        if entry.prev_hash != self.expected_prev {
            return Err(Break::NotLinked { seq });
        }
        if entry.mac == UNKEYED {
            if let Some(since) = self.keyed_since {
                return Err(Break::Unkeyed { seq, since });
            }
        } else {
            self.keyed_since.get_or_insert(seq);
        }
        match entry_hash(entry, self.key) {
            Some(hash) if hash == entry.hash => {}
            Some(_) => return Err(Break::Edited { seq }),
            None => {
                return Err(Break::OtherKey {
                    seq,
                    mac: entry.mac.clone(),
                    given: self.key.map_or_else(|| "none".to_owned(), keyed),
                });
            }
        }
        if let Some(checkpoint) = self.checkpoint
            && checkpoint.seq == seq
            && checkpoint.hash != entry.hash
        {
            return Err(Break::NotCheckpointed { seq });
        }
        Ok(())
    }

    /// The report once every entry was taken: the last one is compared
    /// with `head` and with the checkpoint's length.
    pub fn finish(self, head: Option<&Head>) -> ChainReport {
        let checked = self.checked;
        if self.broken.is_some() {
            return ChainReport {
                checked,
                broken: self.broken,
            };
        }
        let last = self.last.as_ref().map(|(seq, hash)| (*seq, hash.as_str()));
        let mut broken = match (last, head) {
            (None, None) => None,
            (Some((seq, hash)), Some(head)) if seq == head.seq && hash == head.hash => None,
            (Some((seq, _)), Some(head)) if seq < head.seq => Some(BrokenLink {
                seq: seq + 1,
                reason: format!(
                    "the log ends at entry {seq} but entry {} was written: entries {}..{} were deleted",
                    head.seq,
                    seq + 1,
                    head.seq
                ),
            }),
            (None, Some(head)) => Some(BrokenLink {
                seq: 1,
                reason: format!(
                    "the log is empty but entry {} was written: it was emptied",
                    head.seq
                ),
            }),
            (Some((seq, _)), _) => Some(BrokenLink {
                seq,
                reason: format!(
                    "entry {seq}, the last, does not match the recorded head of the log"
                ),
            }),
        };
        let end = last.map_or(0, |(seq, _)| seq);
        if broken.is_none()
            && let Some(checkpoint) = self.checkpoint
            && checkpoint.seq > end
        {
            broken = Some(BrokenLink {
                seq: end + 1,
                reason: if end == 0 {
                    format!(
                        "the log is empty but the checkpoint records entry {}: it was emptied",
                        checkpoint.seq
                    )
                } else {
                    format!(
                        "the log ends at entry {end} but the checkpoint records entry {}: entries {}..{} were deleted",
                        checkpoint.seq,
                        end + 1,
                        checkpoint.seq
                    )
                },
            });
        }
        ChainReport { checked, broken }
    }
}

/// Walks `entries` (oldest first), then compares the last one with `head`
/// and `checkpoint`, and reports the first broken link.
pub fn verify(
    entries: &[RawEntry],
    head: Option<&Head>,
    key: Option<&AuditKey>,
    checkpoint: Option<&Checkpoint>,
) -> ChainReport {
    let mut walk = Walk::new(key, checkpoint);
    for entry in entries {
        if !walk.step(entry) {
            break;
        }
    }
    walk.finish(head)
}

#[cfg(test)]
mod tests;
