//! Kubernetes `certificates.k8s.io/v1` CertificateSigningRequests on a
//! member: the ones for the signers the console manages, and the two
//! writes of a decision: a condition through `/approval` (Approved or
//! Denied) and, once signed, `status.certificate` through `/status`; and
//! [`SigningAccess`], everything the CSR decisions reach on one member.

use super::apply::kube_failure as failed;
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::json;

use super::ClusterError;
use super::apply::{ApplyError, FIELD_MANAGER};
use super::hsm_request::{self, HsmRequest};
use super::trust::{self, TrustMaterial};

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsrState {
    /// Waiting for a decision (or approved, with no certificate yet).
    Pending,
    Issued,
    Denied,
    Failed,
}

/// One request as the console reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeCsr {
    pub name: String,
    pub uid: String,
    /// Unix seconds.
    pub created: Option<i64>,
    /// `spec.request`: the PKCS#10 request, PEM.
    pub request: Vec<u8>,
    pub signer: String,
    pub username: Option<String>,
    pub expiration_seconds: Option<u64>,
    pub approved: bool,
    pub state: CsrState,
}

impl KubeCsr {
    fn of(csr: CertificateSigningRequest) -> Self {
        let status = csr.status.unwrap_or_default();
        let has = |kind: &str| {
            status
                .conditions
                .iter()
                .flatten()
                .any(|c| c.type_ == kind && c.status == "True")
        };
        let issued = status.certificate.as_ref().is_some_and(|c| !c.0.is_empty());
        let state = if has("Denied") {
            CsrState::Denied
        } else if has("Failed") {
            CsrState::Failed
        } else if issued {
            CsrState::Issued
        } else {
            CsrState::Pending
        };
        Self {
            name: csr.metadata.name.unwrap_or_default(),
            uid: csr.metadata.uid.unwrap_or_default(),
            created: csr.metadata.creation_timestamp.map(|t| t.0.as_second()),
            request: csr.spec.request.0,
            signer: csr.spec.signer_name,
            username: csr.spec.username,
            expiration_seconds: csr
                .spec
                .expiration_seconds
                .and_then(|s| u64::try_from(s).ok()),
            approved: has("Approved"),
            state,
        }
    }
}

/// The requests on the member for any of `signers`.
pub async fn list_managed(
    client: &kube::Client,
    signers: &[String],
) -> Result<Vec<KubeCsr>, ApplyError> {
    let api: Api<CertificateSigningRequest> = Api::all(client.clone());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(failed("list CertificateSigningRequests"))?;
    Ok(list
        .items
        .into_iter()
        .map(KubeCsr::of)
        .filter(|c| signers.contains(&c.signer))
        .collect())
}

/// One request; `None` when it does not exist.
pub async fn get(client: &kube::Client, name: &str) -> Result<Option<KubeCsr>, ApplyError> {
    let api: Api<CertificateSigningRequest> = Api::all(client.clone());
    api.get_opt(name)
        .await
        .map(|found| found.map(KubeCsr::of))
        .map_err(failed(format!("CertificateSigningRequest {name}")))
}

/// Writes under the console's field manager, like every other change.
fn params() -> PatchParams {
    PatchParams {
        field_manager: Some(FIELD_MANAGER.to_owned()),
        ..PatchParams::default()
    }
}

fn condition(kind: &str, reason: &str, message: String) -> CertificateSigningRequestCondition {
    let now = Time(k8s_openapi::jiff::Timestamp::now());
    CertificateSigningRequestCondition {
        type_: kind.to_owned(),
        status: "True".into(),
        reason: Some(reason.to_owned()),
        message: Some(message),
        last_update_time: Some(now.clone()),
        last_transition_time: Some(now),
    }
}

/// Adds `added` to the request's conditions through `/approval`, keeping
/// the others (a JSON merge patch replaces the whole list).
async fn add_condition(
    api: &Api<CertificateSigningRequest>,
    name: &str,
    added: CertificateSigningRequestCondition,
) -> Result<(), ApplyError> {
    let current = api
        .get(name)
        .await
        .map_err(failed(format!("CertificateSigningRequest {name}")))?;
    let mut conditions = current
        .status
        .and_then(|s| s.conditions)
        .unwrap_or_default();
    if conditions.iter().any(|c| c.type_ == added.type_) {
        return Ok(());
    }
    conditions.push(added);
    merge_status(api, name, "approval", json!({"conditions": conditions})).await
}

