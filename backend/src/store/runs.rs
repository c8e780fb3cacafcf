//! Every run the console drives, one row each (table `runs`): its kind,
//! id, actor, clusters and state as columns, the plan fixed when it
//! started and the run as last published as JSON. Rewritten on every
//! change, read back to list past runs and resume unfinished ones.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError};

/// The state a stored run is resumed in.
pub const RUNNING: &str = "running";

/// One run as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// `install`, `migration` or `wave`.
    pub kind: &'static str,
    pub id: String,
    pub actor: String,
    /// The clusters it works on, comma-separated.
    pub clusters: String,
    /// [`RUNNING`] while it must be driven; otherwise how it ended (or
    /// `paused`).
    pub state: &'static str,
    /// Unix seconds.
    pub started: i64,
    /// What each step does, JSON; written once, when the run starts.
    pub plan: String,
    /// The run with its steps' outcomes, JSON.
    pub body: String,
}

/// A stored run read back: its plan and its body (JSON).
#[derive(Debug, Clone)]
pub struct StoredRun {
    pub plan: String,
    pub body: String,
}

fn stored(row: &AnyRow) -> Result<StoredRun, StoreError> {
    Ok(StoredRun {
        plan: row.try_get("plan")?,
        body: row.try_get("body")?,
    })
}

impl Store {
    /// Inserts `run`, or updates its state and body (its plan stays as
    /// first written).
    pub async fn save_run(&self, run: &RunRecord, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO runs (kind, id, actor, clusters, state, started, updated, plan, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (kind, id) DO UPDATE SET state = excluded.state, \
             updated = excluded.updated, body = excluded.body",
        )
        .bind(run.kind)
        .bind(run.id.clone())
        .bind(run.actor.clone())
        .bind(run.clusters.clone())
        .bind(run.state)
        .bind(run.started)
        .bind(now)
        .bind(run.plan.clone())
        .bind(run.body.clone())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The run `id` of `kind`, if stored.
    pub async fn run(&self, kind: &str, id: &str) -> Result<Option<StoredRun>, StoreError> {
        let row = sqlx::query("SELECT plan, body FROM runs WHERE kind = $1 AND id = $2")
            .bind(kind.to_owned())
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(stored).transpose()
    }

    /// Every run of `kind`, newest first; `running` only those still to
    /// be driven.
    pub async fn runs(&self, kind: &str, running: bool) -> Result<Vec<StoredRun>, StoreError> {
        let sql = if running {
            "SELECT plan, body FROM runs WHERE kind = $1 AND state = 'running' \
             ORDER BY started DESC, id DESC"
        } else {
            "SELECT plan, body FROM runs WHERE kind = $1 ORDER BY started DESC, id DESC"
        };
        let rows = sqlx::query(sql)
            .bind(kind.to_owned())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(stored).collect()
    }
}
