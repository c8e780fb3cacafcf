//! What a member's control plane trusts, read for the trust inventory:
//! the public certificates of secret `cacerts` (never `ca-key.pem`) or of
//! `istio-ca-cert`, the trust domain and aliases of its mesh
//! configuration, and which CA mode istiod runs in.

use super::apply::kube_failure as failed;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{Api, ListParams};
use shared::mesh::{CaMode, ISTIO_SYSTEM};

use super::apply::ApplyError;

/// A member's trust material, as found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustMaterial {
    /// The root the intermediate chains to: the last certificate of
    /// `cert-chain.pem` of `cacerts` (or `root-cert.pem` without one), or
    /// the last certificate of `istio-ca-cert`'s chain.
    pub root_pem: Option<String>,
    /// Every root its workloads trust: `root-cert.pem` of `cacerts` (the
    /// new and the previous root during a rotation), or the chain's root.
    pub bundle_pem: Option<String>,
    /// `ca-cert.pem` of `cacerts`, or the first of `istio-ca-cert`'s chain.
    pub intermediate_pem: Option<String>,
    pub trust_domain: Option<String>,
    pub trust_domain_aliases: Vec<String>,
    pub ca_mode: Option<CaMode>,
}

fn text(secret: &Secret, key: &str) -> Option<String> {
    let bytes = secret.data.as_ref()?.get(key)?;
    String::from_utf8(bytes.0.clone()).ok()
}

/// The root a `cert-chain.pem` ends with: its last certificate, when that
/// one signed itself (a chain without its root names none).
pub fn chain_root(chain: &str) -> Option<String> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let blocks = pem::parse_many(chain).ok()?;
    let last = blocks.last()?;
    let (_, cert) = X509Certificate::from_der(last.contents()).ok()?;
    (cert.subject() == cert.issuer() && cert.verify_signature(None).is_ok())
        .then(|| pem::encode(last))
}

/// Reads a member's trust material from `istio-system`.
pub async fn read(client: &kube::Client) -> Result<TrustMaterial, ApplyError> {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), ISTIO_SYSTEM);
    let mut found = TrustMaterial::default();
    if let Some(cacerts) = secrets
        .get_opt("cacerts")
        .await
        .map_err(failed("secret istio-system/cacerts"))?
    {
        found.bundle_pem = text(&cacerts, "root-cert.pem");
        found.root_pem = text(&cacerts, "cert-chain.pem")
            .and_then(|chain| chain_root(&chain))
            .or_else(|| found.bundle_pem.clone());
        found.intermediate_pem = text(&cacerts, "ca-cert.pem");
        found.ca_mode = Some(CaMode::IstioCaPluginCerts);
    }
    let hsm_chain = secrets
        .get_opt("istio-ca-cert")
        .await
        .map_err(failed("secret istio-system/istio-ca-cert"))?;
    if let Some(chain) = hsm_chain.as_ref().and_then(|s| text(s, "cert-chain.pem")) {
        let blocks = pem::parse_many(&chain).unwrap_or_default();
        let encode = |b: &pem::Pem| pem::encode(b);
        found.intermediate_pem = blocks.first().map(encode);
        found.root_pem = blocks.last().map(encode);
        found.bundle_pem.clone_from(&found.root_pem);
        found.ca_mode = Some(CaMode::Hsm);
    }
    let configs: Api<ConfigMap> = Api::namespaced(client.clone(), ISTIO_SYSTEM);
    let configs = configs
        .list(&ListParams::default())
        .await
        .map_err(failed("ConfigMaps of istio-system"))?;
    // `istio` or `istio-<rev>`: the ConfigMaps holding a `mesh` key.
    for config in configs.items {
        let Some(mesh) = config.data.as_ref().and_then(|d| d.get("mesh")) else {
            continue;
        };
        let Ok(mesh) = serde_yaml::from_str::<serde_json::Value>(mesh) else {
            continue;
        };
        if let Some(td) = mesh.get("trustDomain").and_then(|v| v.as_str()) {
            found.trust_domain = Some(td.to_owned());
            found.trust_domain_aliases = mesh
                .get("trustDomainAliases")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect();
        }
    }
    if found.ca_mode.is_none() {
        found.ca_mode = istiod_ca_mode(client).await?;
    }
    Ok(found)
}

/// Mesh CA when an istiod names Google's CA, HSM when one runs in HSM
/// mode; `None` otherwise.
async fn istiod_ca_mode(client: &kube::Client) -> Result<Option<CaMode>, ApplyError> {
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ISTIO_SYSTEM);
    let list = deployments
        .list(&ListParams::default().labels("app=istiod"))
        .await
        .map_err(failed("istiod Deployments"))?;
    let names = |var: &str, value: &str| {
        list.items.iter().any(|d| {
            d.spec
                .template
                .spec
                .iter()
                .flat_map(|s| &s.containers)
                .flat_map(|c| c.env.iter().flatten())
                .any(|e| e.name == var && e.value.as_deref() == Some(value))
        })
    };
    Ok(if names("CA_PROVIDER", "GoogleCA") {
        Some(CaMode::MeshCa)
    } else if names("EXTERNAL_CA", "ISTIOD_RA_HSM") {
        // Waiting for its chain: the mode is known before the certificates.
        Some(CaMode::Hsm)
    } else {
        // istiod's self-signed CA (or none): no plug-in certificates.
        None
    })
}
