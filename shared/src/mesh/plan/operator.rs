//! The same install as an `IstioOperator` file, for people who install
//! with `istioctl install -f` (seeds 000, 001): the settings become the
//! operator's profile, revision, hub/tag, mesh config and global values.

use serde_json::{Value, json};

use super::Plan;
use super::istiod::{HSM_PLUGIN_IMAGE, MESH_CA_ADDR, VAULT_CLIENT_IMAGE};
use crate::mesh::settings::CaMode;
use crate::mesh::{ASM_HUB, ISTIO_SYSTEM};

impl Plan {
    /// The `install.istio.io/v1alpha1` IstioOperator for this plan.
    pub fn istio_operator(&self) -> Value {
        let s = &self.settings;
        let aliases: Vec<&str> = s.trust_domain_aliases.iter().map(|a| a.as_str()).collect();
        let mut global = json!({
            "meshID": s.mesh_id.as_str(),
            "multiCluster": {"clusterName": s.cluster_name.as_str()},
            "network": s.network.as_str(),
        });
        let mut proxy_metadata = json!({});
        match s.ca {
            CaMode::MeshCa => {
                global["caAddress"] = json!(MESH_CA_ADDR);
                proxy_metadata["CA_ADDR"] = json!(MESH_CA_ADDR);
            }
            CaMode::IstioCaPluginCerts | CaMode::Hsm => {
                global["pilotCertProvider"] = json!("istiod");
            }
        }
        let mut values = json!({"global": global});
        if let (CaMode::Hsm, Some(hsm)) = (s.ca, &s.hsm) {
            // The seed's `istioctl install --set values.hsm.*`.
            values["hsm"] = json!({
                "enabled": true,
                "hsmKEKID": hsm.kek_id,
                "hsmPluginImage": HSM_PLUGIN_IMAGE,
                "hsmSlotLabel": hsm.slot_label,
                "vaultClientImage": VAULT_CLIENT_IMAGE,
                "vaultAddr": hsm.vault_addr,
                "vaultAuthPath": format!("auth/{}/login", hsm.secret_path),
                "vaultAuthRole": "istiod",
                "vaultAuthJwtPath": "/var/run/secrets/kubernetes.io/serviceaccount/token",
                "vaultSecretPath": hsm.secret_path,
            });
            values["global"]["jwtPolicy"] = json!("first-party-jwt");
        }
        json!({
            "apiVersion": "install.istio.io/v1alpha1",
            "kind": "IstioOperator",
            "metadata": {"name": format!("installed-state-{}", s.revision), "namespace": ISTIO_SYSTEM},
            "spec": {
                "profile": s.profile.as_str(),
                "revision": s.revision.as_str(),
                "hub": ASM_HUB,
                "tag": s.version.to_string(),
                "meshConfig": {
                    "trustDomain": self.trust_domain,
                    "trustDomainAliases": aliases,
                    "defaultConfig": {"proxyMetadata": proxy_metadata},
                },
                "values": values,
            },
        })
    }
}
