//! The install settings as the console's form holds them: text as typed,
//! one field per setting, parsed into [`InstallSettings`] with every
//! problem attached to the field it is about, so the form can show it
//! there while the operator types.

use super::catalogue::{Catalogue, Release};
use super::hsm::HsmSettings;
use super::revision::{Revision, VersionTag};
use super::settings::{
    CaMode, InstallSettings, MeshId, NetworkId, Profile, SettingsField, SettingsProblem,
    TrustDomain,
};
use crate::ClusterName;
use crate::fleet::{Cluster, Fleet};

/// The release the form starts with: the release catalogue's default (a
/// current release), `None` only if the catalogue cannot be read.
pub fn default_release() -> Option<&'static Release> {
    Catalogue::builtin().ok()?.default_release()
}

/// The profiles, in the order the form offers them.
pub const PROFILES: [Profile; 2] = [Profile::AsmGcpMultiproject, Profile::AsmMulticloud];

/// A profile from its name (`asm-multicloud`).
pub fn profile_named(name: &str) -> Option<Profile> {
    PROFILES.into_iter().find(|p| p.as_str() == name)
}

/// The form value of a CA mode (its wire name).
pub fn ca_slug(ca: CaMode) -> &'static str {
    match ca {
        CaMode::MeshCa => "mesh_ca",
        CaMode::IstioCaPluginCerts => "istio_ca_plugin_certs",
        CaMode::Hsm => "hsm",
    }
}

/// A CA mode from its form value.
pub fn ca_named(slug: &str) -> Option<CaMode> {
    CaMode::ALL.into_iter().find(|c| ca_slug(*c) == slug)
}

/// The form's fields, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsForm {
    pub version: String,
    pub revision: String,
    pub profile: Profile,
    pub mesh_id: String,
    pub cluster_name: String,
    pub network: String,
    /// One alias per line (commas and spaces separate too).
    pub trust_domain_aliases: String,
    pub ca: CaMode,
    /// The HSM settings, kept while another CA mode is chosen so switching
    /// back does not lose them.
    pub hsm: HsmSettings,
}

impl SettingsForm {
    /// The form showing `settings`.
    pub fn of(settings: &InstallSettings) -> Self {
        Self {
            version: settings.version.to_string(),
            revision: settings.revision.to_string(),
            profile: settings.profile,
            mesh_id: settings.mesh_id.to_string(),
            cluster_name: settings.cluster_name.to_string(),
            network: settings.network.to_string(),
            trust_domain_aliases: settings
                .trust_domain_aliases
                .iter()
                .map(TrustDomain::as_str)
                .collect::<Vec<_>>()
                .join("\n"),
            ca: settings.ca,
            hsm: settings
                .hsm
                .clone()
                .unwrap_or_else(|| HsmSettings::suggested(&settings.cluster_name, "")),
        }
    }

    /// The form the console suggests for `cluster`: [`default_release`]
    /// with its revision label and [`InstallSettings::suggested`]; `None`
    /// when nothing can be suggested (no project number for the mesh id).
    pub fn suggested(fleet: &Fleet, cluster: &Cluster) -> Option<Self> {
        let release = default_release()?;
        let mut settings = InstallSettings::suggested(fleet, cluster, release.version.clone())?;
        settings.revision = release.revision.clone();
        Some(Self::of(&settings))
    }

    /// Sets the version tag. The revision follows it while it is still the
    /// one the previous tag named, so an edited revision stays as typed.
    pub fn set_version(&mut self, version: String) {
        let follows = match self.version.trim().parse::<VersionTag>() {
            Ok(old) => old.revision().as_str() == self.revision.trim(),
            Err(_) => true,
        };
        if follows && let Ok(new) = version.trim().parse::<VersionTag>() {
            self.revision = new.revision().to_string();
        }
        self.version = version;
    }

