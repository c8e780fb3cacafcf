//! Decisions on a Kubernetes request. Every refusal comes before anything
//! is written: the request must be pending, decode, pass the policy
//! checks, and the officer's approval must count under the two-person
//! rule. An approval that leaves the rule short is stored at once; the one
//! that completes it is stored after a certificate was signed (or an
//! uploaded chain checked), verified, and written back, so a failed write
//! can be retried.

use shared::csr::{ApprovalRefused, ApprovalState, ApproveOutcome, CsrDecision, HSM_REQUEST_NAME};
use tokio::sync::Mutex;

use super::SignerRule;
use super::inbox::decoded;
use super::mesh::MemberMesh;
use crate::cluster::csr::{self as kube_csr, CsrState, KubeCsr};
use crate::error::AppError;
use crate::security::ca::decode::DecodedCsr;
use crate::security::ca::{CaError, CertificateAuthority, IssuedCertificate};
use crate::state::AppState;

/// One decision at a time in this console, so two officers approving at
/// once both count and the request is signed once.
pub(super) static DECISIONS: Mutex<()> = Mutex::const_new(());

/// What a decision did, for its response and audit entry.
#[derive(Debug, Clone)]
pub struct Decided {
    pub signer: String,
    pub subject: String,
    pub outcome: ApproveOutcome,
}

/// What a denial did, for its audit entry.
#[derive(Debug, Clone)]
pub struct Denied {
    pub signer: String,
    pub subject: String,
}

/// The pending request `name` on `cluster`.
pub(super) async fn pending(
    state: &AppState,
    cluster: &str,
    name: &str,
) -> Result<KubeCsr, AppError> {
    let client = state.fleet().client(cluster)?;
    let csr = kube_csr::get(&client, name)
        .await
        .map_err(|e| AppError::on_cluster(cluster, e))?
        .ok_or_else(|| AppError::NotFoundOn {
            cluster: cluster.to_owned(),
            message: format!("no CertificateSigningRequest {name}"),
        })?;
    if state.csr_settings().rule(&csr.signer).is_none() {
        return Err(AppError::BadRequest(format!(
            "CertificateSigningRequest {name} is for signer {}, which this console does not manage",
            csr.signer
        )));
    }
    match csr.state {
        CsrState::Pending => Ok(csr),
        other => Err(AppError::Conflict(format!(
            "CertificateSigningRequest {name} on {cluster} is already decided ({other:?})"
        ))),
    }
}

/// The checks every decision to sign passes before anything changes.
struct Reviewed {
    csr: KubeCsr,
    decoded: DecodedCsr,
    rule: SignerRule,
    mesh: MemberMesh,
}

async fn review(state: &AppState, cluster: &str, name: &str) -> Result<Reviewed, AppError> {
    let csr = pending(state, cluster, name).await?;
    let decoded = decoded(&csr).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let rule = state
        .csr_settings()
        .rule(&csr.signer)
        .cloned()
        .ok_or_else(|| AppError::BadRequest(format!("unmanaged signer {}", csr.signer)))?;
    let mesh = MemberMesh::of(state, cluster).await?;
    let report = mesh.policy(&rule).check(&decoded.view);
    if !report.passed() {
        return Err(AppError::BadRequest(format!(
            "CertificateSigningRequest {name} fails the signing policy: {}",
            report.failures().join("; ")
        )));
    }
    Ok(Reviewed {
        csr,
        decoded,
        rule,
        mesh,
    })
}

pub(super) fn refused(err: ApprovalRefused) -> AppError {
    match err {
        ApprovalRefused::Requester { .. } => AppError::Forbidden(err.to_string()),
        ApprovalRefused::AlreadyApproved { .. } => AppError::Conflict(err.to_string()),
    }
}

/// An uploaded chain is written only by the approval completing the rule.
pub(super) fn needs_another_officer(rule: &SignerRule, recorded: usize) -> AppError {
    AppError::Conflict(format!(
        "signer {} needs {} approvals and {recorded} are recorded: another officer must approve before a chain is written",
        rule.name,
        rule.approval_rule().required,
    ))
}

pub(super) fn ca(state: &AppState) -> Result<&CertificateAuthority, AppError> {
    state.ca().ok_or_else(|| {
        AppError::Conflict("no PKCS#11 token is configured: the console cannot sign".into())
    })
}

pub(super) fn ca_error(err: CaError) -> AppError {
    match err {
        CaError::Rejected(message) => AppError::BadRequest(message),
        CaError::ChainRejected(e) => AppError::BadRequest(format!(
            "the chain does not verify against the mesh root: {e}"
        )),
        other => AppError::Internal(other.to_string()),
    }
}

