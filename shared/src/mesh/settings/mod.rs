//! The settings an operator chooses for an install (the seeds' kpt setters
//! and IstioOperator fields), the values the console suggests for them, and
//! the cross-field rules that make them installable.
//!
//! The validated names live in [`names`], the suggested values in
//! [`suggest`].

mod names;
mod suggest;
#[cfg(test)]
pub(crate) mod tests;

use serde::{Deserialize, Serialize};

use super::revision::{Revision, VersionTag};
use crate::ClusterName;
use crate::fleet::{Cluster, Fleet, Platform};

pub use self::names::{MeshId, NetworkId, TrustDomain, check_label_value, project_trust_domain};
use self::suggest::fleet_project;
pub use self::suggest::{suggested_mesh_id, suggested_trust_domain_aliases, trust_domain};

/// The install profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// GKE clusters of a multi-project mesh (seed 000).
    AsmGcpMultiproject,
    /// Clusters outside Google Cloud: GKE on VMware, bare metal, attached
    /// (seeds 001, 004).
    AsmMulticloud,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::AsmGcpMultiproject => "asm-gcp-multiproject",
            Profile::AsmMulticloud => "asm-multicloud",
        }
    }

    /// The profile the seeds use for a platform.
    pub fn for_platform(platform: Platform) -> Self {
        match platform {
            Platform::Gke => Profile::AsmGcpMultiproject,
            _ => Profile::AsmMulticloud,
        }
    }
}

/// Who signs workload certificates (SPEC §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaMode {
    /// Google's managed Mesh CA: needs the cluster's fleet Membership.
    MeshCa,
    /// Istio CA with plug-in certificates: secret `cacerts` holding an
    /// intermediate issued by the mesh's root.
    IstioCaPluginCerts,
    /// istiod's CA key in a hardware security module.
    Hsm,
}

impl CaMode {
    pub const ALL: [CaMode; 3] = [CaMode::MeshCa, CaMode::IstioCaPluginCerts, CaMode::Hsm];

    pub fn title(self) -> &'static str {
        match self {
            CaMode::MeshCa => "Mesh CA",
            CaMode::IstioCaPluginCerts => "Istio CA with plug-in certificates",
            CaMode::Hsm => "HSM-protected istiod CA key",
        }
    }

    /// What the mode needs before an install can use it.
    pub fn requirement(self) -> &'static str {
        match self {
            CaMode::MeshCa => {
                "the cluster's fleet Membership; workload identities use the trust domain <FLEET_PROJECT>.svc.id.goog"
            }
            CaMode::IstioCaPluginCerts => {
                "the mesh's root CA: the console issues this cluster an intermediate and writes secret istio-system/cacerts before istiod starts"
            }
            CaMode::Hsm => {
                "a slot on the HSM with the cluster's key-encryption key, its PIN in Vault; istiod then waits (2/3 Ready) until a security officer signs its encrypted CSR and the console writes secret istio-system/istio-ca-cert"
            }
        }
    }
}

/// The settings of one install on one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct InstallSettings {
    pub revision: Revision,
    pub version: VersionTag,
    pub profile: Profile,
    pub mesh_id: MeshId,
    /// `values.global.multiCluster.clusterName`.
    pub cluster_name: ClusterName,
    pub network: NetworkId,
    /// Every project of a multi-project mesh, as `<PROJECT>.svc.id.goog`.
    pub trust_domain_aliases: Vec<TrustDomain>,
    pub ca: CaMode,
    /// The HSM slot, KEK and Vault secret (HSM mode only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hsm: Option<super::hsm::HsmSettings>,
}

/// Which setting a problem is about (the form field to mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SettingsField {
    Revision,
    Version,
    Profile,
    MeshId,
    ClusterName,
    Network,
    TrustDomainAliases,
    Ca,
    HsmSlotLabel,
    HsmKekId,
    HsmVaultAddr,
    HsmSecretPath,
}

/// Why settings cannot be installed as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[error("{message}")]
pub struct SettingsProblem {
    pub field: SettingsField,
    pub message: String,
}

impl SettingsProblem {
    pub(super) fn new(field: SettingsField, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl InstallSettings {
    /// What the console pre-fills for `cluster` at `version`: the seeds'
    /// revision for the tag, the platform's profile, the fleet's mesh id,
    /// the member's name and network, every project's trust domain, and
    /// Istio CA. `None` when no project number is known for the mesh id.
    pub fn suggested(fleet: &Fleet, cluster: &Cluster, version: VersionTag) -> Option<Self> {
        let network = cluster
            .member
            .network
            .as_deref()
            .and_then(|n| n.parse().ok())
            .or_else(|| format!("{}-net", cluster.name()).parse().ok())?;
        Some(Self {
            revision: version.revision(),
            profile: Profile::for_platform(cluster.member.platform),
            mesh_id: suggested_mesh_id(fleet, cluster)?,
            cluster_name: cluster.name().clone(),
            network,
            trust_domain_aliases: suggested_trust_domain_aliases(fleet),
            ca: CaMode::IstioCaPluginCerts,
            hsm: None,
            version,
        })
    }

    /// The cross-field rules (each field is already well-formed by type):
    /// every problem, empty when the settings can be installed.
    pub fn problems(&self, fleet: &Fleet, cluster: &Cluster) -> Vec<SettingsProblem> {
        use SettingsField as F;
        let mut out = Vec::new();
        if self.profile == Profile::AsmGcpMultiproject && cluster.member.platform != Platform::Gke {
            out.push(SettingsProblem::new(
                F::Profile,
                format!(
                    "asm-gcp-multiproject is for GKE clusters; {} runs on {}: use asm-multicloud",
                    cluster.name(),
                    cluster.member.platform.title()
                ),
            ));
        }
        if let Some((project, Some(number))) = fleet_project(fleet)
            && self.mesh_id.as_str() != format!("proj-{number}")
        {
            out.push(SettingsProblem::new(
                F::MeshId,
                format!(
                    "the mesh id must be the same on every cluster: proj-{number} (fleet project {project}), not {}",
                    self.mesh_id
                ),
            ));
        }
        let mut seen = Vec::new();
        for alias in &self.trust_domain_aliases {
            if seen.contains(&alias) {
                out.push(SettingsProblem::new(
                    F::TrustDomainAliases,
                    format!("trust domain alias {alias} is listed twice"),
                ));
            }
            seen.push(alias);
        }
        match self.ca {
            CaMode::Hsm => match &self.hsm {
                Some(hsm) => {
                    // One problem per field: the form's shape first, then
                    // whether the slot is this cluster's.
                    let form = hsm.problems();
                    let ownership = hsm.ownership_problems(&self.cluster_name);
                    let own = ownership
                        .into_iter()
                        .filter(|p| form.iter().all(|f| f.field != p.field))
                        .collect::<Vec<_>>();
                    out.extend(form);
                    out.extend(own);
                }
                None => out.push(SettingsProblem::new(
                    F::Ca,
                    "HSM-protected istiod CA key: the HSM slot, KEK id, Vault address and secret path are required",
                )),
            },
            CaMode::MeshCa => {
                if let Err(p) = trust_domain(fleet, self.ca) {
                    out.push(p);
                }
            }
            CaMode::IstioCaPluginCerts => {}
        }
        out
    }
}
