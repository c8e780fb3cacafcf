//! Every run the console drives, one row each (table `runs`): its kind,
//! id, actor, clusters and state as columns, the plan fixed when it
//! started and the run as last published as JSON. Rewritten on every
//! change, read back to list past runs and resume unfinished ones; a
//! running run's lease (owner, expiry) says which replica drives it, and
//! only that replica writes it (the writes are fenced by the owner). A
//! version, raised by every write, lets a decision on a paused run be
//! written only if nobody changed the run since it was read.

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
    /// The replica driving it, and until when (Unix seconds): the
    /// lease, taken by [`Store::claim_run`] and renewed by every write.
    pub owner: String,
    pub lease_until: i64,
}

/// A stored run read back: its id, plan and body (JSON), and its
/// version (raised by every write).
#[derive(Debug, Clone)]
pub struct StoredRun {
    pub id: String,
    pub plan: String,
    pub body: String,
    pub version: i64,
}

const COLUMNS: &str = "id, plan, body, version";

fn stored(row: &AnyRow) -> Result<StoredRun, StoreError> {
    Ok(StoredRun {
        id: row.try_get("id")?,
        plan: row.try_get("plan")?,
        body: row.try_get("body")?,
        version: row.try_get("version")?,
    })
}

impl Store {
    /// Inserts a new `run`, leased to its owner.
    pub async fn create_run(&self, run: &RunRecord, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO runs (kind, id, actor, clusters, state, started, updated, plan, body, \
             owner, lease_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
        .bind(run.owner.clone())
        .bind(run.lease_until)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Writes `run`'s state and body (its plan stays as first written)
    /// and renews its lease, only if `run.owner` still owns it: `false`
    /// when another replica has taken the run over (or it is not stored).
    pub async fn update_run(&self, run: &RunRecord, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE runs SET state = $1, updated = $2, body = $3, lease_until = $4, \
             version = version + 1 WHERE kind = $5 AND id = $6 AND owner = $7",
        )
        .bind(run.state)
        .bind(now)
        .bind(run.body.clone())
        .bind(run.lease_until)
        .bind(run.kind)
        .bind(run.id.clone())
        .bind(run.owner.clone())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Writes `run` (an operator's decision on it) and leases it to
    /// `run.owner`, only if it is still at `version`: `false` when
    /// anything wrote it since it was read.
    pub async fn decide_run(
        &self,
        run: &RunRecord,
        version: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE runs SET state = $1, updated = $2, body = $3, owner = $4, \
             lease_until = $5, version = version + 1 \
             WHERE kind = $6 AND id = $7 AND version = $8",
        )
        .bind(run.state)
        .bind(now)
        .bind(run.body.clone())
        .bind(run.owner.clone())
        .bind(run.lease_until)
        .bind(run.kind)
        .bind(run.id.clone())
        .bind(version)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The run `id` of `kind`, if stored.
    pub async fn run(&self, kind: &str, id: &str) -> Result<Option<StoredRun>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM runs WHERE kind = $1 AND id = $2"
        ))
        .bind(kind.to_owned())
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(stored).transpose()
    }

    /// Every run of `kind`, newest first.
    pub async fn runs(&self, kind: &str) -> Result<Vec<StoredRun>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM runs WHERE kind = $1 ORDER BY started DESC, id DESC"
        ))
        .bind(kind.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored).collect()
    }

    /// How many stored runs there are of each kind in each state (every
    /// replica's, as the table holds them): `(kind, state, count)`.
    pub async fn run_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, state, COUNT(*) AS n FROM runs GROUP BY kind, state ORDER BY kind, state",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("kind")?,
                    row.try_get("state")?,
                    row.try_get("n")?,
                ))
            })
            .collect()
    }

    /// The runs of `kind` still to be driven that `owner` may take: its
    /// own, and those whose lease expired before `now`.
    pub async fn claimable_runs(
        &self,
        kind: &str,
        owner: &str,
        now: i64,
    ) -> Result<Vec<StoredRun>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM runs WHERE kind = $1 AND state = 'running' \
             AND (owner = $2 OR lease_until < $3) ORDER BY started, id"
        ))
        .bind(kind.to_owned())
        .bind(owner.to_owned())
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored).collect()
    }

    /// Takes or renews the lease of run `id` for `owner` until `until`:
    /// `false` when another owner's lease still holds at `now`.
    pub async fn claim_run(
        &self,
        kind: &str,
        id: &str,
        owner: &str,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE runs SET owner = $1, lease_until = $2 WHERE kind = $3 AND id = $4 \
             AND (owner = $1 OR lease_until < $5)",
        )
        .bind(owner.to_owned())
        .bind(until)
        .bind(kind.to_owned())
        .bind(id.to_owned())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
