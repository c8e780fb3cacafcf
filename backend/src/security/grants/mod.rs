//! Issuance grants (issue 21: intermediates are officer decisions): a
//! security officer proposes a standing permission for installs to issue
//! the intermediate CA of named clusters from the mesh root; it becomes
//! active once as many distinct officers agreed as the mesh root's
//! two-person rule asks, and any officer revokes it. An Istio-CA install
//! issues an intermediate only under an active grant, whose approvals are
//! counted again at that moment.

pub mod http;
pub mod issued;

use shared::csr::{GrantState, GrantedIssuance, IssuanceGrant, IssuanceGrants, ProposeGrant};
use shared::ids::ClusterName;
use shared::mesh::{MeshId, TrustDomain};

use crate::error::AppError;
use crate::security::csr::{TWO_PERSON_SIGNERS, default_approvals};
use crate::security::roots::token_failed;
use crate::state::AppState;

/// The fingerprint of each mesh's root in the token now: a grant allows
/// issuing only from the root it was granted under.
struct MeshRootsNow(Vec<(MeshId, String)>);

impl MeshRootsNow {
    async fn read(state: &AppState) -> Result<Self, AppError> {
        let roots = match state.ca() {
            Some(ca) => ca.roots().await.map_err(token_failed)?,
            None => Vec::new(),
        };
        Ok(Self(
            roots
                .into_iter()
                .map(|(mesh, root)| (mesh, root.sha256_fingerprint))
                .collect(),
        ))
    }

    fn of(&self, mesh: &MeshId) -> Option<&str> {
        self.0
            .iter()
            .find(|(m, _)| m == mesh)
            .map(|(_, fingerprint)| fingerprint.as_str())
    }
}

/// Every grant, newest first, with the approvals that count now.
pub async fn list(state: &AppState) -> Result<IssuanceGrants, AppError> {
    let (grants, _) = counted(state, state.clock().now()).await?;
    Ok(IssuanceGrants { grants })
}

/// The officers a grant needs: the mesh root's two-person rule.
fn required(state: &AppState) -> u32 {
    let [root] = TWO_PERSON_SIGNERS;
    state
        .csr_settings()
        .rule(root)
        .map_or(default_approvals(root), |rule| {
            rule.approval_rule().required
        })
}

/// `officer` proposes `body`; it counts as the first approval. Refused
/// before anything is recorded when the proposal breaks its own rules,
/// names a cluster the fleet does not have, or its mesh has no root.
pub async fn propose(
    state: &AppState,
    body: &ProposeGrant,
    officer: &str,
) -> Result<IssuanceGrant, AppError> {
    body.check()
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let unknown: Vec<&str> = body
        .clusters
        .iter()
        .map(ClusterName::as_str)
        .filter(|c| state.fleet().cluster(c).is_none())
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::BadRequest(format!(
            "the fleet has no member {}",
            unknown.join(", ")
        )));
    }
    let root = match state.ca() {
        Some(ca) => ca.root(&body.mesh).await.map_err(token_failed)?,
        None => None,
    };
    let Some(root) = root else {
        return Err(AppError::Conflict(format!(
            "mesh {} has no root: create it on Security → Mesh roots before granting issuance under it",
            body.mesh
        )));
    };
    let now = state.clock().now();
    let mut grant = IssuanceGrant {
        id: format!("g{:016x}", rand::random::<u64>()),
        mesh: body.mesh.clone(),
        root_fingerprint: root.sha256_fingerprint,
        clusters: body.clusters.clone(),
        trust_domain: body.trust_domain.clone(),
        validity_days: body.validity_days,
        expires_at: body.expires_at(now),
        proposed_by: officer.to_owned(),
        proposed_at: now,
        approvals: vec![officer.to_owned()],
        required: required(state),
        state: GrantState::Proposed,
        revoked_by: None,
        revoked_at: None,
    };
    grant.state = grant.state_at(now);
    state.store().add_issuance_grant(&grant).await?;
    Ok(grant)
}

