//! The audit table: append after the chain's head, filtered pages, and the
//! full chain for verification and export.

use shared::{AuditEntry, AuditFilter, Outcome};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError};
use crate::audit::chain::{self, Head, RawEntry};

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

enum Bind {
    Text(String),
    Int(i64),
}

const COLUMNS: &str =
    "seq, at, actor, role, action, clusters, targets, params, outcome, request_id, prev_hash, hash";

fn list(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text)
        .map_err(|err| StoreError::Corrupt(format!("audit list {text:?}: {err}")))
}

fn json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// A stored row, as the chain hashes it.
fn raw_entry(row: &AnyRow) -> Result<RawEntry, StoreError> {
    Ok(RawEntry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        role: row.try_get("role")?,
        action: row.try_get("action")?,
        clusters: row.try_get("clusters")?,
        targets: row.try_get("targets")?,
        params: row.try_get("params")?,
        outcome: row.try_get("outcome")?,
        request_id: row.try_get("request_id")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// A stored row with its lists parsed.
fn entry_of(raw: RawEntry) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: raw.seq,
        at: raw.at,
        actor: raw.actor,
        role: raw.role,
        action: raw.action,
        clusters: list(&raw.clusters)?,
        targets: list(&raw.targets)?,
        params: list(&raw.params)?,
        outcome: raw.outcome.parse().map_err(StoreError::Corrupt)?,
        request_id: raw.request_id,
        prev_hash: raw.prev_hash,
        hash: raw.hash,
    })
}

fn escape_like(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// `WHERE …` for `filter`, with its bind values in placeholder order.
fn where_clause(filter: &AuditFilter) -> (String, Vec<Bind>) {
    let mut conditions = Vec::new();
    let mut binds = Vec::new();
    let mut push = |condition: &str, bind: Bind| {
        binds.push(bind);
        conditions.push(condition.replace('?', &format!("${}", binds.len())));
    };
    if let Some(actor) = filter.actor.as_deref().filter(|s| !s.is_empty()) {
        push("actor = ?", Bind::Text(actor.to_owned()));
    }
    if let Some(action) = filter.action.as_deref().filter(|s| !s.is_empty()) {
        push(
            "action LIKE ? ESCAPE '\\'",
            Bind::Text(format!("{}%", escape_like(action))),
        );
    }
    if let Some(cluster) = filter.cluster.as_deref().filter(|s| !s.is_empty()) {
        push(
            "clusters LIKE ? ESCAPE '\\'",
            Bind::Text(format!("%\"{}\"%", escape_like(cluster))),
        );
    }
    if let Some(outcome) = filter.outcome {
        push("outcome = ?", Bind::Text(outcome.slug().to_owned()));
    }
    if let Some(since) = filter.since {
        push("at >= ?", Bind::Int(since));
    }
    if let Some(until) = filter.until {
        push("at < ?", Bind::Int(until));
    }
    let clause = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    (clause, binds)
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: Vec<Bind>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for bind in binds {
        query = match bind {
            Bind::Text(text) => query.bind(text),
            Bind::Int(n) => query.bind(n),
        };
    }
    query
}

impl Store {
    /// Appends `entry` after the current head of the chain.
    pub async fn append_audit(&self, entry: NewEntry) -> Result<AuditEntry, StoreError> {
        let _one_at_a_time = self.audit_append.lock().await;
        // Another process (the CLI beside the server) may take the same
        // place first (only possible for the very first entry, before the
        // head row exists); the primary key refuses the second, which
        // retries after the new head.
        let mut attempts = 0;
        loop {
            match self.try_append(entry.clone()).await {
                Err(StoreError::Sql(sqlx::Error::Database(err)))
                    if err.is_unique_violation() && attempts < 5 =>
                {
                    attempts += 1;
                }
                result => return result,
            }
        }
    }

    async fn try_append(&self, entry: NewEntry) -> Result<AuditEntry, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Writing first takes the write lock before reading the head: SQLite
        // then waits for another writer instead of failing on a stale read,
        // and PostgreSQL queues appends on the head row.
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let head = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (prev_seq, prev_hash) = match head {
            Some(row) => (
                row.try_get::<i64, _>("seq")?,
                row.try_get::<String, _>("hash")?,
            ),
            None => (0, chain::GENESIS.to_owned()),
        };
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
            hash: String::new(),
        };
        raw.hash = chain::entry_hash(&raw);
        sqlx::query(&format!(
            "INSERT INTO audit ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
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

    /// One page of entries matching `filter`, newest first, and how many
    /// match in all.
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<AuditEntry>, i64), StoreError> {
        let (clause, binds) = where_clause(filter);
        let total: i64 = bind_all(
            sqlx::query(&format!("SELECT COUNT(*) AS n FROM audit{clause}")),
            binds,
        )
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let (clause, mut binds) = where_clause(filter);
        let n = binds.len();
        binds.push(Bind::Int(i64::from(per_page)));
        binds.push(Bind::Int(
            i64::from(page.saturating_sub(1)) * i64::from(per_page),
        ));
        let sql = format!(
            "SELECT {COLUMNS} FROM audit{clause} ORDER BY seq DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let rows = bind_all(sqlx::query(&sql), binds)
            .fetch_all(&self.pool)
            .await?;
        let entries = rows
            .iter()
            .map(|row| entry_of(raw_entry(row)?))
            .collect::<Result<_, _>>()?;
        Ok((entries, total))
    }

    /// Every entry matching `filter`, newest first (for export).
    pub async fn audit_matching(
        &self,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let (clause, binds) = where_clause(filter);
        let sql = format!("SELECT {COLUMNS} FROM audit{clause} ORDER BY seq DESC");
        let rows = bind_all(sqlx::query(&sql), binds)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| entry_of(raw_entry(row)?)).collect()
    }

    /// The whole chain as stored, oldest first, and the head recorded by
    /// the last append (`None` before the first).
    pub async fn audit_chain(&self) -> Result<(Vec<RawEntry>, Option<Head>), StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"))
            .fetch_all(&self.pool)
            .await?;
        let entries = rows.iter().map(raw_entry).collect::<Result<_, _>>()?;
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .map(|row| {
                Ok::<_, StoreError>(Head {
                    seq: row.try_get("seq")?,
                    hash: row.try_get("hash")?,
                })
            })
            .transpose()?;
        Ok((entries, head))
    }
}
