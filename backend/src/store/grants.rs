//! The record of issuance grants: what a security officer allowed installs
//! to issue from the mesh root, who agreed, and who ended it. Each change
//! is one conditional statement, so two officers acting at once cannot
//! both count or both revoke.

use shared::csr::{GrantState, IssuanceGrant};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError};

const COLUMNS: &str = "id, mesh, clusters, trust_domain, validity_days, expires_at, proposed_by, \
     proposed_at, approvals, required, revoked_by, revoked_at, root_fingerprint";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("issuance grant {what}: {e}"))
}

fn grant_of(row: &AnyRow, now: i64) -> Result<IssuanceGrant, StoreError> {
    let mesh: String = row.try_get("mesh")?;
    let trust_domain: String = row.try_get("trust_domain")?;
    let clusters: String = row.try_get("clusters")?;
    let approvals: String = row.try_get("approvals")?;
    let revoked_by: String = row.try_get("revoked_by")?;
    let revoked_at: i64 = row.try_get("revoked_at")?;
    let number = |column: &str| -> Result<u32, StoreError> {
        let n: i64 = row.try_get(column)?;
        u32::try_from(n).map_err(|e| corrupt(column, e))
    };
    let mut grant = IssuanceGrant {
        id: row.try_get("id")?,
        mesh: mesh.parse().map_err(|e| corrupt("mesh", e))?,
        root_fingerprint: row.try_get("root_fingerprint")?,
        clusters: serde_json::from_str(&clusters).map_err(|e| corrupt("clusters", e))?,
        trust_domain: trust_domain
            .parse()
            .map_err(|e| corrupt("trust domain", e))?,
        validity_days: number("validity_days")?,
        expires_at: row.try_get("expires_at")?,
        proposed_by: row.try_get("proposed_by")?,
        proposed_at: row.try_get("proposed_at")?,
        approvals: serde_json::from_str(&approvals).map_err(|e| corrupt("approvals", e))?,
        required: number("required")?,
        state: GrantState::Proposed,
        revoked_by: (!revoked_by.is_empty()).then_some(revoked_by),
        revoked_at: (revoked_at != 0).then_some(revoked_at),
    };
    grant.state = grant.state_at(now);
    Ok(grant)
}

fn json(value: &impl serde::Serialize, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| corrupt(what, e))
}

impl Store {
    /// Every grant, newest first, with its state at `now`.
    pub async fn issuance_grants(&self, now: i64) -> Result<Vec<IssuanceGrant>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM issuance_grants ORDER BY proposed_at DESC, id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| grant_of(row, now)).collect()
    }

    /// Grant `id` with its state at `now`.
    pub async fn issuance_grant(
        &self,
        id: &str,
        now: i64,
    ) -> Result<Option<IssuanceGrant>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM issuance_grants WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| grant_of(&row, now)).transpose()
    }

    /// Records a proposed grant.
    pub async fn add_issuance_grant(&self, grant: &IssuanceGrant) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO issuance_grants ({COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', 0, $11)"
        ))
        .bind(grant.id.clone())
        .bind(grant.mesh.to_string())
        .bind(json(&grant.clusters, "clusters")?)
        .bind(grant.trust_domain.to_string())
        .bind(i64::from(grant.validity_days))
        .bind(grant.expires_at)
        .bind(grant.proposed_by.clone())
        .bind(grant.proposed_at)
        .bind(json(&grant.approvals, "approvals")?)
        .bind(i64::from(grant.required))
        .bind(grant.root_fingerprint.clone())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Replaces the approvals of `grant` with `approvals`, only if they are
    /// still what `grant` read and it is not revoked; false otherwise (an
    /// officer acted meanwhile).
    pub async fn set_grant_approvals(
        &self,
        grant: &IssuanceGrant,
        approvals: &[String],
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE issuance_grants SET approvals = $1 \
             WHERE id = $2 AND approvals = $3 AND revoked_by = ''",
        )
        .bind(json(&approvals, "approvals")?)
        .bind(grant.id.clone())
        .bind(json(&grant.approvals, "approvals")?)
        .execute(&self.pool)
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Marks grant `id` revoked by `officer` at `now`; false when it was
    /// revoked already.
    pub async fn revoke_grant(
        &self,
        id: &str,
        officer: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE issuance_grants SET revoked_by = $1, revoked_at = $2 \
             WHERE id = $3 AND revoked_by = ''",
        )
        .bind(officer.to_owned())
        .bind(now)
        .bind(id.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(updated.rows_affected() == 1)
    }
}
