//! istiod's HSM request on one cluster as Kubernetes holds it: secret
//! `istio-system/istio-ca-cert-csr` (the CSR encrypted with the cluster's
//! KEK), where istiod finds its slot and Vault secret (its Deployment's
//! `hsm-plugin` and `vault-client` settings), and the two answers: secret
//! `istio-ca-cert` holding the signed chain, or a denial recorded on the
//! request secret. Decrypting it is the security side's business.

use std::collections::BTreeMap;

use base64::Engine;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;
use shared::mesh::{ISTIO_SYSTEM, REV_LABEL};

use super::apply::{self, ApplyError, FIELD_MANAGER, kube_failure as failed};

/// istiod's request secret.
pub const REQUEST_SECRET: &str = "istio-ca-cert-csr";
/// The answer istiod waits for.
pub const ANSWER_SECRET: &str = "istio-ca-cert";
/// The answer's one key: istiod's certificate, intermediates, mesh root.
pub const CHAIN_KEY: &str = "cert-chain.pem";
/// Set on the request secret when an officer denies it.
const DENIED_ANNOTATION: &str = "meshdeck.io/denied";
/// Set by istiod on its request: who asked.
const REQUESTER_ANNOTATION: &str = "meshdeck.io/requested-by";

/// Where istiod keeps its key: its slot, KEK and the Vault secret with the
/// slot's PIN, as its Deployment names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IstiodSlot {
    pub slot_label: String,
    pub kek_id: String,
    pub vault_addr: String,
    pub secret_path: String,
}

/// Why istiod's slot cannot be found from its Deployment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoIstiodSlot {
    #[error("Deployment {ns}/{deployment}, which asked for the certificate, is gone", ns = ISTIO_SYSTEM)]
    Gone { deployment: String },
    #[error(
        "Deployment {ns}/{deployment} has no {var} in container {container}: it is not an istiod in HSM mode",
        ns = ISTIO_SYSTEM
    )]
    NotInHsmMode {
        deployment: String,
        container: &'static str,
        var: &'static str,
    },
}

/// A pending request.
#[derive(Debug, Clone)]
pub struct HsmRequest {
    pub uid: String,
    /// Unix seconds.
    pub created: Option<i64>,
    pub revision: Option<String>,
    pub requester: Option<String>,
    /// The secret's data.
    pub data: BTreeMap<String, Vec<u8>>,
    /// istiod's slot, or why it cannot be found.
    pub slot: Result<IstiodSlot, NoIstiodSlot>,
}

/// The request on the cluster if one waits: it exists, no answer was
/// written and no officer denied it.
pub async fn pending(client: &kube::Client) -> Result<Option<HsmRequest>, ApplyError> {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), ISTIO_SYSTEM);
    let Some(secret) = secrets
        .get_opt(REQUEST_SECRET)
        .await
        .map_err(failed(format!("secret {ISTIO_SYSTEM}/{REQUEST_SECRET}")))?
    else {
        return Ok(None);
    };
    let annotations = secret.metadata.annotations.clone().unwrap_or_default();
    if annotations.contains_key(DENIED_ANNOTATION) {
        return Ok(None);
    }
    if secrets
        .get_opt(ANSWER_SECRET)
        .await
        .map_err(failed(format!("secret {ISTIO_SYSTEM}/{ANSWER_SECRET}")))?
        .is_some()
    {
        return Ok(None);
    }
    let revision = secret
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(REV_LABEL))
        .cloned();
    let slot = istiod_slot(client, revision.as_deref()).await?;
    Ok(Some(HsmRequest {
        uid: secret.metadata.uid.clone().unwrap_or_default(),
        created: secret
            .metadata
            .creation_timestamp
            .as_ref()
            .map(|t| t.0.as_second()),
        requester: annotations.get(REQUESTER_ANNOTATION).cloned().or_else(|| {
            revision
                .as_ref()
                .map(|r| format!("system:serviceaccount:{ISTIO_SYSTEM}:istiod-{r}"))
        }),
        revision,
        data: secret
            .data
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.0))
            .collect(),
        slot,
    }))
}

/// The slot settings of `istiod-<revision>` (else of `istiod`).
async fn istiod_slot(
    client: &kube::Client,
    revision: Option<&str>,
) -> Result<Result<IstiodSlot, NoIstiodSlot>, ApplyError> {
    let name = match revision {
        Some(rev) if rev != "default" => format!("istiod-{rev}"),
        _ => "istiod".to_owned(),
    };
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ISTIO_SYSTEM);
    let Some(deployment) = deployments
        .get_opt(&name)
        .await
        .map_err(failed(format!("Deployment {ISTIO_SYSTEM}/{name}")))?
    else {
        return Ok(Err(NoIstiodSlot::Gone { deployment: name }));
    };
    let containers = deployment
        .spec
        .template
        .spec
        .map(|s| s.containers)
        .unwrap_or_default();
    let env = |container: &'static str, var: &'static str| {
        containers
            .iter()
            .find(|c| c.name == container)
            .and_then(|c| c.env.as_ref())
            .and_then(|env| env.iter().find(|e| e.name == var))
            .and_then(|e| e.value.clone())
            .ok_or_else(|| NoIstiodSlot::NotInHsmMode {
                deployment: name.clone(),
                container,
                var,
            })
    };
    let slot = (|| {
        Ok(IstiodSlot {
            slot_label: env("hsm-plugin", "P11_TOKEN")?,
            kek_id: env("hsm-plugin", "KEK_ID")?,
            vault_addr: env("vault-client", "VAULT_ADDR")?,
            secret_path: env("vault-client", "VAULT_SECRET_PATH")?,
        })
    })();
    Ok(slot)
}

/// Writes secret `istio-ca-cert` with `chain_pem` (certificate first,
/// mesh root last).
pub async fn answer(
    client: &kube::Client,
    chain_pem: &str,
    approvers: &[String],
    serial: &str,
) -> Result<(), ApplyError> {
    let body = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": ANSWER_SECRET,
            "namespace": ISTIO_SYSTEM,
            "annotations": {
                "meshdeck.io/approved-by": approvers.join(", "),
                "meshdeck.io/serial": serial,
            },
        },
        "type": "Opaque",
        "data": {CHAIN_KEY: base64::engine::general_purpose::STANDARD.encode(chain_pem)},
    });
    apply::apply(client, &body, false).await.map(|_| ())
}

/// Records `officer`'s denial and `reason` on the request secret; istiod
/// keeps waiting, and the request leaves the inbox.
pub async fn deny(client: &kube::Client, officer: &str, reason: &str) -> Result<(), ApplyError> {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), ISTIO_SYSTEM);
    let patch =
        json!({"metadata": {"annotations": {DENIED_ANNOTATION: format!("{officer}: {reason}")}}});
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.to_owned()),
        ..PatchParams::default()
    };
    secrets
        .patch(REQUEST_SECRET, &params, &Patch::Merge(&patch))
        .await
        .map_err(failed(format!("secret {ISTIO_SYSTEM}/{REQUEST_SECRET}")))?;
    Ok(())
}
