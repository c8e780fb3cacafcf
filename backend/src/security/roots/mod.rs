//! Mesh roots are the security officer's (issue 21): listing them (the
//! token's roots with the record of who created and retired each),
//! creating one in the token, importing one whose key the HSM's own
//! tooling generated there, rotating one (the new root signs, the old
//! stays trusted as the previous root until it is retired), and retiring
//! one nothing chains to any more. No other path creates root key
//! material.

pub mod http;
pub mod publish;

use shared::csr::{MeshRoot, MeshRoots, RootRotated, RootState, normalise_fingerprint};
use shared::mesh::MeshId;

use crate::error::AppError;
use crate::security::ca::pem_text::single_certificate;
use crate::security::ca::{CaError, CertificateAuthority, RootCertificate};
use crate::state::AppState;

fn token(state: &AppState) -> Result<&CertificateAuthority, AppError> {
    state.ca().ok_or_else(|| {
        AppError::Conflict(
            "the console has no PKCS#11 token configured (--pkcs11-module, --pkcs11-token, --pkcs11-pin-file): there is nowhere to keep a mesh root".into(),
        )
    })
}

/// A failure of the token, as the officer is told it.
pub(crate) fn token_failed(e: CaError) -> AppError {
    AppError::Internal(format!("the mesh root token: {e}"))
}

/// A root the token holds, described for the list.
fn active(mesh: MeshId, root: &RootCertificate) -> MeshRoot {
    MeshRoot {
        mesh,
        fingerprint: root.sha256_fingerprint.clone(),
        subject: root.subject.clone(),
        not_before: root.not_before,
        not_after: root.not_after,
        created_by: None,
        created_at: None,
        imported: false,
        state: RootState::Active,
        retired_by: None,
        retired_at: None,
    }
}

