//! Issuance grants (issue 21: intermediates are officer decisions): a
//! security officer's standing permission for installs to issue a
//! cluster's intermediate CA from the mesh root — for which clusters,
//! which trust domain, how long each intermediate lives, and until when
//! the grant holds. A grant needs as many distinct officers as the mesh
//! root's two-person rule; it is visible to every role and revocable.

use serde::{Deserialize, Serialize};

use crate::ids::ClusterName;
use crate::mesh::{MeshId, TrustDomain};

/// The longest an intermediate issued under a grant may live.
pub const MAX_INTERMEDIATE_DAYS: u32 = 365;
/// The longest a grant may hold.
pub const MAX_GRANT_DAYS: u32 = 366;

const DAY: i64 = 86_400;

/// Where a grant is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum GrantState {
    /// Waiting for more officers.
    Proposed,
    /// Installs on its clusters may issue intermediates.
    Active,
    /// An officer ended it.
    Revoked,
    /// Its time ran out.
    Expired,
    /// The root it was granted under is no longer its mesh's root: the
    /// officers agreed to issue from that root, not from whatever root
    /// the mesh has later.
    RootReplaced,
}

impl GrantState {
    pub fn label(self) -> &'static str {
        match self {
            GrantState::Proposed => "proposed",
            GrantState::Active => "active",
            GrantState::Revoked => "revoked",
            GrantState::Expired => "expired",
            GrantState::RootReplaced => "root replaced",
        }
    }
}

/// One issuance grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct IssuanceGrant {
    pub id: String,
    pub mesh: MeshId,
    /// SHA-256 fingerprint of the mesh root it allows issuing from (the
    /// mesh's root when it was proposed).
    pub root_fingerprint: String,
    /// The members whose intermediates it allows.
    pub clusters: Vec<ClusterName>,
    pub trust_domain: TrustDomain,
    /// The lifetime of each intermediate issued under it.
    pub validity_days: u32,
    /// Unix seconds: the grant ends.
    pub expires_at: i64,
    pub proposed_by: String,
    /// Unix seconds.
    pub proposed_at: i64,
    /// Officers who agreed, the proposer first.
    pub approvals: Vec<String>,
    /// Distinct officers needed before it is active.
    pub required: u32,
    /// Its state when it was listed.
    pub state: GrantState,
    pub revoked_by: Option<String>,
    /// Unix seconds.
    pub revoked_at: Option<i64>,
}

impl IssuanceGrant {
    /// The state at `now` while the mesh's root has fingerprint `root`
    /// (`None`: the mesh has none).
    pub fn state_under(&self, root: Option<&str>, now: i64) -> GrantState {
        match self.state_at(now) {
            done @ (GrantState::Revoked | GrantState::Expired) => done,
            _ if root != Some(self.root_fingerprint.as_str()) => GrantState::RootReplaced,
            state => state,
        }
    }

    /// The state at `now` from what is recorded, its root assumed to stand.
    pub fn state_at(&self, now: i64) -> GrantState {
        if self.revoked_by.is_some() {
            GrantState::Revoked
        } else if now >= self.expires_at {
            GrantState::Expired
        } else if self.approvals.len() < self.required as usize {
            GrantState::Proposed
        } else {
            GrantState::Active
        }
    }

    /// Whether it lets an install issue `cluster`'s intermediate in
    /// `mesh` for `trust_domain` at `now`, from the root `root`.
    pub fn covers(
        &self,
        mesh: &MeshId,
        cluster: &ClusterName,
        trust_domain: &TrustDomain,
        root: Option<&str>,
        now: i64,
    ) -> bool {
        self.state_under(root, now) == GrantState::Active
            && self.mesh == *mesh
            && self.trust_domain == *trust_domain
            && self.clusters.contains(cluster)
    }
}

/// Every grant, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct IssuanceGrants {
    pub grants: Vec<IssuanceGrant>,
}

impl IssuanceGrants {
    /// The grant that lets `cluster`'s intermediate be issued now, if any.
    pub fn covering(
        &self,
        mesh: &MeshId,
        cluster: &ClusterName,
        trust_domain: &TrustDomain,
        root: Option<&str>,
        now: i64,
    ) -> Option<&IssuanceGrant> {
        self.grants
            .iter()
            .find(|g| g.covers(mesh, cluster, trust_domain, root, now))
    }
}

/// What an active grant allows on one cluster: issuing its intermediate
/// in `mesh` for `trust_domain` (preflight's CA check for Istio CA).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct GrantedIssuance {
    pub mesh: MeshId,
    pub trust_domain: TrustDomain,
    /// The grant's id.
    pub grant: String,
}

impl IssuanceGrant {
    /// What it allows on `cluster`, if it is active now (its mesh's root
    /// being `root`) and names it.
    pub fn granted_on(
        &self,
        cluster: &ClusterName,
        root: Option<&str>,
        now: i64,
    ) -> Option<GrantedIssuance> {
        let active = self.state_under(root, now) == GrantState::Active;
        (active && self.clusters.contains(cluster)).then(|| GrantedIssuance {
            mesh: self.mesh.clone(),
            trust_domain: self.trust_domain.clone(),
            grant: self.id.clone(),
        })
    }
}

/// `POST` body: an officer proposes a grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ProposeGrant {
    pub mesh: MeshId,
    pub clusters: Vec<ClusterName>,
    pub trust_domain: TrustDomain,
    /// Lifetime of each intermediate, 1 to [`MAX_INTERMEDIATE_DAYS`].
    pub validity_days: u32,
    /// How long the grant holds from now, 1 to [`MAX_GRANT_DAYS`].
    pub grant_days: u32,
}

