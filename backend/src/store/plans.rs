//! Reviewed plans (table `plans`): what an operator reviewed, kept until
//! it is run or expires, so the replica that runs it need not be the one
//! that reviewed it.

use sqlx::Row;

use super::{Store, StoreError};

impl Store {
    /// Keeps plan `id` of `kind` (its review as JSON, `body`), reviewed
    /// at `created`; forgets the plans of `kind` reviewed before
    /// `expired_before`.
    pub async fn save_plan(
        &self,
        kind: &str,
        id: &str,
        created: i64,
        body: &str,
        expired_before: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM plans WHERE kind = $1 AND created < $2")
            .bind(kind.to_owned())
            .bind(expired_before)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO plans (kind, id, created, body) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kind, id) DO UPDATE SET created = excluded.created, body = excluded.body",
        )
        .bind(kind.to_owned())
        .bind(id.to_owned())
        .bind(created)
        .bind(body.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Plan `id` of `kind` as kept (JSON), unless reviewed before
    /// `expired_before`.
    pub async fn plan(
        &self,
        kind: &str,
        id: &str,
        expired_before: i64,
    ) -> Result<Option<String>, StoreError> {
        let row =
            sqlx::query("SELECT body FROM plans WHERE kind = $1 AND id = $2 AND created >= $3")
                .bind(kind.to_owned())
                .bind(id.to_owned())
                .bind(expired_before)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| r.try_get::<String, _>("body")).transpose()?)
    }
}