    /// The trust domain aliases as listed, blanks dropped.
    fn alias_items(&self) -> impl Iterator<Item = &str> {
        self.trust_domain_aliases
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|a| !a.is_empty())
    }

    /// The settings, or every problem found: first each field's own format,
    /// then (when all parse) the rules across fields for this cluster.
    pub fn parse(
        &self,
        fleet: &Fleet,
        cluster: &Cluster,
    ) -> Result<InstallSettings, Vec<SettingsProblem>> {
        let mut problems = Vec::new();
        let version = self.version.trim().parse::<VersionTag>();
        let revision = self.revision.trim().parse::<Revision>();
        let mesh_id = self.mesh_id.trim().parse::<MeshId>();
        let cluster_name = self.cluster_name.trim().parse::<ClusterName>();
        let network = self.network.trim().parse::<NetworkId>();
        let mut aliases = Vec::new();
        for item in self.alias_items() {
            match item.parse::<TrustDomain>() {
                Ok(alias) => aliases.push(alias),
                Err(err) => problems.push(on(SettingsField::TrustDomainAliases, &err)),
            }
        }
        match (version, revision, mesh_id, cluster_name, network) {
            (Ok(version), Ok(revision), Ok(mesh_id), Ok(cluster_name), Ok(network))
                if problems.is_empty() =>
            {
                let settings = InstallSettings {
                    revision,
                    version,
                    profile: self.profile,
                    mesh_id,
                    cluster_name,
                    network,
                    trust_domain_aliases: aliases,
                    ca: self.ca,
                    hsm: (self.ca == CaMode::Hsm).then(|| HsmSettings {
                        slot_label: self.hsm.slot_label.trim().to_owned(),
                        kek_id: self.hsm.kek_id.trim().to_owned(),
                        vault_addr: self.hsm.vault_addr.trim().to_owned(),
                        secret_path: self.hsm.secret_path.trim().to_owned(),
                    }),
                };
                let problems = settings.problems(fleet, cluster);
                if problems.is_empty() {
                    Ok(settings)
                } else {
                    Err(problems)
                }
            }
            (version, revision, mesh_id, cluster_name, network) => {
                if let Err(e) = version {
                    problems.push(on(SettingsField::Version, &e));
                }
                if let Err(e) = revision {
                    problems.push(on(SettingsField::Revision, &e));
                }
                if let Err(e) = mesh_id {
                    problems.push(on(SettingsField::MeshId, &e));
                }
                if let Err(e) = cluster_name {
                    problems.push(on(SettingsField::ClusterName, &e));
                }
                if let Err(e) = network {
                    problems.push(on(SettingsField::Network, &e));
                }
                problems.sort_by_key(|p| field_order(p.field));
                Err(problems)
            }
        }
    }
}

fn on(field: SettingsField, err: &dyn std::fmt::Display) -> SettingsProblem {
    SettingsProblem {
        field,
        message: err.to_string(),
    }
}

/// Where a field sits in the form, for listing problems in its order.
fn field_order(field: SettingsField) -> u8 {
    match field {
        SettingsField::Version => 0,
        SettingsField::Revision => 1,
        SettingsField::Profile => 2,
        SettingsField::MeshId => 3,
        SettingsField::ClusterName => 4,
        SettingsField::Network => 5,
        SettingsField::TrustDomainAliases => 6,
        SettingsField::Ca => 7,
        SettingsField::HsmSlotLabel => 8,
        SettingsField::HsmKekId => 9,
        SettingsField::HsmVaultAddr => 10,
        SettingsField::HsmSecretPath => 11,
    }
}

