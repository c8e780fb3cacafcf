//! Officers' approvals of certificate signing requests: the two-person
//! rule counts them, so they live in the database, not in memory.

use sqlx::Row;

use super::{Store, StoreError};

impl Store {
    /// The officers who approved request `uid` on `cluster`, in order.
    pub async fn csr_approvals(&self, cluster: &str, uid: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT officer FROM csr_approvals WHERE cluster = $1 AND uid = $2 \
             ORDER BY approved_at, officer",
        )
        .bind(cluster.to_owned())
        .bind(uid.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("officer").map_err(StoreError::from))
            .collect()
    }

    /// Records `officer`'s approval (once: a repeat changes nothing).
    pub async fn add_csr_approval(
        &self,
        cluster: &str,
        uid: &str,
        name: &str,
        officer: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO csr_approvals (cluster, uid, name, officer, approved_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (cluster, uid, officer) DO NOTHING",
        )
        .bind(cluster.to_owned())
        .bind(uid.to_owned())
        .bind(name.to_owned())
        .bind(officer.to_owned())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