async fn find(state: &AppState, id: &str) -> Result<IssuanceGrant, AppError> {
    state
        .store()
        .issuance_grant(id, state.clock().now())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no issuance grant {id}")))
}

/// `officer` agrees to grant `id`. Refused when it is not waiting for
/// officers (counting only approvals by current officers), or `officer`
/// agreed already (the proposer included).
pub async fn approve(state: &AppState, id: &str, officer: &str) -> Result<IssuanceGrant, AppError> {
    let grant = find(state, id).await?;
    let now = state.clock().now();
    let counting = IssuanceGrant {
        approvals: state.store().officers_among(&grant.approvals).await?,
        required: grant.required.max(required(state)),
        ..grant.clone()
    };
    let roots = MeshRootsNow::read(state).await?;
    let standing = counting.state_under(roots.of(&grant.mesh), now);
    if standing != GrantState::Proposed {
        return Err(AppError::Conflict(format!(
            "issuance grant {id} is {}: only a proposed grant takes approvals",
            standing.label()
        )));
    }
    if grant.approvals.iter().any(|a| a == officer) {
        return Err(AppError::Conflict(format!(
            "{officer} agreed to issuance grant {id} already: another security officer must approve it"
        )));
    }
    let mut approvals = grant.approvals.clone();
    approvals.push(officer.to_owned());
    if !state
        .store()
        .set_grant_approvals(&grant, &approvals)
        .await?
    {
        return Err(AppError::Conflict(format!(
            "issuance grant {id} changed meanwhile: read it again"
        )));
    }
    let mut approved = IssuanceGrant {
        approvals: state.store().officers_among(&approvals).await?,
        required: counting.required,
        ..grant
    };
    approved.state = approved.state_under(roots.of(&approved.mesh), now);
    Ok(approved)
}

/// `officer` ends grant `id`; installs stop issuing under it at once.
pub async fn revoke(state: &AppState, id: &str, officer: &str) -> Result<IssuanceGrant, AppError> {
    let grant = find(state, id).await?;
    let now = state.clock().now();
    if !state.store().revoke_grant(id, officer, now).await? {
        return Err(AppError::Conflict(format!(
            "issuance grant {id} is revoked already"
        )));
    }
    Ok(IssuanceGrant {
        state: GrantState::Revoked,
        revoked_by: Some(officer.to_owned()),
        revoked_at: Some(now),
        ..grant
    })
}

/// Every grant with its approvals counted again: only those by accounts
/// that are security officers now, so a grant whose officers left or were
/// demoted is no longer active.
async fn counted(
    state: &AppState,
    now: i64,
) -> Result<(Vec<IssuanceGrant>, MeshRootsNow), AppError> {
    let mut grants = state.store().issuance_grants(now).await?;
    // A grant proposed while the rule was lowered (on this replica or
    // another) needs what the rule asks now.
    let floor = required(state);
    let roots = MeshRootsNow::read(state).await?;
    for grant in &mut grants {
        grant.approvals = state.store().officers_among(&grant.approvals).await?;
        grant.required = grant.required.max(floor);
        grant.state = grant.state_under(roots.of(&grant.mesh), now);
    }
    Ok((grants, roots))
}

/// What the active grants allow on `cluster` now (preflight's input).
pub async fn granted_on(
    state: &AppState,
    cluster: &ClusterName,
) -> Result<Vec<GrantedIssuance>, AppError> {
    let now = state.clock().now();
    let (grants, roots) = counted(state, now).await?;
    Ok(grants
        .iter()
        .filter_map(|g| g.granted_on(cluster, roots.of(&g.mesh), now))
        .collect())
}

/// The active grant under which `cluster`'s intermediate may be issued
/// now, its approvals counted again.
pub async fn covering(
    state: &AppState,
    mesh: &MeshId,
    cluster: &ClusterName,
    trust_domain: &TrustDomain,
) -> Result<Option<IssuanceGrant>, AppError> {
    let now = state.clock().now();
    let (grants, roots) = counted(state, now).await?;
    Ok(grants
        .into_iter()
        .find(|g| g.covers(mesh, cluster, trust_domain, roots.of(mesh), now)))
}
