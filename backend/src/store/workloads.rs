//! Workload migrations: what the console applied for each deployed spec
//! (objects by kind and name, the workload manifests without secrets, the
//! pull secret it added to the default service account), so it can follow
//! the rollout, fix registry access and delete exactly that.

use serde_json::Value;
use shared::workloads::Migration;
use shared::workloads::api::AppliedObject;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError};

/// A migration with the manifests its workloads were applied from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMigration {
    pub migration: Migration,
    pub manifests: Vec<Value>,
}

const COLUMNS: &str = "id, name, cluster, namespace, objects, manifests, service_account_secret, created_by, created_at, updated_at";

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn read(row: &AnyRow) -> Result<StoredMigration, StoreError> {
    let objects: Vec<AppliedObject> =
        serde_json::from_str(&row.try_get::<String, _>("objects")?).map_err(corrupt)?;
    let manifests: Vec<Value> =
        serde_json::from_str(&row.try_get::<String, _>("manifests")?).map_err(corrupt)?;
    Ok(StoredMigration {
        migration: Migration {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            cluster: row.try_get("cluster")?,
            namespace: row.try_get("namespace")?,
            objects,
            service_account_secret: row.try_get("service_account_secret")?,
            created_by: row.try_get("created_by")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        },
        manifests,
    })
}

impl Store {
    /// Records `stored`, replacing the record with its id.
    pub async fn save_migration(&self, stored: &StoredMigration) -> Result<(), StoreError> {
        let m = &stored.migration;
        let objects = serde_json::to_string(&m.objects).map_err(corrupt)?;
        let manifests = serde_json::to_string(&stored.manifests).map_err(corrupt)?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM workload_migrations WHERE id = $1")
            .bind(m.id.clone())
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!(
            "INSERT INTO workload_migrations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(m.id.clone())
        .bind(m.name.clone())
        .bind(m.cluster.clone())
        .bind(m.namespace.clone())
        .bind(objects)
        .bind(manifests)
        .bind(m.service_account_secret.clone())
        .bind(m.created_by.clone())
        .bind(m.created_at)
        .bind(m.updated_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn find_migration(&self, id: &str) -> Result<Option<StoredMigration>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM workload_migrations WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(read).transpose()
    }

    /// The migration named `name` in `cluster`/`namespace`, if any.
    pub async fn find_migration_at(
        &self,
        cluster: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Option<StoredMigration>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM workload_migrations WHERE cluster = $1 AND namespace = $2 AND name = $3"
        ))
        .bind(cluster.to_owned())
        .bind(namespace.to_owned())
        .bind(name.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(read).transpose()
    }

    /// Every migration, newest first.
    pub async fn list_migrations(&self) -> Result<Vec<StoredMigration>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM workload_migrations ORDER BY created_at DESC, name"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(read).collect()
    }

    /// False when there was none.
    pub async fn delete_migration(&self, id: &str) -> Result<bool, StoreError> {
        self.delete_keyed("DELETE FROM workload_migrations WHERE id = $1", id)
            .await
    }
}
