//! The HSM-protected istiod CA key (SPEC §2.2 mode 3, seed 004) as the
//! install names it: the cluster's HSM slot, its key-encryption key (KEK),
//! the Vault server and the secret path holding the slot's PIN; the
//! console's suggestions for them; and what the console reports when it
//! provisions a slot or checks one (never a PIN).

use serde::{Deserialize, Serialize};

use super::settings::{SettingsField, SettingsProblem};
use crate::ClusterName;

/// The install's HSM settings (the seeds' `HSM_SLOT_LABEL`, `KEK_ID`,
/// `VAULT_ADDR`, `HSM_SECRET_PATH`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct HsmSettings {
    /// The label of the cluster's slot (a PKCS#11 token label).
    pub slot_label: String,
    /// The id of the cluster's KEK on that slot.
    pub kek_id: String,
    /// The Vault server istiod and the console read the slot's PIN from.
    pub vault_addr: String,
    /// The KV path of the slot's credentials, e.g. `asm-onprem-1/hsm`.
    pub secret_path: String,
}

/// `asm-<cluster>`, cut to the 32 bytes a token label may have.
pub fn suggested_slot_label(cluster: &ClusterName) -> String {
    let mut label = format!("asm-{cluster}");
    label.truncate(32);
    label.trim_end_matches('-').to_owned()
}

/// `asm-<cluster>/hsm`, the seeds' `HSM_SECRET_PATH` per cluster suffix.
pub fn suggested_secret_path(cluster: &ClusterName) -> String {
    format!("asm-{cluster}/hsm")
}

fn problem(field: SettingsField, message: String) -> SettingsProblem {
    SettingsProblem { field, message }
}

impl HsmSettings {
    /// The console's suggestion for `cluster` (no KEK yet: provisioning the
    /// slot makes one).
    pub fn suggested(cluster: &ClusterName, vault_addr: &str) -> Self {
        Self {
            slot_label: suggested_slot_label(cluster),
            kek_id: String::new(),
            vault_addr: vault_addr.to_owned(),
            secret_path: suggested_secret_path(cluster),
        }
    }

    /// Where istiod logs in to Vault: the Kubernetes auth method mounted at
    /// the secret's path within the KV engine (`auth/asm-c1/hsm/login` for
    /// `asm-c1/hsm` or `secret/asm-c1/hsm`).
    pub fn vault_auth_path(&self) -> String {
        let path = self.secret_path.trim_matches('/');
        format!(
            "auth/{}/login",
            path.strip_prefix("secret/").unwrap_or(path)
        )
    }

    /// Every problem with the settings' form, on its field.
    pub fn problems(&self) -> Vec<SettingsProblem> {
        let mut out = Vec::new();
        let label = self.slot_label.as_str();
        if label.trim().is_empty() {
            out.push(problem(
                SettingsField::HsmSlotLabel,
                "the HSM slot label is required (the label given to the slot provisioned for the mesh)".into(),
            ));
        } else if label.len() > 32 || label != label.trim() {
            out.push(problem(
                SettingsField::HsmSlotLabel,
                format!("slot label {label:?} must be at most 32 bytes, without leading or trailing spaces (a PKCS#11 token label)"),
            ));
        }
        let kek = self.kek_id.as_str();
        if kek.is_empty() {
            out.push(problem(
                SettingsField::HsmKekId,
                "no KEK id yet: provision the slot, which generates the cluster's key-encryption key and shows its id".into(),
            ));
        } else if kek.len() > 64
            || !kek
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        {
            out.push(problem(
                SettingsField::HsmKekId,
                format!("KEK id {kek:?} may contain only letters, digits, '-' and '_' (at most 64), like 7651a4ea-eeb7-4c1f-927b-8c871c2127aa"),
            ));
        }
        let addr = self.vault_addr.as_str();
        let host = addr
            .strip_prefix("https://")
            .or_else(|| addr.strip_prefix("http://"))
            .unwrap_or_default();
        if host.is_empty() || host.contains(char::is_whitespace) || host.contains('?') {
            out.push(problem(
                SettingsField::HsmVaultAddr,
                format!("Vault address {addr:?} must be http(s)://HOST:PORT, e.g. https://vault.example.com:8200"),
            ));
        }
        let path = self.secret_path.as_str();
        let path_ok = !path.is_empty()
            && !path.starts_with('/')
            && !path.ends_with('/')
            && !path.contains("//")
            && path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
        if !path_ok {
            out.push(problem(
                SettingsField::HsmSecretPath,
                format!("secret path {path:?} must be a Vault KV path like asm-c1/hsm (letters, digits, '-', '_', '.', separated by '/')"),
            ));
        }
        out
    }
}