/// Every mesh root: those in the token (with who created them, when the
/// console recorded it; a rotated-out root as retiring), then the retired
/// ones on record.
pub async fn list(state: &AppState) -> Result<MeshRoots, AppError> {
    let recorded = state.store().mesh_roots().await?;
    let (signing, previous) = match state.ca() {
        Some(ca) => (
            ca.roots().await.map_err(token_failed)?,
            ca.previous_roots().await.map_err(token_failed)?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let in_token = signing
        .iter()
        .map(|root| (root, RootState::Active))
        .chain(previous.iter().map(|root| (root, RootState::Retiring)));
    let mut roots: Vec<MeshRoot> = in_token
        .map(|((mesh, root), state)| {
            let mut listed = MeshRoot {
                state,
                ..active(mesh.clone(), root)
            };
            if let Some(record) = recorded
                .iter()
                .find(|r| r.fingerprint == listed.fingerprint)
            {
                listed.created_by.clone_from(&record.created_by);
                listed.created_at = record.created_at;
                listed.imported = record.imported;
            }
            listed
        })
        .collect();
    for record in recorded {
        if !roots.iter().any(|r| r.fingerprint == record.fingerprint) {
            // Not in the token: whatever the record said, its key is gone.
            roots.push(MeshRoot {
                state: RootState::Retired,
                ..record
            });
        }
    }
    // Active, then retiring (rotated out), then retired; by mesh within.
    roots.sort_by_key(|r| (r.state, r.mesh.to_string()));
    Ok(MeshRoots { roots })
}

/// Creates the root of `mesh` in the token, recorded as `officer`'s.
/// A conflict when the mesh has an active root.
pub async fn create(state: &AppState, mesh: &MeshId, officer: &str) -> Result<MeshRoot, AppError> {
    let ca = token(state)?;
    if let Some(root) = ca.root(mesh).await.map_err(token_failed)? {
        return Err(exists(mesh, &root.sha256_fingerprint));
    }
    let root = ca.create_root(mesh).await.map_err(|e| match e {
        CaError::RootExists { .. } => exists(mesh, "created meanwhile"),
        other => token_failed(other),
    })?;
    let created = MeshRoot {
        created_by: Some(officer.to_owned()),
        created_at: Some(state.clock().now()),
        ..active(mesh.clone(), &root)
    };
    record_or_undo(state, ca, &created).await?;
    Ok(created)
}

/// Imports the PEM certificate `pem` as the root of `mesh`, recorded as
/// `officer`'s: its key pair must already be in the token (sensitive,
/// never extractable). A 400 when the text is not one root certificate, a
/// conflict when the mesh has a root or the token holds no key for it.
pub async fn import(
    state: &AppState,
    mesh: &MeshId,
    pem: &str,
    officer: &str,
) -> Result<MeshRoot, AppError> {
    let ca = token(state)?;
    let der = single_certificate(pem, "the root certificate")
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    if let Some(root) = ca.root(mesh).await.map_err(token_failed)? {
        return Err(exists(mesh, &root.sha256_fingerprint));
    }
    // A retired root stays retired: importing it again would bring back
    // the grants officers made under it.
    let offered = crate::security::ca::fingerprint(&der);
    if let Some(known) = list(state)
        .await?
        .roots
        .into_iter()
        .find(|r| r.fingerprint == offered)
    {
        return Err(AppError::Conflict(if known.state == RootState::Retired {
            format!(
                "the root {offered} was mesh {}'s root before: a retired root does not come back; import a new one",
                known.mesh
            )
        } else {
            format!(
                "the root {offered} is mesh {}'s {} root already: one root serves one mesh",
                known.mesh,
                known.state.label()
            )
        }));
    }
    let root = ca.import_root(mesh, der).await.map_err(|e| match e {
        CaError::NotImportable(_) => AppError::BadRequest(e.to_string()),
        CaError::NoKeyInToken(_) => AppError::Conflict(e.to_string()),
        CaError::RootExists { .. } => exists(mesh, "created meanwhile"),
        other => token_failed(other),
    })?;
    let imported = MeshRoot {
        created_by: Some(officer.to_owned()),
        created_at: Some(state.clock().now()),
        imported: true,
        ..active(mesh.clone(), &root)
    };
    record_or_undo(state, ca, &imported).await?;
    Ok(imported)
}

/// Rotates the active root with `fingerprint`: a new root is created in
/// the token and signs from now on, the old one stays trusted as the
/// previous root, and the trust bundle (both roots) is published to the
/// mesh's members at once. Refused while an earlier rotation is underway.
pub async fn rotate(
    state: &AppState,
    fingerprint: &str,
    officer: &str,
) -> Result<RootRotated, AppError> {
    let ca = token(state)?;
    let old = find(state, fingerprint).await?;
    let fingerprint = old.fingerprint.clone();
    if old.state != RootState::Active {
        return Err(AppError::Conflict(format!(
            "the root {fingerprint} of mesh {} is {}: only the signing root is rotated",
            old.mesh,
            old.state.label()
        )));
    }
    let new = ca
        .rotate_root(&old.mesh, &old.fingerprint)
        .await
        .map_err(|e| match e {
            CaError::RotationUnderway { .. } | CaError::RootChanged { .. } => {
                AppError::Conflict(e.to_string())
            }
            other => token_failed(other),
        })?;
    let root = MeshRoot {
        created_by: Some(officer.to_owned()),
        created_at: Some(state.clock().now()),
        ..active(old.mesh.clone(), &new)
    };
    state.store().add_mesh_root(&root).await?;
    let published = publish::publish(state, &root.mesh).await?;
    Ok(RootRotated { root, published })
}

/// The mesh of the root with `fingerprint`, while the token holds it.
pub async fn mesh_of(state: &AppState, fingerprint: &str) -> Result<MeshId, AppError> {
    let root = find(state, fingerprint).await?;
    if root.state == RootState::Retired {
        return Err(AppError::NotFound(format!(
            "no mesh root {} in the token",
            root.fingerprint
        )));
    }
    Ok(root.mesh)
}

/// The root with `fingerprint` (any spelling), in the token or on record.
async fn find(state: &AppState, fingerprint: &str) -> Result<MeshRoot, AppError> {
    let fingerprint = normalise_fingerprint(fingerprint);
    list(state)
        .await?
        .roots
        .into_iter()
        .find(|r| r.fingerprint == fingerprint)
        .ok_or_else(|| AppError::NotFound(format!("no mesh root {fingerprint}")))
}

/// Records a root just made in the token; when the record cannot be
/// written, the root leaves the token again, so no root stands that
/// nobody recorded.
async fn record_or_undo(
    state: &AppState,
    ca: &CertificateAuthority,
    root: &MeshRoot,
) -> Result<(), AppError> {
    let Err(e) = state.store().add_mesh_root(root).await else {
        return Ok(());
    };
    if let Err(undo) = ca.retire_root(&root.mesh, &root.fingerprint).await {
        tracing::error!(mesh = %root.mesh, fingerprint = %root.fingerprint, "a root the console could not record stays in the token: {undo}");
    }
    Err(e.into())
}

fn exists(mesh: &MeshId, fingerprint: &str) -> AppError {
    AppError::Conflict(format!(
        "mesh {mesh} already has an active root ({fingerprint}): retire it before creating another"
    ))
}

/// Retires the root with `fingerprint`: its key and certificate leave the
/// token, and the record says who retired it. Refused while a member's
/// control plane still holds it (istiod's `cacerts` or HSM chain leads
/// to it), or while a member cannot be read to tell.
pub async fn retire(
    state: &AppState,
    fingerprint: &str,
    officer: &str,
) -> Result<MeshRoot, AppError> {
    let ca = token(state)?;
    let root = find(state, fingerprint).await?;
    let fingerprint = root.fingerprint.clone();
    if root.state == RootState::Retired {
        return Err(AppError::Conflict(format!(
            "the root {fingerprint} of mesh {} is retired already",
            root.mesh
        )));
    }
    if root.state == RootState::Active
        && ca
            .previous_roots()
            .await
            .map_err(token_failed)?
            .iter()
            .any(|(m, _)| *m == root.mesh)
    {
        return Err(AppError::Conflict(format!(
            "the root {fingerprint} of mesh {} signs during a rotation: retire the previous root first, once nothing chains to it",
            root.mesh
        )));
    }
    let inventory = crate::security::trust::inventory(state).await;
    let holding: Vec<&str> = inventory
        .clusters
        .iter()
        .filter(|c| c.root_fingerprint.as_deref() == Some(fingerprint.as_str()))
        .map(|c| c.cluster.as_str())
        .collect();
    if !holding.is_empty() {
        return Err(AppError::Conflict(format!(
            "{} still chain to the root {fingerprint} of mesh {}: re-issue their intermediates from the mesh's new root (rotate, then run their installs), or uninstall them, first",
            holding.join(", "),
            root.mesh
        )));
    }
    let unread: Vec<&str> = inventory
        .clusters
        .iter()
        .filter(|c| c.error.is_some())
        .map(|c| c.cluster.as_str())
        .collect();
    if !unread.is_empty() {
        return Err(AppError::Conflict(format!(
            "cannot tell whether {} chain to the root {fingerprint}: they could not be read; retire it once they can",
            unread.join(", ")
        )));
    }
    ca.retire_root(&root.mesh, &root.fingerprint)
        .await
        .map_err(|e| match e {
            CaError::RootChanged { .. } => AppError::Conflict(e.to_string()),
            other => token_failed(other),
        })?;
    let now = state.clock().now();
    state.store().retire_mesh_root(&root, officer, now).await?;
    Ok(MeshRoot {
        state: RootState::Retired,
        retired_by: Some(officer.to_owned()),
        retired_at: Some(now),
        ..root
    })
}
