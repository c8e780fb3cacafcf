//! The audit table: append after the chain's head (keyed when the store
//! has the audit key, with the checkpoint file moved on after each
//! append), and, in [`read`], the pages that read it.

pub mod counts;
mod read;

use shared::{AuditEntry, Outcome};
use sqlx::Row;

use self::read::{COLUMNS, entry_of};
use super::{Store, StoreError};
use crate::audit::chain::{self, RawEntry};
use crate::audit::checkpoint::Checkpoint;

/// An entry about to be appended: everything but its place in the chain.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub at: i64,
    pub actor: String,
    pub role: Option<String>,
    pub action: String,
    pub clusters: Vec<String>,
    pub targets: Vec<String>,
    pub params: Vec<String>,
    pub outcome: Outcome,
    pub request_id: Option<String>,
}

fn json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

impl Store {
    /// Appends `entry` after the current head of the chain, then moves the
    /// checkpoint file on to it.
    pub async fn append_audit(&self, entry: NewEntry) -> Result<AuditEntry, StoreError> {
        let _one_at_a_time = self.audit_append.lock().await;
        // Another process (the CLI beside the server) may take the same
        // place first (only possible for the very first entry, before the
        // head row exists); the primary key refuses the second, which
        // retries after the new head.
        let mut attempts = 0;
        let outcome = entry.outcome;
        let appended = loop {
            match self.try_append(entry.clone()).await {
                Err(StoreError::Sql(sqlx::Error::Database(err)))
                    if err.is_unique_violation() && attempts < 5 =>
                {
                    attempts += 1;
                }
                result => break result.inspect_err(|_| self.audit_counts.failed())?,
            }
        };
        self.audit_counts.written(outcome);
        self.advance_checkpoint(&appended).await;
        Ok(appended)
    }

    async fn try_append(&self, entry: NewEntry) -> Result<AuditEntry, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Writing first takes the write lock before reading the head: SQLite
        // then waits for another writer instead of failing on a stale read,
        // and PostgreSQL queues appends on the head row.
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let head = sqlx::query("SELECT seq, hash, mac FROM audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (prev_seq, prev_hash, prev_mac) = match head {
            Some(row) => (
                row.try_get::<i64, _>("seq")?,
                row.try_get::<String, _>("hash")?,
                row.try_get::<String, _>("mac")?,
            ),
            None => (0, chain::GENESIS.to_owned(), chain::UNKEYED.to_owned()),
        };
        let key = self.audit_key.as_ref();
        let mac = self.mac_after(&prev_mac)?;
        let mut raw = RawEntry {
            seq: prev_seq + 1,
            at: entry.at,
            actor: entry.actor,
            role: entry.role,
            action: entry.action,
            clusters: json(&entry.clusters),
            targets: json(&entry.targets),
            params: json(&entry.params),
            outcome: entry.outcome.slug().to_owned(),
            request_id: entry.request_id,
            prev_hash,
            mac,
            hash: String::new(),
        };
        raw.hash = chain::entry_hash(&raw, key)
            .ok_or_else(|| StoreError::AuditKey("the entry's key is not the store's".into()))?;
        sqlx::query(&format!(
            "INSERT INTO audit ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ))
        .bind(raw.seq)
        .bind(raw.at)
        .bind(raw.actor.clone())
        .bind(raw.role.clone())
        .bind(raw.action.clone())
        .bind(raw.clusters.clone())
        .bind(raw.targets.clone())
        .bind(raw.params.clone())
        .bind(raw.outcome.clone())
        .bind(raw.request_id.clone())
        .bind(raw.prev_hash.clone())
        .bind(raw.mac.clone())
        .bind(raw.hash.clone())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        )
        .bind(raw.seq)
        .bind(raw.hash.clone())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        entry_of(raw)
    }

    /// The `mac` this store writes after an entry made with `prev_mac`.
    /// Once keyed, the chain stays keyed with the same key: a process
    /// without it (or with another) must not carry on unkeyed.
    fn mac_after(&self, prev_mac: &str) -> Result<String, StoreError> {
        let key = self.audit_key.as_ref();
        let mac = key.map_or_else(|| chain::UNKEYED.to_owned(), chain::keyed);
        if prev_mac != chain::UNKEYED && prev_mac != mac {
            return Err(StoreError::AuditKey(format!(
                "the audit log is keyed ({prev_mac}) and this process has {}: give it the log's key with --audit-key-file",
                key.map_or_else(
                    || "no audit key".to_owned(),
                    |k| format!("another key ({})", chain::keyed(k))
                )
            )));
        }
        Ok(mac)
    }

    /// Whether this store may append to the log: refused when the log is
    /// keyed with another key (or this store has none), so a console given
    /// the wrong key stops at startup instead of failing every audited
    /// request.
    pub async fn check_audit_key(&self) -> Result<(), StoreError> {
        let newest: Option<String> =
            sqlx::query_scalar("SELECT mac FROM audit ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        self.mac_after(newest.as_deref().unwrap_or(chain::UNKEYED))
            .map(drop)
    }

    /// Signs `appended` into the checkpoint file, unless the file holds a
    /// checkpoint this log no longer contains: that one is evidence and
    /// stays until someone looks (`meshdeck audit verify` names it). A
    /// failure here is logged; the entry is already stored.
    async fn advance_checkpoint(&self, appended: &AuditEntry) {
        let (Some(key), Some(path)) = (&self.audit_key, &self.audit_checkpoint) else {
            return;
        };
        match Checkpoint::read(path) {
            Ok(Some(old)) if old.check(key).is_ok() => {
                if old.seq >= appended.seq {
                    if old.seq > appended.seq {
                        tracing::error!(
                            checkpoint = old.seq,
                            appended = appended.seq,
                            "the audit log is shorter than its checkpoint: entries were deleted; the checkpoint is kept"
                        );
                    }
                    return;
                }
                let kept = if old.seq == 0 {
                    Ok(Some(chain::GENESIS.to_owned()))
                } else {
                    self.audit_hash_at(old.seq).await
                };
                match kept {
                    Ok(Some(hash)) if hash == old.hash => {}
                    Ok(_) => {
                        tracing::error!(
                            checkpoint = old.seq,
                            "the audit log no longer holds the checkpointed entry: it was rewritten; the checkpoint is kept"
                        );
                        return;
                    }
                    Err(err) => {
                        tracing::error!(error = %err, "cannot compare the audit log with its checkpoint");
                        return;
                    }
                }
            }
            Ok(Some(_)) => tracing::warn!(
                path = %path.display(),
                "the audit checkpoint is not signed by this key: replacing it"
            ),
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "replacing an unreadable audit checkpoint"),
        }
        let checkpoint = Checkpoint::sign(key, appended.seq, &appended.hash, appended.at);
        if let Err(err) = checkpoint.write(path) {
            tracing::error!(error = %err, "cannot write the audit checkpoint");
        }
    }
}