/// `officer` approves request `name` on `cluster`.
pub async fn approve(
    state: &AppState,
    cluster: &str,
    name: &str,
    officer: &str,
) -> Result<Decided, AppError> {
    if name == HSM_REQUEST_NAME {
        return super::hsm::approve(state, cluster, officer).await;
    }
    let _turn = DECISIONS.lock().await;
    let r = review(state, cluster, name).await?;
    let earlier = state.store().csr_approvals(cluster, &r.csr.uid).await?;
    let approval = r
        .rule
        .approval_rule()
        .approve(r.csr.username.as_deref(), &earlier, officer)
        .map_err(refused)?;
    let ca = ca(state)?;
    let mesh = r.mesh.mesh_id(cluster)?.clone();
    let record = || {
        state
            .store()
            .add_csr_approval(cluster, &r.csr.uid, name, officer, state.clock().now())
    };
    let outcome = match approval {
        ApprovalState::Pending {
            approvers,
            required,
        } => {
            record().await?;
            ApproveOutcome::Pending {
                approvals: approvers,
                required,
            }
        }
        // The completing approval is stored once the certificate is
        // written: if signing or writing fails, the officer can retry.
        ApprovalState::Complete { approvers } => {
            let issued = ca
                .sign_csr(&mesh, &r.decoded, r.csr.expiration_seconds)
                .await
                .map_err(ca_error)?;
            let outcome = write_back(state, cluster, name, approvers, issued).await?;
            record().await?;
            outcome
        }
    };
    Ok(Decided {
        signer: r.csr.signer,
        subject: r.decoded.view.subject,
        outcome,
    })
}

/// `officer` writes a chain signed elsewhere for request `name`: it must
/// be for the request's key and chain to the mesh root, and the officer's
/// approval must complete the two-person rule; otherwise nothing changes.
pub async fn upload_chain(
    state: &AppState,
    cluster: &str,
    name: &str,
    officer: &str,
    chain_pem: &str,
) -> Result<Decided, AppError> {
    if name == HSM_REQUEST_NAME {
        return super::hsm::upload_chain(state, cluster, officer, chain_pem).await;
    }
    let _turn = DECISIONS.lock().await;
    let r = review(state, cluster, name).await?;
    let earlier = state.store().csr_approvals(cluster, &r.csr.uid).await?;
    let approval = r
        .rule
        .approval_rule()
        .approve(r.csr.username.as_deref(), &earlier, officer)
        .map_err(refused)?;
    let ApprovalState::Complete { approvers } = approval else {
        return Err(needs_another_officer(&r.rule, earlier.len()));
    };
    let mesh = r.mesh.mesh_id(cluster)?.clone();
    let issued = ca(state)?
        .check_uploaded_chain(&mesh, &r.decoded, chain_pem)
        .await
        .map_err(ca_error)?;
    let outcome = write_back(state, cluster, name, approvers, issued).await?;
    state
        .store()
        .add_csr_approval(cluster, &r.csr.uid, name, officer, state.clock().now())
        .await?;
    Ok(Decided {
        signer: r.csr.signer,
        subject: r.decoded.view.subject,
        outcome,
    })
}

async fn write_back(
    state: &AppState,
    cluster: &str,
    name: &str,
    approvers: Vec<String>,
    issued: IssuedCertificate,
) -> Result<ApproveOutcome, AppError> {
    let client = state.fleet().client(cluster)?;
    kube_csr::issue(&client, name, &approvers, &issued.chain_pem)
        .await
        .map_err(|e| AppError::on_cluster(cluster, e))?;
    Ok(ApproveOutcome::Issued(CsrDecision {
        cluster: cluster.to_owned(),
        name: name.to_owned(),
        serial: issued.serial,
        sha256_fingerprint: issued.sha256_fingerprint,
        chain_pem: issued.chain_pem,
        approvers,
    }))
}

/// `officer` denies request `name` for `reason` (required).
pub async fn deny(
    state: &AppState,
    cluster: &str,
    name: &str,
    officer: &str,
    reason: &str,
) -> Result<Denied, AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::BadRequest(
            "a denial needs a reason, recorded on the request and in the audit log".into(),
        ));
    }
    if name == HSM_REQUEST_NAME {
        return super::hsm::deny(state, cluster, officer, reason).await;
    }
    let _turn = DECISIONS.lock().await;
    let csr = pending(state, cluster, name).await?;
    let subject = decoded(&csr).map(|d| d.view.subject).unwrap_or_default();
    let client = state.fleet().client(cluster)?;
    kube_csr::deny(&client, name, officer, reason)
        .await
        .map_err(|e| AppError::on_cluster(cluster, e))?;
    Ok(Denied {
        signer: csr.signer,
        subject,
    })
}