/// `POST /api/clusters/{cluster}/hsm/slot`: provision the cluster's slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct HsmSlotRequest {
    pub slot_label: String,
    pub secret_path: String,
    /// The KEK to use; the console generates one (and its id) when absent.
    #[serde(default)]
    pub kek_id: Option<String>,
    /// For a network HSM: what istiod's plugin connects to it with, stored
    /// in Vault beside the PIN.
    #[serde(default)]
    pub network: Option<HsmNetworkCredentials>,
}

/// A network HSM's connection credentials (seed 004's `clientcert`,
/// `clientkey`, `servercert`), PEM: the client certificate and key istiod's
/// HSM plugin authenticates with, and the HSM's server certificate. The
/// key is sent once, to be stored in Vault; it is never sent back.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct HsmNetworkCredentials {
    pub client_cert: String,
    pub client_key: String,
    pub server_cert: String,
}

impl std::fmt::Debug for HsmNetworkCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HsmNetworkCredentials")
            .field("client_cert", &"<pem>")
            .field("client_key", &"<redacted>")
            .field("server_cert", &"<pem>")
            .finish()
    }
}

impl HsmNetworkCredentials {
    /// What is wrong with the PEM blocks as pasted, a line each (the
    /// console parses them fully and checks the key belongs to the client
    /// certificate).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let block = |text: &str| {
            let text = text.trim();
            let label = text.strip_prefix("-----BEGIN ")?.split_once("-----")?.0;
            text.ends_with(&format!("-----END {label}-----"))
                .then(|| label.to_owned())
        };
        for (what, text) in [
            ("the client certificate", &self.client_cert),
            ("the server certificate", &self.server_cert),
        ] {
            if block(text).as_deref() != Some("CERTIFICATE") {
                out.push(format!(
                    "{what} must be one PEM CERTIFICATE block (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)"
                ));
            }
        }
        if !block(&self.client_key).is_some_and(|label| label.ends_with("PRIVATE KEY")) {
            out.push(
                "the client key must be a PEM PRIVATE KEY block (-----BEGIN PRIVATE KEY----- … -----END PRIVATE KEY-----)"
                    .into(),
            );
        }
        out
    }
}

/// What Vault holds for a network HSM, as the console shows it: the
/// certificates' subjects and expiry, never the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct HsmNetworkSummary {
    pub client_subject: String,
    /// Unix seconds.
    pub client_not_after: i64,
    pub server_subject: String,
    /// Unix seconds.
    pub server_not_after: i64,
}

/// What checking a slot found: the settings checked, and the first reason
/// istiod could not use them (`None`: it can).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct HsmReadiness {
    pub settings: HsmSettings,
    pub problem: Option<String>,
    /// The KEK ids the slot holds (empty when it could not be opened).
    pub kek_ids: Vec<String>,
}

impl HsmReadiness {
    pub fn ready(&self) -> bool {
        self.problem.is_none()
    }
}