/// Why a proposal is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantProblem {
    #[error("a grant names at least one cluster")]
    NoCluster,
    #[error("cluster {0} is named twice")]
    Repeated(ClusterName),
    #[error("an intermediate lives 1 to {MAX_INTERMEDIATE_DAYS} days, not {0}")]
    Validity(u32),
    #[error("a grant holds 1 to {MAX_GRANT_DAYS} days, not {0}")]
    Duration(u32),
}

impl ProposeGrant {
    /// The proposal's own rules, before anything is recorded.
    pub fn check(&self) -> Result<(), GrantProblem> {
        if self.clusters.is_empty() {
            return Err(GrantProblem::NoCluster);
        }
        for (i, c) in self.clusters.iter().enumerate() {
            if self.clusters[..i].contains(c) {
                return Err(GrantProblem::Repeated(c.clone()));
            }
        }
        if !(1..=MAX_INTERMEDIATE_DAYS).contains(&self.validity_days) {
            return Err(GrantProblem::Validity(self.validity_days));
        }
        if !(1..=MAX_GRANT_DAYS).contains(&self.grant_days) {
            return Err(GrantProblem::Duration(self.grant_days));
        }
        Ok(())
    }

    /// When a grant proposed at `now` ends.
    pub fn expires_at(&self, now: i64) -> i64 {
        now + i64::from(self.grant_days) * DAY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: Option<&str> = Some("AA:BB");

    fn grant() -> IssuanceGrant {
        IssuanceGrant {
            id: "g-1".into(),
            mesh: "proj-1".parse().unwrap(),
            root_fingerprint: "AA:BB".into(),
            clusters: vec!["gke-eu".parse().unwrap()],
            trust_domain: "project-a.svc.id.goog".parse().unwrap(),
            validity_days: 30,
            expires_at: 1_000,
            proposed_by: "olivia".into(),
            proposed_at: 0,
            approvals: vec!["olivia".into()],
            required: 2,
            state: GrantState::Proposed,
            revoked_by: None,
            revoked_at: None,
        }
    }

    #[test]
    fn a_grant_covers_its_clusters_only_while_active() {
        let mut g = grant();
        let (mesh, td) = (g.mesh.clone(), g.trust_domain.clone());
        let eu: ClusterName = "gke-eu".parse().unwrap();
        let us: ClusterName = "gke-us".parse().unwrap();
        assert_eq!(g.state_at(10), GrantState::Proposed);
        assert!(
            !g.covers(&mesh, &eu, &td, ROOT, 10),
            "one officer is not enough"
        );
        g.approvals.push("sam".into());
        assert!(g.covers(&mesh, &eu, &td, ROOT, 10));
        assert!(!g.covers(&mesh, &us, &td, ROOT, 10), "another cluster");
        let other: TrustDomain = "other.example".parse().unwrap();
        assert!(
            !g.covers(&mesh, &eu, &other, ROOT, 10),
            "another trust domain"
        );
        assert_eq!(g.state_at(1_000), GrantState::Expired);
        assert!(!g.covers(&mesh, &eu, &td, ROOT, 1_000));
        g.revoked_by = Some("sam".into());
        assert_eq!(g.state_at(10), GrantState::Revoked);
        assert!(!g.covers(&mesh, &eu, &td, ROOT, 10));
    }

    #[test]
    fn a_grant_allows_issuing_only_from_the_root_it_was_granted_under() {
        let mut g = grant();
        g.approvals.push("sam".into());
        let (mesh, td) = (g.mesh.clone(), g.trust_domain.clone());
        let eu: ClusterName = "gke-eu".parse().unwrap();
        assert_eq!(g.state_under(ROOT, 10), GrantState::Active);
        for root in [None, Some("CC:DD")] {
            assert_eq!(g.state_under(root, 10), GrantState::RootReplaced);
            assert!(!g.covers(&mesh, &eu, &td, root, 10));
            assert!(g.granted_on(&eu, root, 10).is_none());
        }
        assert!(g.granted_on(&eu, ROOT, 10).is_some());
        assert_eq!(g.state_under(Some("CC:DD"), 1_000), GrantState::Expired);
    }

    #[test]
    fn proposals_are_checked_before_anything_is_recorded() {
        let ok = ProposeGrant {
            mesh: "proj-1".parse().unwrap(),
            clusters: vec!["gke-eu".parse().unwrap()],
            trust_domain: "project-a.svc.id.goog".parse().unwrap(),
            validity_days: 30,
            grant_days: 90,
        };
        assert_eq!(ok.check(), Ok(()));
        let bad = |f: fn(&mut ProposeGrant)| {
            let mut p = ok.clone();
            f(&mut p);
            p.check().unwrap_err()
        };
        assert_eq!(bad(|p| p.clusters.clear()), GrantProblem::NoCluster);
        assert!(matches!(
            bad(|p| p.clusters.push("gke-eu".parse().unwrap())),
            GrantProblem::Repeated(_)
        ));
        assert_eq!(bad(|p| p.validity_days = 0), GrantProblem::Validity(0));
        assert_eq!(bad(|p| p.validity_days = 400), GrantProblem::Validity(400));
        assert_eq!(bad(|p| p.grant_days = 0), GrantProblem::Duration(0));
        assert_eq!(ok.expires_at(0), 90 * 86_400);
    }
}