/// The problems about `field`, for showing on it.
pub fn problems_of(problems: &[SettingsProblem], field: SettingsField) -> Vec<String> {
    problems
        .iter()
        .filter(|p| p.field == field)
        .map(|p| p.message.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::settings::tests::fleet;

    fn form(cluster: &str) -> (Fleet, SettingsForm) {
        let f = fleet();
        let c = f.cluster(cluster).expect("in the fleet").clone();
        let form = SettingsForm::suggested(&f, &c).expect("suggestible");
        (f, form)
    }

    #[test]
    fn the_suggested_form_parses_back_into_the_suggested_settings() {
        let (f, form) = form("onprem-vmware-1");
        let c = f.cluster("onprem-vmware-1").expect("c");
        let release = default_release().expect("catalogue");
        assert_eq!(form.version, release.version.to_string());
        assert_eq!(form.revision, release.revision.as_str());
        assert_eq!(form.version, "1.31.2-asm.1");
        assert_eq!(
            form.trust_domain_aliases,
            "project-a.svc.id.goog\nproject-b.svc.id.goog"
        );
        let parsed = form.parse(&f, c).expect("valid");
        let tag = release.version.clone();
        assert_eq!(
            parsed,
            InstallSettings::suggested(&f, c, tag).expect("suggested")
        );
    }

    #[test]
    fn each_format_problem_lands_on_its_field_in_form_order() {
        let (f, mut form) = form("onprem-vmware-1");
        let c = f.cluster("onprem-vmware-1").expect("c").clone();
        form.network = "-net".into();
        form.mesh_id = "482915370162".into();
        form.trust_domain_aliases = "project-a.svc.id.goog, Bad_Domain".into();
        form.version = "1.10".into();
        let problems = form.parse(&f, &c).expect_err("invalid");
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                SettingsField::Version,
                SettingsField::MeshId,
                SettingsField::Network,
                SettingsField::TrustDomainAliases
            ]
        );
        assert_eq!(problems_of(&problems, SettingsField::Network).len(), 1);
        assert!(problems_of(&problems, SettingsField::Network)[0].contains("start and end"));
        assert!(
            problems_of(&problems, SettingsField::TrustDomainAliases)[0].contains("Bad_Domain")
        );
        assert!(problems_of(&problems, SettingsField::Revision).is_empty());
    }

    #[test]
    fn cross_field_problems_come_once_every_field_parses() {
        let (f, mut form) = form("onprem-vmware-1");
        let c = f.cluster("onprem-vmware-1").expect("c").clone();
        form.profile = profile_named("asm-gcp-multiproject").expect("known");
        form.ca = ca_named("hsm").expect("known");
        let problems = form.parse(&f, &c).expect_err("invalid");
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                SettingsField::Profile,
                SettingsField::HsmKekId,
                SettingsField::HsmVaultAddr
            ]
        );
        assert!(problems[1].message.contains("provision the slot"));
        form.hsm.kek_id = "7651a4ea-eeb7-4c1f-927b-8c871c2127aa".into();
        form.hsm.vault_addr = " http://127.0.0.1:8200 ".into();
        form.profile = profile_named("asm-multicloud").expect("known");
        let settings = form.parse(&f, &c).expect("valid");
        let hsm = settings.hsm.expect("HSM settings in HSM mode");
        assert_eq!(hsm.vault_addr, "http://127.0.0.1:8200");
        assert_eq!(hsm.slot_label, "asm-onprem-vmware-1");
        form.ca = ca_named("istio_ca_plugin_certs").expect("known");
        assert_eq!(form.parse(&f, &c).expect("valid").hsm, None);
    }

    #[test]
    fn the_revision_follows_the_version_until_edited() {
        let (_, mut form) = form("gke-eu");
        form.set_version("1.7.8-asm.10".into());
        assert_eq!(form.revision, "asm-178-10");
        // Half-typed tags leave the revision alone, then it follows again.
        form.set_version("1.7.".into());
        assert_eq!(form.revision, "asm-178-10");
        form.set_version("1.7.9-asm.1".into());
        assert_eq!(form.revision, "asm-179-1");
        form.revision = "canary".into();
        form.set_version("1.10.6-asm.2".into());
        assert_eq!(form.revision, "canary");
        assert_eq!(form.version, "1.10.6-asm.2");
    }

    #[test]
    fn names_round_trip() {
        for p in PROFILES {
            assert_eq!(profile_named(p.as_str()), Some(p));
        }
        for c in CaMode::ALL {
            assert_eq!(ca_named(ca_slug(c)), Some(c));
            let json = serde_json::to_string(&c).expect("json");
            assert_eq!(json, format!("\"{}\"", ca_slug(c)));
        }
        assert_eq!(profile_named("asm-other"), None);
    }
}
