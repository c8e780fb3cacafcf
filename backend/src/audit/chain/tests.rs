//! The chain against edits, gaps, cuts, downgrades and recomputation.

use super::*;

fn key() -> AuditKey {
    AuditKey::from_bytes([9; 32])
}

/// `n` entries, the first `unkeyed` of them plain SHA-256, the rest
/// keyed with `key`.
fn mixed(n: i64, unkeyed: i64, key: Option<&AuditKey>) -> Vec<RawEntry> {
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
                mac: match key {
                    Some(key) if seq > unkeyed => keyed(key),
                    _ => UNKEYED.to_owned(),
                },
                hash: String::new(),
            };
            e.hash = entry_hash(&e, key).unwrap();
            prev = e.hash.clone();
            e
        })
        .collect()
}

fn chain(n: i64) -> Vec<RawEntry> {
    mixed(n, 0, Some(&key()))
}

fn head(entries: &[RawEntry]) -> Option<Head> {
    entries.last().map(|e| Head {
        seq: e.seq,
        hash: e.hash.clone(),
    })
}

fn check(entries: &[RawEntry]) -> ChainReport {
    verify(entries, head(&chain(5)).as_ref(), Some(&key()), None)
}

fn checkpoint_of(entries: &[RawEntry]) -> Checkpoint {
    let last = entries.last().unwrap();
    Checkpoint::sign(&key(), last.seq, &last.hash, 2000)
}

/// What someone with the database but not the key can do after an
/// edit: recompute every hash with plain SHA-256, and the head.
fn recomputed_without_key(mut entries: Vec<RawEntry>) -> Vec<RawEntry> {
    let mut prev = GENESIS.to_owned();
    for e in &mut entries {
        e.prev_hash = prev;
        e.mac = UNKEYED.into();
        e.hash = entry_hash(e, None).unwrap();
        prev = e.hash.clone();
    }
    entries
}

#[test]
fn an_untouched_chain_is_intact() {
    let report = check(&chain(5));
    assert_eq!(report.checked, 5);
    assert!(report.intact());
    assert!(verify(&[], None, None, None).intact());
    let entries = chain(5);
    let checkpoint = checkpoint_of(&entries[..3]);
    let report = verify(
        &entries,
        head(&entries).as_ref(),
        Some(&key()),
        Some(&checkpoint),
    );
    assert!(report.intact(), "{report:?}");
}

#[test]
fn entries_written_before_the_key_still_verify() {
    let entries = mixed(5, 2, Some(&key()));
    assert_eq!(entries[1].mac, UNKEYED);
    assert_eq!(entries[2].mac, keyed(&key()));
    let report = verify(&entries, head(&entries).as_ref(), Some(&key()), None);
    assert!(report.intact(), "{report:?}");
    let legacy = mixed(3, 3, None);
    assert!(verify(&legacy, head(&legacy).as_ref(), None, None).intact());
}

#[test]
fn an_unkeyed_entry_after_a_keyed_one_is_a_break() {
    // The attacker keeps the keyed entry 3 and rewrites 4..5 unkeyed.
    let mut downgraded = mixed(5, 2, Some(&key()));
    let mut prev = downgraded[2].hash.clone();
    for e in &mut downgraded[3..] {
        e.prev_hash = prev;
        e.mac = UNKEYED.into();
        e.hash = entry_hash(e, None).unwrap();
        prev = e.hash.clone();
    }
    let report = verify(&downgraded, head(&downgraded).as_ref(), Some(&key()), None);
    let broken = report.broken.unwrap();
    assert_eq!(broken.seq, 4);
    assert!(broken.reason.contains("not keyed"), "{}", broken.reason);
}

#[test]
fn an_edit_recomputed_without_the_key_is_noticed() {
    let original = chain(5);
    let checkpoint = checkpoint_of(&original);
    let mut edited = chain(5);
    edited[2].outcome = "denied".into();
    // Recomputed with the old recipe, keeping the keyed scheme name.
    let mut plain = recomputed_without_key(edited);
    for e in &mut plain {
        e.mac = keyed(&key());
    }
    assert_eq!(check(&plain).broken.unwrap().seq, 1);
    // Recomputed as a log that was never keyed: consistent on its own,
    // but not the log the checkpoint signed.
    let mut edited = chain(5);
    edited[2].outcome = "denied".into();
    let plain = recomputed_without_key(edited);
    let head = head(&plain);
    assert!(verify(&plain, head.as_ref(), Some(&key()), None).intact());
    let broken = verify(&plain, head.as_ref(), Some(&key()), Some(&checkpoint))
        .broken
        .unwrap();
    assert_eq!(broken.seq, 5);
    assert!(broken.reason.contains("checkpoint"), "{}", broken.reason);
}

#[test]
fn an_emptied_or_cut_log_fails_against_its_checkpoint() {
    let entries = chain(5);
    let checkpoint = checkpoint_of(&entries);
    let broken = verify(&[], None, Some(&key()), Some(&checkpoint))
        .broken
        .unwrap();
    assert_eq!(broken.seq, 1);
    assert!(broken.reason.contains("emptied"), "{}", broken.reason);
    // Cut to 3 with the head moved back: consistent without the
    // checkpoint, not with it.
    let cut = &entries[..3];
    assert!(verify(cut, head(cut).as_ref(), Some(&key()), None).intact());
    let broken = verify(cut, head(cut).as_ref(), Some(&key()), Some(&checkpoint))
        .broken
        .unwrap();
    assert_eq!(broken.seq, 4);
    assert!(
        broken.reason.contains("entries 4..5 were deleted"),
        "{}",
        broken.reason
    );
}

#[test]
fn a_keyed_entry_needs_its_key() {
    let entries = chain(2);
    let other = AuditKey::from_bytes([1; 32]);
    let broken = verify(&entries, head(&entries).as_ref(), Some(&other), None)
        .broken
        .unwrap();
    assert_eq!(broken.seq, 1);
    assert!(broken.reason.contains("other than"), "{}", broken.reason);
    assert!(!verify(&entries, head(&entries).as_ref(), None, None).intact());
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
    edited_last[4].hash = entry_hash(&edited_last[4], Some(&key())).unwrap();
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
    entries[2].hash = entry_hash(&entries[2], Some(&key())).unwrap();
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
