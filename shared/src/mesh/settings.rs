//! The settings an operator chooses for an install (the seeds' kpt setters
//! and IstioOperator fields), the values the console suggests for them, and
//! the cross-field rules that make them installable.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::revision::{Revision, VersionTag};
use crate::ClusterName;
use crate::fleet::{Cluster, Fleet, Platform};
use crate::ids::InvalidName;

/// The install profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

/// Defines a `String` newtype validated by `$check`.
macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $check:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = InvalidName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $check(s).map(|()| Self(s.to_owned()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidName;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                value.parse()
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

checked_string!(
    /// The mesh id `proj-<PROJECT_NUMBER>`, the same on every cluster of a mesh.
    MeshId,
    check_mesh_id
);
checked_string!(
    /// A mesh network id: a Kubernetes label value (different per on-prem
    /// cluster).
    NetworkId,
    check_network_id
);
checked_string!(
    /// A SPIFFE trust domain, e.g. `project-a.svc.id.goog`.
    TrustDomain,
    check_trust_domain
);

fn invalid(kind: &'static str, value: &str, reason: &'static str) -> Result<(), InvalidName> {
    Err(InvalidName {
        kind,
        value: value.to_owned(),
        reason,
    })
}

fn check_mesh_id(s: &str) -> Result<(), InvalidName> {
    match s.strip_prefix("proj-") {
        Some(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => Ok(()),
        _ => invalid(
            "mesh id",
            s,
            "it must be proj-<PROJECT_NUMBER>, the fleet project's number, e.g. proj-482915370162",
        ),
    }
}

/// The rules of a Kubernetes label value, non-empty: at most 63
/// characters, alphanumerics, '-', '_' or '.', starting and ending with an
/// alphanumeric.
pub fn check_label_value(kind: &'static str, s: &str) -> Result<(), InvalidName> {
    if s.is_empty() {
        return invalid(kind, s, "it must not be empty");
    }
    if s.len() > 63 {
        return invalid(kind, s, "it must be at most 63 characters (a label value)");
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return invalid(
            kind,
            s,
            "it may contain only letters, digits, '-', '_' and '.' (a label value)",
        );
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alnum(s.chars().next()) || !alnum(s.chars().last()) {
        return invalid(
            kind,
            s,
            "it must start and end with a letter or digit (a label value)",
        );
    }
    Ok(())
}

fn check_network_id(s: &str) -> Result<(), InvalidName> {
    check_label_value("network id", s)
}

fn check_trust_domain(s: &str) -> Result<(), InvalidName> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if s.is_empty() || s.len() > 255 || !s.split('.').all(label_ok) {
        return invalid(
            "trust domain",
            s,
            "it must be a lowercase DNS name, e.g. project-a.svc.id.goog",
        );
    }
    Ok(())
}

/// The workload identity trust domain of a project: `<PROJECT>.svc.id.goog`.
pub fn project_trust_domain(project_id: &str) -> Result<TrustDomain, InvalidName> {
    format!("{project_id}.svc.id.goog").parse()
}

/// The settings of one install on one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[error("{message}")]
pub struct SettingsProblem {
    pub field: SettingsField,
    pub message: String,
}

impl SettingsProblem {
    fn new(field: SettingsField, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// The fleet's host project and its number, from the member that lives in
/// it.
fn fleet_project(fleet: &Fleet) -> Option<(&str, Option<&str>)> {
    let id = fleet.project.as_deref()?;
    let number = fleet
        .clusters
        .iter()
        .filter_map(|c| c.member.project.as_ref())
        .find(|p| p.id == id)
        .map(|p| p.number.as_str());
    Some((id, number))
}

/// `<PROJECT>.svc.id.goog` for every project of the fleet, the fleet's host
/// project first, then the others in order of first appearance.
pub fn suggested_trust_domain_aliases(fleet: &Fleet) -> Vec<TrustDomain> {
    let mut ids: Vec<&str> = fleet.project.iter().map(String::as_str).collect();
    for c in &fleet.clusters {
        if let Some(p) = &c.member.project
            && !ids.contains(&p.id.as_str())
        {
            ids.push(&p.id);
        }
    }
    ids.into_iter()
        .filter_map(|id| project_trust_domain(id).ok())
        .collect()
}

/// The mesh id: `proj-<number>` of the fleet's host project, else of the
/// cluster's own project.
pub fn suggested_mesh_id(fleet: &Fleet, cluster: &Cluster) -> Option<MeshId> {
    let number = fleet_project(fleet)
        .and_then(|(_, n)| n)
        .or_else(|| cluster.member.project.as_ref().map(|p| p.number.as_str()))?;
    format!("proj-{number}").parse().ok()
}

/// The trust domain of workload identities: `<FLEET_PROJECT>.svc.id.goog`
/// (Mesh CA requires it); `cluster.local` for Istio CA without a fleet
/// project.
pub fn trust_domain(fleet: &Fleet, ca: CaMode) -> Result<TrustDomain, SettingsProblem> {
    match fleet.project.as_deref().map(project_trust_domain) {
        Some(Ok(td)) => Ok(td),
        _ if ca == CaMode::MeshCa => Err(SettingsProblem::new(
            SettingsField::Ca,
            "Mesh CA needs the fleet's host project (trust domain <FLEET_PROJECT>.svc.id.goog); the fleet description names none",
        )),
        _ => Ok(TrustDomain("cluster.local".into())),
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
                Some(hsm) => out.extend(hsm.problems()),
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fleet::{Member, Project, Reachability};

    pub fn cluster(name: &str, platform: Platform, project: &str, network: &str) -> Cluster {
        let number = if project == "project-a" {
            "482915370162"
        } else {
            "739104825531"
        };
        Cluster::new(
            Member {
                name: name.parse().expect("valid"),
                context: name.into(),
                location: "europe-west1-c".into(),
                platform,
                project: Some(Project {
                    id: project.into(),
                    number: number.into(),
                }),
                network: Some(network.into()),
                config_cluster: false,
            },
            Reachability::Reachable { since: 0 },
        )
    }

    /// The default sandbox fleet's members, without nodes.
    pub fn fleet() -> Fleet {
        Fleet {
            version: 1,
            name: Some("meshdeck-demo".into()),
            project: Some("project-a".into()),
            clusters: vec![
                cluster("gke-us", Platform::Gke, "project-a", "vpc-a"),
                cluster("gke-eu", Platform::Gke, "project-a", "vpc-a"),
                cluster("gke-asia-2", Platform::Gke, "project-b", "vpc-b"),
                cluster(
                    "onprem-vmware-1",
                    Platform::GkeOnVmware,
                    "project-a",
                    "onprem-vmware-1-net",
                ),
                cluster(
                    "baremetal-1",
                    Platform::BareMetal,
                    "project-b",
                    "baremetal-1-net",
                ),
            ],
        }
    }

    pub fn tag() -> VersionTag {
        "1.10.6-asm.2".parse().expect("valid")
    }

    pub fn settings(fleet: &Fleet, name: &str) -> InstallSettings {
        let c = fleet.cluster(name).expect("in the fleet");
        InstallSettings::suggested(fleet, c, tag()).expect("suggestible")
    }

    #[test]
    fn suggestions_follow_the_seeds() {
        let f = fleet();
        let s = settings(&f, "onprem-vmware-1");
        assert_eq!(s.revision.as_str(), "asm-1106-2");
        assert_eq!(s.profile, Profile::AsmMulticloud);
        assert_eq!(s.mesh_id.as_str(), "proj-482915370162");
        assert_eq!(s.network.as_str(), "onprem-vmware-1-net");
        assert_eq!(s.cluster_name.as_str(), "onprem-vmware-1");
        let aliases: Vec<_> = s
            .trust_domain_aliases
            .iter()
            .map(TrustDomain::as_str)
            .collect();
        assert_eq!(aliases, ["project-a.svc.id.goog", "project-b.svc.id.goog"]);
        assert_eq!(settings(&f, "gke-eu").profile, Profile::AsmGcpMultiproject);
        assert!(
            s.problems(&f, f.cluster("onprem-vmware-1").expect("c"))
                .is_empty()
        );
    }

    #[test]
    fn field_formats_are_checked_with_reasons() {
        assert!("proj-482915370162".parse::<MeshId>().is_ok());
        for bad in ["482915370162", "proj-", "proj-abc", "project-482915370162"] {
            let err = bad.parse::<MeshId>().expect_err(bad);
            assert!(err.reason.contains("proj-<PROJECT_NUMBER>"));
        }
        assert!("onprem_net.1".parse::<NetworkId>().is_ok());
        assert!("Net-A".parse::<NetworkId>().is_ok());
        assert!(
            "-net"
                .parse::<NetworkId>()
                .unwrap_err()
                .reason
                .contains("start and end")
        );
        assert!(
            "net/a"
                .parse::<NetworkId>()
                .unwrap_err()
                .reason
                .contains("only letters")
        );
        assert!(
            "a".repeat(64)
                .parse::<NetworkId>()
                .unwrap_err()
                .reason
                .contains("63")
        );
        assert!("".parse::<NetworkId>().is_err());
        assert!("project-a.svc.id.goog".parse::<TrustDomain>().is_ok());
        assert!("Project_A.svc".parse::<TrustDomain>().is_err());
        assert!("a..b".parse::<TrustDomain>().is_err());
    }

    #[test]
    fn cross_field_problems_name_their_field() {
        let f = fleet();
        let onprem = f.cluster("onprem-vmware-1").expect("c");
        let mut s = settings(&f, "onprem-vmware-1");
        s.profile = Profile::AsmGcpMultiproject;
        s.mesh_id = "proj-1".parse().expect("valid");
        s.trust_domain_aliases
            .push("project-a.svc.id.goog".parse().expect("valid"));
        let problems = s.problems(&f, onprem);
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                SettingsField::Profile,
                SettingsField::MeshId,
                SettingsField::TrustDomainAliases
            ]
        );
        assert!(problems[0].message.contains("use asm-multicloud"));
        assert!(problems[1].message.contains("proj-482915370162"));
        assert!(problems[2].message.contains("listed twice"));
    }

    #[test]
    fn hsm_mode_needs_its_slot_kek_and_vault_secret() {
        let f = fleet();
        let cluster = f.cluster("gke-eu").expect("c");
        let mut s = settings(&f, "gke-eu");
        s.ca = CaMode::Hsm;
        let problems = s.problems(&f, cluster);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, SettingsField::Ca);
        assert!(problems[0].message.contains("are required"));
        let mut hsm =
            super::super::hsm::HsmSettings::suggested(cluster.name(), "http://127.0.0.1:8200");
        s.hsm = Some(hsm.clone());
        let fields: Vec<_> = s
            .problems(&f, cluster)
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, [SettingsField::HsmKekId]);
        hsm.kek_id = "7651a4ea-eeb7-4c1f-927b-8c871c2127aa".into();
        s.hsm = Some(hsm);
        assert!(s.problems(&f, cluster).is_empty());
    }

    #[test]
    fn mesh_ca_needs_the_fleet_project_for_its_trust_domain() {
        let mut f = fleet();
        assert_eq!(
            trust_domain(&f, CaMode::MeshCa).expect("known").as_str(),
            "project-a.svc.id.goog"
        );
        f.project = None;
        let gke = f.cluster("gke-eu").expect("c").clone();
        let mut s = InstallSettings::suggested(&f, &gke, tag()).expect("own project number");
        assert_eq!(s.mesh_id.as_str(), "proj-482915370162");
        s.ca = CaMode::MeshCa;
        let problems = s.problems(&f, &gke);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("<FLEET_PROJECT>.svc.id.goog"));
        assert_eq!(
            trust_domain(&f, CaMode::IstioCaPluginCerts)
                .expect("fallback")
                .as_str(),
            "cluster.local"
        );
    }

    #[test]
    fn settings_round_trip_as_json() {
        let f = fleet();
        let s = settings(&f, "gke-eu");
        let json = serde_json::to_string(&s).expect("json");
        assert!(json.contains("\"profile\":\"asm-gcp-multiproject\""));
        assert!(json.contains("\"ca\":\"istio_ca_plugin_certs\""));
        assert_eq!(
            serde_json::from_str::<InstallSettings>(&json).expect("parses"),
            s
        );
    }
}
