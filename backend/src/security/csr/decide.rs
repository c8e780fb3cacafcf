//! Decisions on a pending request, the same for both kinds. Every refusal
//! comes before anything is written: the request must be pending, decode,
//! pass the policy checks, and the officer's approval must count under the
//! two-person rule. An approval that leaves the rule short is stored at
//! once; the one that completes it is stored after a certificate was
//! signed (or an uploaded chain checked), verified, and written back, so a
//! failed write can be retried.

use shared::csr::{ApprovalRefused, ApprovalState, ApproveOutcome, CsrDecision};

use super::SignerRule;
use super::mesh::MemberMesh;
use super::request::PendingRequest;
use super::turns::decision_turn;
use crate::cluster::csr::SigningAccess;
use crate::error::AppError;
use crate::security::ca::decode::DecodedCsr;
use crate::security::ca::{CaError, CertificateAuthority, IssuedCertificate};
use crate::state::AppState;

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

/// A request that passed review.
struct Reviewed<'a> {
    state: &'a AppState,
    cluster: &'a str,
    access: SigningAccess,
    request: PendingRequest,
    decoded: DecodedCsr,
    mesh: MemberMesh,
    rule: SignerRule,
    /// Approvals recorded before this one.
    recorded: usize,
}

/// The checks every decision to sign passes before anything changes: the
/// request is fetched once, decoded, checked against the signing policy,
/// and `officer`'s approval counted under the two-person rule: what it
/// makes of the rule comes with the request.
async fn review<'a>(
    state: &'a AppState,
    cluster: &'a str,
    name: &str,
    officer: &str,
) -> Result<(Reviewed<'a>, ApprovalState), AppError> {
    let access = SigningAccess::new(cluster, state.fleet().client(cluster)?);
    let request = PendingRequest::fetch(state.csr_settings(), &access, name).await?;
    let decoded = request
        .decode(state)
        .await
        .map_err(|e| e.refusal(cluster, "; nothing was changed"))?;
    let rule = request
        .rule(state.csr_settings())
        .for_request(decoded.view.is_ca);
    let mesh = MemberMesh::of(state, &access).await?;
    let report = mesh.policy(&rule).check(&decoded.view);
    if !report.passed() {
        return Err(AppError::BadRequest(format!(
            "{} fails the signing policy: {}",
            request.title(cluster),
            report.failures().join("; ")
        )));
    }
    let earlier = counting_approvals(state, cluster, request.uid()).await?;
    let approval = rule
        .approval_rule()
        .approve(request.requester(), &earlier, officer)
        .map_err(refused)?;
    let reviewed = Reviewed {
        state,
        cluster,
        access,
        request,
        decoded,
        mesh,
        rule,
        recorded: earlier.len(),
    };
    Ok((reviewed, approval))
}

/// The recorded approvals of request `uid` that count: by accounts that
/// are security officers now. An approval by an account since removed or
/// given another role no longer counts towards the two-person rule.
pub(super) async fn counting_approvals(
    state: &AppState,
    cluster: &str,
    uid: &str,
) -> Result<Vec<String>, AppError> {
    let recorded = state.store().csr_approvals(cluster, uid).await?;
    Ok(state.store().officers_among(&recorded).await?)
}

fn refused(err: ApprovalRefused) -> AppError {
    match err {
        ApprovalRefused::Requester { .. } => AppError::Forbidden(err.to_string()),
        ApprovalRefused::AlreadyApproved { .. } => AppError::Conflict(err.to_string()),
    }
}

fn ca(state: &AppState) -> Result<&CertificateAuthority, AppError> {
    state.ca().ok_or_else(|| {
        AppError::Conflict("no PKCS#11 token is configured: the console cannot sign".into())
    })
}

fn ca_error(err: CaError) -> AppError {
    match err {
        CaError::Rejected(message) => AppError::BadRequest(message),
        CaError::ChainRejected(e) => AppError::BadRequest(format!(
            "the chain does not verify against the mesh root: {e}"
        )),
        // Signing never creates the root: a security officer does, on
        // Security → Mesh roots (issue 21).
        no_root @ CaError::NoRoot { .. } => AppError::Conflict(no_root.to_string()),
        other => AppError::Internal(other.to_string()),
    }
}

