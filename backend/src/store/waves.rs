//! Wave runs, stored whole as JSON after every step: the runner's record
//! of what is done, read back when a console restarts.

use shared::mesh::migration::waves::{WavePhase, WaveRun};
use sqlx::Row;

use super::{Store, StoreError};

fn phase(run: &WaveRun) -> &'static str {
    match run.phase {
        WavePhase::Running => "running",
        WavePhase::Paused => "paused",
        WavePhase::Finished => "finished",
    }
}

fn parse(body: &str) -> Result<WaveRun, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("wave run: {e}")))
}

impl Store {
    /// Inserts or replaces `run`.
    pub async fn save_wave_run(&self, run: &WaveRun, now: i64) -> Result<(), StoreError> {
        let body = serde_json::to_string(run)
            .map_err(|e| StoreError::Corrupt(format!("wave run: {e}")))?;
        sqlx::query(
            "INSERT INTO wave_runs (id, phase, started, updated, body) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, updated = excluded.updated, body = excluded.body",
        )
        .bind(run.id.clone())
        .bind(phase(run))
        .bind(run.started)
        .bind(now)
        .bind(body)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn wave_run(&self, id: &str) -> Result<Option<WaveRun>, StoreError> {
        let row = sqlx::query("SELECT body FROM wave_runs WHERE id = $1")
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| parse(&r.try_get::<String, _>("body")?))
            .transpose()
    }

    /// Every run, newest first; `running` only those still running.
    pub async fn wave_runs(&self, running: bool) -> Result<Vec<WaveRun>, StoreError> {
        let sql = if running {
            "SELECT body FROM wave_runs WHERE phase = 'running' ORDER BY started DESC, id DESC"
        } else {
            "SELECT body FROM wave_runs ORDER BY started DESC, id DESC"
        };
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| parse(&r.try_get::<String, _>("body")?))
            .collect()
    }
}
