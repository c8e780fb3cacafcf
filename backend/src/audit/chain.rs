//! The hash chain over audit entries: each entry's hash covers its own
//! stored fields and the previous entry's hash, so an edited, inserted or
//! deleted row shows as the first entry that no longer checks out. The
//! recorded head catches entries cut off the end, which leave the rest of
//! the chain consistent.

use sha2::{Digest, Sha256};
use shared::{BrokenLink, ChainReport};

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
    pub hash: String,
}

/// `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 (hex) over the entry's stored fields, `prev_hash` included, as a
/// JSON array (unambiguous field boundaries).
pub fn entry_hash(entry: &RawEntry) -> String {
    let fields = serde_json::json!([
        entry.seq,
        entry.at,
        entry.actor,
        entry.role,
        entry.action,
        entry.clusters,
        entry.targets,
        entry.params,
        entry.outcome,
        entry.request_id,
        entry.prev_hash,
    ]);
    hex::encode(Sha256::digest(fields.to_string().as_bytes()))
}

/// Walks `entries` (oldest first), then compares the last one with `head`,
/// and reports the first broken link.
pub fn verify(entries: &[RawEntry], head: Option<&Head>) -> ChainReport {
    let mut expected_prev = GENESIS;
    let mut checked = 0;
    for (expected_seq, entry) in (1i64..).zip(entries) {
        let broken = |reason: String| ChainReport {
            checked,
            broken: Some(BrokenLink {
                seq: entry.seq,
                reason,
            }),
        };
        if entry.seq != expected_seq {
            return broken(format!(
                "entry {} follows entry {}: entries {expected_seq}..{} are missing",
                entry.seq,
                expected_seq - 1,
                entry.seq - 1
            ));
        }
        if entry.prev_hash != expected_prev {
            return broken(format!(
                "entry {} does not point at the hash of entry {} (it was edited, or a row before it was replaced)",
                entry.seq,
                entry.seq - 1
            ));
        }
        if entry_hash(entry) != entry.hash {
            return broken(format!(
                "entry {} does not match its hash: its content was edited",
                entry.seq
            ));
        }
        expected_prev = &entry.hash;
        checked += 1;
    }
    let last = entries.last().map(|e| (e.seq, e.hash.as_str()));
    let broken = match (last, head) {
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
            reason: format!("entry {seq}, the last, does not match the recorded head of the log"),
        }),
    };
    ChainReport { checked, broken }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<RawEntry> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let mut e = RawEntry {
                    seq,
                    at: 1000 + seq,
                    actor: "alice".into(),
                    role: Some("operator".into()),
                    action: "test.act".into(),
                    clusters: "[\"gke-eu\"]".into(),
                    targets: "[]".into(),
                    params: "[]".into(),
                    outcome: "success".into(),
                    request_id: None,
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = entry_hash(&e);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn head(entries: &[RawEntry]) -> Option<Head> {
        entries.last().map(|e| Head {
            seq: e.seq,
            hash: e.hash.clone(),
        })
    }

    fn check(entries: &[RawEntry]) -> ChainReport {
        verify(entries, head(&chain(5)).as_ref())
    }

    #[test]
    fn an_untouched_chain_is_intact() {
        let report = check(&chain(5));
        assert_eq!(report.checked, 5);
        assert!(report.intact());
        assert!(verify(&[], None).intact());
    }

    #[test]
    fn entries_cut_off_the_end_are_noticed() {
        let mut entries = chain(5);
        entries.truncate(3);
        let broken = check(&entries).broken.unwrap();
        assert_eq!(broken.seq, 4);
        assert!(
            broken.reason.contains("entries 4..5 were deleted"),
            "{}",
            broken.reason
        );
        assert_eq!(check(&[]).broken.unwrap().seq, 1);
        let mut edited_last = chain(5);
        edited_last[4].actor = "mallory".into();
        edited_last[4].hash = entry_hash(&edited_last[4]);
        assert_eq!(check(&edited_last).broken.unwrap().seq, 5);
    }

    #[test]
    fn an_edit_breaks_at_the_edited_entry() {
        let mut entries = chain(5);
        entries[2].actor = "mallory".into();
        let report = check(&entries);
        assert_eq!(report.broken.unwrap().seq, 3);
        assert_eq!(report.checked, 2);
    }

    #[test]
    fn an_edit_with_a_recomputed_hash_breaks_at_the_next_entry() {
        let mut entries = chain(5);
        entries[2].outcome = "denied".into();
        entries[2].hash = entry_hash(&entries[2]);
        assert_eq!(check(&entries).broken.unwrap().seq, 4);
    }

    #[test]
    fn a_deleted_row_breaks_at_the_gap() {
        let mut entries = chain(5);
        entries.remove(1);
        let broken = check(&entries).broken.unwrap();
        assert_eq!(broken.seq, 3);
        assert!(broken.reason.contains("missing"), "{}", broken.reason);
        let mut first_gone = chain(3);
        first_gone.remove(0);
        assert_eq!(check(&first_gone).broken.unwrap().seq, 2);
    }
}