impl Reviewed<'_> {
    /// Stores `officer`'s approval.
    async fn record(&self, officer: &str) -> Result<(), AppError> {
        let now = self.state.clock().now();
        self.state
            .store()
            .add_csr_approval(
                self.cluster,
                self.request.uid(),
                self.request.name(),
                officer,
                now,
            )
            .await?;
        Ok(())
    }

    /// Writes `issued` back to the requester, then stores the approval
    /// that completed the rule (unless it is stored already).
    async fn issue(
        self,
        officer: Option<&str>,
        approvers: Vec<String>,
        issued: IssuedCertificate,
    ) -> Result<Decided, AppError> {
        self.request
            .write_chain(&self.access, &approvers, &issued)
            .await?;
        if let Some(officer) = officer {
            self.record(officer).await?;
        }
        let outcome = ApproveOutcome::Issued(CsrDecision {
            cluster: self.cluster.to_owned(),
            name: self.request.name().to_owned(),
            serial: issued.serial,
            sha256_fingerprint: issued.sha256_fingerprint,
            chain_pem: issued.chain_pem,
            approvers,
        });
        Ok(self.decided(outcome))
    }

    fn decided(self, outcome: ApproveOutcome) -> Decided {
        Decided {
            signer: self.request.signer().to_owned(),
            subject: self.decoded.view.subject,
            outcome,
        }
    }
}

/// `officer` approves request `name` on `cluster`.
pub async fn approve(
    state: &AppState,
    cluster: &str,
    name: &str,
    officer: &str,
) -> Result<Decided, AppError> {
    let _turn = decision_turn(cluster, name).await;
    let (reviewed, approval) = review(state, cluster, name, officer).await?;
    let ca = ca(state)?;
    let mesh = reviewed.mesh.mesh_id(cluster)?.clone();
    match approval {
        ApprovalState::Pending {
            approvers,
            required,
        } => {
            // An approval towards a signature that cannot happen would
            // sit in the record: the root must exist before anyone
            // approves, as it must when the last one signs.
            ca.root(&mesh)
                .await
                .map_err(ca_error)?
                .ok_or_else(|| CaError::NoRoot { mesh: mesh.clone() })
                .map_err(ca_error)?;
            reviewed.record(officer).await?;
            // Another replica may have recorded the other officer's
            // approval meanwhile (the turn is per process): whoever sees
            // the rule complete signs, or nobody ever would.
            let now = counting_approvals(state, cluster, reviewed.request.uid()).await?;
            if now.len() < required as usize {
                return Ok(reviewed.decided(ApproveOutcome::Pending {
                    approvals: approvers,
                    required,
                }));
            }
            let issued = ca
                .sign_csr(&mesh, &reviewed.decoded, reviewed.request.requested_secs())
                .await
                .map_err(ca_error)?;
            reviewed.issue(None, now, issued).await
        }
        // The completing approval is stored once the certificate is
        // written: if signing or writing fails, the officer can retry.
        ApprovalState::Complete { approvers } => {
            let issued = ca
                .sign_csr(&mesh, &reviewed.decoded, reviewed.request.requested_secs())
                .await
                .map_err(ca_error)?;
            reviewed.issue(Some(officer), approvers, issued).await
        }
    }
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
    let _turn = decision_turn(cluster, name).await;
    let (reviewed, approval) = review(state, cluster, name, officer).await?;
    let ApprovalState::Complete { approvers } = approval else {
        return Err(AppError::Conflict(format!(
            "signer {} needs {} approvals and {} are recorded: another officer must approve before a chain is written",
            reviewed.rule.name,
            reviewed.rule.approval_rule().required,
            reviewed.recorded,
        )));
    };
    let mesh = reviewed.mesh.mesh_id(cluster)?.clone();
    let issued = ca(state)?
        .check_uploaded_chain(&mesh, &reviewed.decoded, chain_pem)
        .await
        .map_err(ca_error)?;
    reviewed.issue(Some(officer), approvers, issued).await
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
    let _turn = decision_turn(cluster, name).await;
    let access = SigningAccess::new(cluster, state.fleet().client(cluster)?);
    let request = PendingRequest::fetch(state.csr_settings(), &access, name).await?;
    let subject = request
        .decode(state)
        .await
        .map(|d| d.view.subject)
        .unwrap_or_default();
    request.write_denial(&access, officer, reason).await?;
    Ok(Denied {
        signer: request.signer().to_owned(),
        subject,
    })
}