/// Merge-patches `status` of the request through its `subresource`
/// (`approval` for conditions, `status` for the certificate).
async fn merge_status(
    api: &Api<CertificateSigningRequest>,
    name: &str,
    subresource: &str,
    status: serde_json::Value,
) -> Result<(), ApplyError> {
    let patch = json!({ "status": status });
    api.patch_subresource(subresource, name, &params(), &Patch::Merge(&patch))
        .await
        .map_err(failed(format!(
            "{subresource} of CertificateSigningRequest {name}"
        )))?;
    Ok(())
}

/// Marks the request Approved by `approvers` and writes `certificate_pem`
/// (the chain, certificate first) to `status.certificate`.
pub async fn issue(
    client: &kube::Client,
    name: &str,
    approvers: &[String],
    certificate_pem: &str,
) -> Result<(), ApplyError> {
    let api: Api<CertificateSigningRequest> = Api::all(client.clone());
    let message = format!("approved in meshdeck by {}", approvers.join(", "));
    add_condition(
        &api,
        name,
        condition("Approved", "MeshdeckApproved", message),
    )
    .await?;
    let certificate = ByteString(certificate_pem.as_bytes().to_vec());
    merge_status(&api, name, "status", json!({ "certificate": certificate })).await
}

/// Marks the request Denied by `officer` for `reason`.
pub async fn deny(
    client: &kube::Client,
    name: &str,
    officer: &str,
    reason: &str,
) -> Result<(), ApplyError> {
    let api: Api<CertificateSigningRequest> = Api::all(client.clone());
    let message = format!("denied in meshdeck by {officer}: {reason}");
    add_condition(&api, name, condition("Denied", "MeshdeckDenied", message)).await
}

/// What the security officer's decisions reach on one member: its
/// CertificateSigningRequests, istiod's HSM request, and the trust
/// material the signing checks read. Resolved once per decision; every
/// failure names the member.
#[derive(Clone)]
pub struct SigningAccess {
    cluster: String,
    client: kube::Client,
}

impl SigningAccess {
    /// Access to member `cluster` through `client`.
    pub fn new(cluster: &str, client: kube::Client) -> Self {
        Self {
            cluster: cluster.to_owned(),
            client,
        }
    }

    /// The member's name.
    pub fn cluster(&self) -> &str {
        &self.cluster
    }

    fn named(&self) -> impl FnOnce(ApplyError) -> ClusterError + '_ {
        move |e| ClusterError::new(&self.cluster, e)
    }

    /// See [`list_managed`].
    pub async fn list_managed(&self, signers: &[String]) -> Result<Vec<KubeCsr>, ClusterError> {
        list_managed(&self.client, signers)
            .await
            .map_err(self.named())
    }

    /// See [`get`].
    pub async fn get(&self, name: &str) -> Result<Option<KubeCsr>, ClusterError> {
        get(&self.client, name).await.map_err(self.named())
    }

    /// See [`issue`].
    pub async fn issue(
        &self,
        name: &str,
        approvers: &[String],
        certificate_pem: &str,
    ) -> Result<(), ClusterError> {
        issue(&self.client, name, approvers, certificate_pem)
            .await
            .map_err(self.named())
    }

    /// See [`deny`].
    pub async fn deny(&self, name: &str, officer: &str, reason: &str) -> Result<(), ClusterError> {
        deny(&self.client, name, officer, reason)
            .await
            .map_err(self.named())
    }

    /// See [`hsm_request::pending`].
    pub async fn hsm_pending(&self) -> Result<Option<HsmRequest>, ClusterError> {
        hsm_request::pending(&self.client)
            .await
            .map_err(self.named())
    }

    /// See [`hsm_request::answer`].
    pub async fn hsm_answer(
        &self,
        chain_pem: &str,
        approvers: &[String],
        serial: &str,
    ) -> Result<(), ClusterError> {
        hsm_request::answer(&self.client, chain_pem, approvers, serial)
            .await
            .map_err(self.named())
    }

    /// See [`hsm_request::deny`].
    pub async fn hsm_deny(&self, officer: &str, reason: &str) -> Result<(), ClusterError> {
        hsm_request::deny(&self.client, officer, reason)
            .await
            .map_err(self.named())
    }

    /// See [`trust::read`].
    pub async fn trust(&self) -> Result<TrustMaterial, ClusterError> {
        trust::read(&self.client).await.map_err(self.named())
    }
}
