//! Verifying the stored log a page at a time, against the store's key and
//! a checkpoint, for `GET /api/audit/verify` and `meshdeck audit verify`.

use shared::{BrokenLink, ChainReport};

use super::chain::Walk;
use super::checkpoint::Checkpoint;
use crate::store::{Store, StoreError};

/// Walks the stored chain page by page with the store's key, compares its
/// end with the recorded head and, when given, with `checkpoint`.
pub async fn verify_log(
    store: &Store,
    checkpoint: Option<&Checkpoint>,
) -> Result<ChainReport, StoreError> {
    let key = store.audit_key();
    if let Some(checkpoint) = checkpoint {
        let signed = match key {
            Some(key) => checkpoint.check(key).map_err(|err| err.to_string()),
            None => Err("the checkpoint cannot be checked without the audit key".to_owned()),
        };
        if let Err(reason) = signed {
            return Ok(ChainReport {
                checked: 0,
                broken: Some(BrokenLink {
                    seq: checkpoint.seq,
                    reason,
                }),
            });
        }
    }
    let mut walk = Walk::new(key, checkpoint);
    let mut looked_again = false;
    loop {
        let page = store.audit_chain_after(walk.last_seq()).await?;
        if page.is_empty() {
            // Entries appended while we walked move the head past the end we
            // saw: look once more before calling them deleted.
            let head = store.audit_head().await?;
            let behind = head.as_ref().is_some_and(|h| h.seq > walk.last_seq());
            if behind && !looked_again {
                looked_again = true;
                continue;
            }
            return Ok(walk.finish(head.as_ref()));
        }
        looked_again = false;
        for entry in &page {
            if !walk.step(entry) {
                let head = store.audit_head().await?;
                return Ok(walk.finish(head.as_ref()));
            }
        }
    }
}

/// [`verify_log`] against the store's own checkpoint file, when it has one
/// and it exists; a checkpoint file that cannot be read is a broken link.
pub async fn verify_with_own_checkpoint(store: &Store) -> Result<ChainReport, StoreError> {
    let checkpoint = match store.audit_checkpoint_file().map(Checkpoint::read) {
        None | Some(Ok(None)) => None,
        Some(Ok(Some(checkpoint))) => Some(checkpoint),
        Some(Err(err)) => {
            return Ok(ChainReport {
                checked: 0,
                broken: Some(BrokenLink {
                    seq: 0,
                    reason: err.to_string(),
                }),
            });
        }
    };
    verify_log(store, checkpoint.as_ref()).await
}
