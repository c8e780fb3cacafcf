//! The record of mesh roots: which security officer created each root in
//! the token and when, and who retired it. The token holds the key and
//! certificate; this holds the officers' acts.

use shared::csr::{MeshRoot, RootState};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError};

fn state_of(text: &str) -> Result<RootState, StoreError> {
    match text {
        "active" => Ok(RootState::Active),
        "retiring" => Ok(RootState::Retiring),
        "retired" => Ok(RootState::Retired),
        other => Err(StoreError::Corrupt(format!("mesh root state {other:?}"))),
    }
}

fn root_of(row: &AnyRow) -> Result<MeshRoot, StoreError> {
    let mesh: String = row.try_get("mesh")?;
    let created_by: String = row.try_get("created_by")?;
    let created_at: i64 = row.try_get("created_at")?;
    let retired_by: String = row.try_get("retired_by")?;
    let retired_at: i64 = row.try_get("retired_at")?;
    Ok(MeshRoot {
        mesh: mesh
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("mesh root of {mesh:?}: {e}")))?,
        fingerprint: row.try_get("fingerprint")?,
        subject: row.try_get("subject")?,
        not_before: row.try_get("not_before")?,
        not_after: row.try_get("not_after")?,
        created_by: (!created_by.is_empty()).then_some(created_by),
        created_at: (created_at != 0).then_some(created_at),
        imported: row.try_get::<i64, _>("imported")? != 0,
        state: state_of(&row.try_get::<String, _>("state")?)?,
        retired_by: (!retired_by.is_empty()).then_some(retired_by),
        retired_at: (retired_at != 0).then_some(retired_at),
    })
}

impl Store {
    /// Every recorded mesh root, oldest first.
    pub async fn mesh_roots(&self) -> Result<Vec<MeshRoot>, StoreError> {
        let rows = sqlx::query(
            "SELECT fingerprint, mesh, subject, not_before, not_after, created_by, \
             created_at, imported, state, retired_by, retired_at FROM mesh_roots \
             ORDER BY created_at, fingerprint",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(root_of).collect()
    }

    /// Records a root an officer created (`created_by`, `created_at`).
    pub async fn add_mesh_root(&self, root: &MeshRoot) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO mesh_roots (fingerprint, mesh, subject, not_before, not_after, \
             created_by, created_at, state, imported) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(root.fingerprint.clone())
        .bind(root.mesh.to_string())
        .bind(root.subject.clone())
        .bind(root.not_before)
        .bind(root.not_after)
        .bind(root.created_by.clone().unwrap_or_default())
        .bind(root.created_at.unwrap_or_default())
        .bind(root.state.label().to_owned())
        .bind(i64::from(root.imported))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks the root `fingerprint` retired by `officer` at `now`; a root
    /// the token held before roots were recorded gets its row here.
    pub async fn retire_mesh_root(
        &self,
        root: &MeshRoot,
        officer: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let updated = sqlx::query(
            "UPDATE mesh_roots SET state = 'retired', retired_by = $1, retired_at = $2 \
             WHERE fingerprint = $3",
        )
        .bind(officer.to_owned())
        .bind(now)
        .bind(root.fingerprint.clone())
        .execute(&self.pool)
        .await?;
        if updated.rows_affected() == 0 {
            sqlx::query(
                "INSERT INTO mesh_roots (fingerprint, mesh, subject, not_before, not_after, \
                 created_by, created_at, state, retired_by, retired_at) \
                 VALUES ($1, $2, $3, $4, $5, '', 0, 'retired', $6, $7)",
            )
            .bind(root.fingerprint.clone())
            .bind(root.mesh.to_string())
            .bind(root.subject.clone())
            .bind(root.not_before)
            .bind(root.not_after)
            .bind(officer.to_owned())
            .bind(now)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }
}
