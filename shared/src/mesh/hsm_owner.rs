//! Which HSM slot and Vault paths are a cluster's own. Provisioning writes
//! PINs, a policy and a Kubernetes auth mount that trusts the cluster's
//! API server, so it may only touch names derived from the cluster: the
//! slot `asm-<cluster>` (or `asm-<cluster>.<suffix>` for a further slot of
//! the same cluster), and Vault paths under that label (`asm-<cluster>/hsm`,
//! optionally written `secret/asm-<cluster>/hsm`). Nothing can name another
//! cluster's slot, an unrelated secret, or Vault's own `sys/`, `auth/` or
//! `identity/` trees.

use super::hsm::{HsmSettings, suggested_slot_label};
use super::settings::{SettingsField, SettingsProblem};
use crate::ClusterName;

/// Whether `label` is one of `cluster`'s slot labels.
pub fn owns_slot(cluster: &ClusterName, label: &str) -> bool {
    let own = suggested_slot_label(cluster);
    match label.strip_prefix(own.as_str()) {
        Some("") => true,
        Some(rest) => rest.strip_prefix('.').is_some_and(|suffix| {
            !suffix.is_empty()
                && suffix
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        }),
        None => false,
    }
}

/// Why `path` is not a Vault path under the slot `label`, if it is not.
fn path_problem(label: &str, path: &str) -> Option<String> {
    let within_kv = path.strip_prefix("secret/").unwrap_or(path);
    let segments: Vec<&str> = within_kv.split('/').collect();
    if let Some(bad) = segments
        .iter()
        .find(|s| s.is_empty() || **s == "." || **s == "..")
    {
        return Some(format!(
            "secret path {path:?} has an empty, '.' or '..' segment ({bad:?}): name the secret plainly, like {label}/hsm"
        ));
    }
    if segments.first() != Some(&label) || segments.len() < 2 {
        return Some(format!(
            "secret path {path:?} must lie under the slot's own name, like {label}/hsm: the console writes the slot's PINs, policy and istiod's Vault login there"
        ));
    }
    None
}

impl HsmSettings {
    /// Every way the settings reach beyond `cluster`'s own slot and paths.
    pub fn ownership_problems(&self, cluster: &ClusterName) -> Vec<SettingsProblem> {
        let mut out = Vec::new();
        let label = self.slot_label.trim();
        if !owns_slot(cluster, label) {
            let own = suggested_slot_label(cluster);
            out.push(SettingsProblem {
                field: SettingsField::HsmSlotLabel,
                message: format!(
                    "slot {label:?} is not {cluster}'s: its slot is {own:?} (or {own}.<suffix> for another slot of it)"
                ),
            });
        }
        if let Some(message) = path_problem(label, self.secret_path.trim()) {
            out.push(SettingsProblem {
                field: SettingsField::HsmSecretPath,
                message,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(label: &str, path: &str) -> HsmSettings {
        HsmSettings {
            slot_label: label.into(),
            kek_id: "k".into(),
            vault_addr: "http://v:8200".into(),
            secret_path: path.into(),
        }
    }

    fn fields(cluster: &str, label: &str, path: &str) -> Vec<SettingsField> {
        let cluster: ClusterName = cluster.parse().expect("valid");
        settings(label, path)
            .ownership_problems(&cluster)
            .into_iter()
            .map(|p| p.field)
            .collect()
    }

    #[test]
    fn a_cluster_owns_its_slot_and_the_paths_under_it() {
        assert!(fields("gke-eu", "asm-gke-eu", "asm-gke-eu/hsm").is_empty());
        assert!(fields("gke-eu", "asm-gke-eu", "secret/asm-gke-eu/hsm").is_empty());
        assert!(fields("gke-eu", "asm-gke-eu.t1", "asm-gke-eu.t1/hsm").is_empty());
    }

    #[test]
    fn another_clusters_slot_is_refused_even_when_its_name_extends_this_one() {
        let slot = [SettingsField::HsmSlotLabel];
        assert_eq!(
            fields("gke-eu", "asm-onprem-vmware-1", "asm-onprem-vmware-1/hsm"),
            slot
        );
        // `gke` must not claim `gke-eu`'s slot.
        assert_eq!(fields("gke", "asm-gke-eu", "asm-gke-eu/hsm"), slot);
        assert_eq!(fields("gke", "asm-gke.", "asm-gke./hsm").len(), 1);
    }

    #[test]
    fn vault_paths_outside_the_slots_name_are_refused() {
        let path = [SettingsField::HsmSecretPath];
        for bad in [
            "kubernetes",
            "app/db",
            "ops",
            "asm-gke-eu",
            "../../sys/policy/x",
            "asm-gke-eu/../../sys/policy/x",
            "asm-gke-eu/./hsm",
            "asm-gke-eu//hsm",
            "sys/policy/asm-gke-eu",
            "auth/asm-gke-eu/hsm",
            "identity/asm-gke-eu",
        ] {
            assert_eq!(fields("gke-eu", "asm-gke-eu", bad), path, "{bad}");
        }
    }
}
