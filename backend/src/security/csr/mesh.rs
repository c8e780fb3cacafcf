//! The mesh a member belongs to, as the signing checks need it: the mesh
//! id whose root signs (the fleet's `proj-<number>`) and the trust domains
//! its identities may name (the member's mesh configuration, else the
//! fleet's trust domain and aliases).

use shared::csr::CsrPolicy;
use shared::mesh::settings::{suggested_mesh_id, suggested_trust_domain_aliases, trust_domain};
use shared::mesh::{CaMode, MeshId};

use super::SignerRule;
use crate::cluster::csr::SigningAccess;
use crate::error::AppError;
use crate::state::AppState;

/// The mesh of member `cluster`.
pub struct MemberMesh {
    pub mesh: Option<MeshId>,
    pub trust_domains: Vec<String>,
}

impl MemberMesh {
    /// The mesh of the member of `access`.
    pub async fn of(state: &AppState, access: &SigningAccess) -> Result<Self, AppError> {
        let cluster = access.cluster();
        let fleet = state.fleet().snapshot();
        let member = fleet
            .clusters
            .iter()
            .find(|c| c.name().as_str() == cluster)
            .ok_or_else(|| AppError::UnknownCluster(cluster.to_owned()))?;
        let material = access.trust().await?;
        let trust_domains = match material.trust_domain {
            Some(td) => {
                let mut all = vec![td];
                for alias in material.trust_domain_aliases {
                    // Aliases usually repeat the trust domain itself.
                    if !all.contains(&alias) {
                        all.push(alias);
                    }
                }
                all
            }
            None => {
                let main = trust_domain(&fleet, CaMode::IstioCaPluginCerts)
                    .map(|t| t.as_str().to_owned())
                    .ok();
                let mut all: Vec<String> = main.into_iter().collect();
                for alias in suggested_trust_domain_aliases(&fleet) {
                    if !all.iter().any(|t| t == alias.as_str()) {
                        all.push(alias.as_str().to_owned());
                    }
                }
                all
            }
        };
        Ok(Self {
            mesh: suggested_mesh_id(&fleet, member),
            trust_domains,
        })
    }

    pub fn policy(&self, rule: &SignerRule) -> CsrPolicy {
        CsrPolicy {
            trust_domains: self.trust_domains.clone(),
            allow_wildcards: rule.allow_wildcards,
        }
    }

    /// The mesh id, or a conflict naming the cluster.
    pub fn mesh_id(&self, cluster: &str) -> Result<&MeshId, AppError> {
        self.mesh.as_ref().ok_or_else(|| {
            AppError::Conflict(format!(
                "no mesh id is known for {cluster} (the fleet description names no project number): the console cannot tell which mesh root signs"
            ))
        })
    }
}
