//! Reading the audit table: filtered pages for the activity view, and the
//! pages export and verification walk. Nothing here loads the whole table.

use shared::{AuditEntry, AuditFilter, Outcome};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::chain::{Head, RawEntry};
use crate::store::{Store, StoreError};

enum Bind {
    Text(String),
    Int(i64),
}

pub(super) const COLUMNS: &str = "seq, at, actor, role, action, clusters, targets, params, outcome, request_id, prev_hash, mac, hash";

fn list(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text)
        .map_err(|err| StoreError::Corrupt(format!("audit list {text:?}: {err}")))
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
        mac: row.try_get("mac")?,
        hash: row.try_get("hash")?,
    })
}

/// A stored row with its lists parsed.
pub(super) fn entry_of(raw: RawEntry) -> Result<AuditEntry, StoreError> {
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

/// The conditions of `filter` (and `seq < before`, when given), with
/// their bind values in placeholder order.
#[derive(Default)]
struct Conditions {
    conditions: Vec<String>,
    binds: Vec<Bind>,
}

impl Conditions {
    fn of(filter: &AuditFilter, before: Option<i64>) -> Self {
        let mut this = Self::default();
        if let Some(actor) = filter.actor.as_deref().filter(|s| !s.is_empty()) {
            this.push("actor = ?", Bind::Text(actor.to_owned()));
        }
        if let Some(action) = filter.action.as_deref().filter(|s| !s.is_empty()) {
            this.push(
                "action LIKE ? ESCAPE '\\'",
                Bind::Text(format!("{}%", escape_like(action))),
            );
        }
        if let Some(cluster) = filter.cluster.as_deref().filter(|s| !s.is_empty()) {
            this.push(
                "clusters LIKE ? ESCAPE '\\'",
                Bind::Text(format!("%\"{}\"%", escape_like(cluster))),
            );
        }
        if let Some(outcome) = filter.outcome {
            this.push("outcome = ?", Bind::Text(outcome.slug().to_owned()));
        }
        if let Some(since) = filter.since {
            this.push("at >= ?", Bind::Int(since));
        }
        if let Some(until) = filter.until {
            this.push("at < ?", Bind::Int(until));
        }
        if filter.changes_only {
            this.push(
                "outcome = ?",
                Bind::Text(Outcome::Success.slug().to_owned()),
            );
            this.push("action NOT LIKE ?", Bind::Text("session.%".to_owned()));
            for look in shared::action_titles::LOOKS_ONLY {
                this.push("action <> ?", Bind::Text(look.to_owned()));
            }
        }
        if let Some(before) = before {
            this.push("seq < ?", Bind::Int(before));
        }
        this
    }

    fn push(&mut self, condition: &str, bind: Bind) {
        self.binds.push(bind);
        self.conditions
            .push(condition.replace('?', &format!("${}", self.binds.len())));
    }

    /// The next placeholder, bound to `bind`.
    fn placeholder(&mut self, bind: Bind) -> String {
        self.binds.push(bind);
        format!("${}", self.binds.len())
    }

    /// ` WHERE …`, or nothing without conditions.
    fn clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }

    fn bind<'q>(
        self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for bind in self.binds {
            query = match bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(n) => query.bind(n),
            };
        }
        query
    }
}

impl Store {
    /// One page of entries matching `filter`, newest first, and how many
    /// match in all.
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<AuditEntry>, i64), StoreError> {
        let count = Conditions::of(filter, None);
        let sql = format!("SELECT COUNT(*) AS n FROM audit{}", count.clause());
        let total: i64 = count
            .bind(sqlx::query(&sql))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let mut page_of = Conditions::of(filter, None);
        let clause = page_of.clause();
        let limit = page_of.placeholder(Bind::Int(i64::from(per_page)));
        let offset = page_of.placeholder(Bind::Int(
            i64::from(page.saturating_sub(1)) * i64::from(per_page),
        ));
        let sql = format!(
            "SELECT {COLUMNS} FROM audit{clause} ORDER BY seq DESC LIMIT {limit} OFFSET {offset}"
        );
        let rows = page_of
            .bind(sqlx::query(&sql))
            .fetch_all(&self.pool)
            .await?;
        let entries = rows
            .iter()
            .map(|row| entry_of(raw_entry(row)?))
            .collect::<Result<_, _>>()?;
        Ok((entries, total))
    }

    /// Up to [`Store::audit_page_size`] entries matching `filter`, newest
    /// first, older than entry `before` when given (for export, a page at
    /// a time).
    pub async fn audit_matching_before(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut matching = Conditions::of(filter, before);
        let clause = matching.clause();
        let limit = matching.placeholder(Bind::Int(self.audit_page));
        let sql = format!("SELECT {COLUMNS} FROM audit{clause} ORDER BY seq DESC LIMIT {limit}");
        let rows = matching
            .bind(sqlx::query(&sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| entry_of(raw_entry(row)?)).collect()
    }

    /// Up to [`Store::audit_page_size`] entries of the chain as stored,
    /// oldest first, after entry `after` (0 for the first page).
    pub async fn audit_chain_after(&self, after: i64) -> Result<Vec<RawEntry>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(self.audit_page)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(raw_entry).collect()
    }

    /// The head recorded by the last append (`None` before the first).
    pub async fn audit_head(&self) -> Result<Option<Head>, StoreError> {
        sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .map(|row| {
                Ok(Head {
                    seq: row.try_get("seq")?,
                    hash: row.try_get("hash")?,
                })
            })
            .transpose()
    }

    /// The stored hash of entry `seq`, if there is such an entry.
    pub async fn audit_hash_at(&self, seq: i64) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query("SELECT hash FROM audit WHERE seq = $1")
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| row.try_get("hash"))
            .transpose()?)
    }
}