/// What provisioning did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct HsmSlotProvisioned {
    pub cluster: ClusterName,
    pub settings: HsmSettings,
    /// The slot was initialised now (else it existed and took the PIN).
    pub slot_initialised: bool,
    /// The credentials were written to Vault now (else Vault had them).
    pub credentials_stored: bool,
    /// The KEK was generated now (else the slot had it).
    pub kek_generated: bool,
    /// How istiod on the cluster logs in to Vault to read the PIN.
    pub istiod_login: IstiodVaultLogin,
    /// The network HSM credentials Vault holds, if any.
    #[serde(default)]
    pub network: Option<HsmNetworkSummary>,
    /// They were written to Vault now (else Vault had them, or none).
    #[serde(default)]
    pub network_stored: bool,
}

/// istiod's way into Vault (seed 004): its service account token, checked
/// by the Kubernetes auth method at `auth_path` against the cluster's API
/// server, as `role`, whose `policy` reads the secret and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct IstiodVaultLogin {
    /// `auth/asm-c1/hsm/login`.
    pub auth_path: String,
    pub role: String,
    /// `asm-c1-hsm-policy`.
    pub policy: String,
    /// The API server Vault reviews istiod's tokens with.
    pub api_server: String,
    /// The service account Vault reviews them as (`namespace/name`,
    /// bound to `system:auth-delegator`).
    pub token_reviewer: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: &HsmSettings) -> Vec<SettingsField> {
        s.problems().into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn network_credentials_must_be_a_certificate_a_key_and_a_certificate() {
        let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----";
        let good = HsmNetworkCredentials {
            client_cert: cert.into(),
            client_key: key.into(),
            server_cert: cert.into(),
        };
        assert!(good.problems().is_empty(), "{:?}", good.problems());
        let swapped = HsmNetworkCredentials {
            client_cert: key.into(),
            client_key: cert.into(),
            server_cert: String::new(),
        };
        let problems = swapped.problems();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("the client certificate"));
        assert!(problems[1].starts_with("the server certificate"));
        assert!(problems[2].starts_with("the client key"));
        assert!(
            !format!("{good:?}").contains("MIIE"),
            "the key is never shown"
        );
    }

    #[test]
    fn istiod_logs_in_at_the_secret_path_within_the_kv_engine() {
        let mut settings = HsmSettings::suggested(&"c1".parse().expect("valid"), "http://v:8200");
        assert_eq!(settings.vault_auth_path(), "auth/asm-c1/hsm/login");
        settings.secret_path = "secret/asm-c1/hsm".into();
        assert_eq!(settings.vault_auth_path(), "auth/asm-c1/hsm/login");
    }

    #[test]
    fn suggestions_follow_the_cluster_name_and_fit_a_token_label() {
        let name: ClusterName = "onprem-vmware-1".parse().expect("valid");
        let s = HsmSettings::suggested(&name, "http://127.0.0.1:8200");
        assert_eq!(s.slot_label, "asm-onprem-vmware-1");
        assert_eq!(s.secret_path, "asm-onprem-vmware-1/hsm");
        assert_eq!(fields(&s), [SettingsField::HsmKekId]);
        let long: ClusterName = "a-very-long-cluster-name-for-a-token"
            .parse()
            .expect("valid");
        assert!(suggested_slot_label(&long).len() <= 32);
    }

    #[test]
    fn each_setting_is_checked_on_its_field() {
        let good = HsmSettings {
            slot_label: "asm-c1".into(),
            kek_id: "7651a4ea-eeb7-4c1f-927b-8c871c2127aa".into(),
            vault_addr: "https://vault.example.com:8200".into(),
            secret_path: "asm-c1/hsm".into(),
        };
        assert!(good.problems().is_empty());
        let bad = HsmSettings {
            slot_label: "x".repeat(33),
            kek_id: "a b".into(),
            vault_addr: "vault:8200".into(),
            secret_path: "/asm-c1//hsm".into(),
        };
        assert_eq!(
            fields(&bad),
            [
                SettingsField::HsmSlotLabel,
                SettingsField::HsmKekId,
                SettingsField::HsmVaultAddr,
                SettingsField::HsmSecretPath
            ]
        );
    }
}
