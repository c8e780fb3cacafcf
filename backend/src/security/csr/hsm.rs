//! istiod's HSM requests (SPEC §2.2 mode 3) in the inbox and their
//! decisions. The request is decrypted through the cluster's slot with the
//! PIN Vault holds each time it is shown or decided (nothing decrypted is
//! kept); it then passes the same policy checks and two-person rule as a
//! Kubernetes request for the mesh root signer, and is answered with
//! secret `istio-ca-cert` or denied with a reason recorded on it.

use shared::csr::{
    ApprovalState, ApproveOutcome, CsrDecision, CsrSource, HSM_REQUEST_NAME, InboxItem,
};

use super::SignerRule;
use super::decide::{DECISIONS, Decided, Denied, ca, ca_error, needs_another_officer, refused};
use super::mesh::MemberMesh;
use crate::error::AppError;
use crate::security::ca::IssuedCertificate;
use crate::security::ca::decode::{DecodedCsr, decode_csr};
use crate::security::hsm::SlotAccess;
use crate::security::hsm::request::{self, HsmRequest};
use crate::state::AppState;

/// The signer whose rule applies: istiod asks for an intermediate CA under
/// the mesh root.
pub const HSM_SIGNER: &str = "istio.io/mesh-root";

fn rule(state: &AppState) -> SignerRule {
    state
        .csr_settings()
        .rule(HSM_SIGNER)
        .cloned()
        .unwrap_or_else(|| SignerRule {
            name: HSM_SIGNER.to_owned(),
            required_approvals: 1,
            allow_wildcards: false,
        })
}

/// The decrypted request, decoded, its view completed from the secret.
async fn decoded(state: &AppState, request: &HsmRequest) -> Result<DecodedCsr, String> {
    let access = SlotAccess::of(state)?;
    let pem = request::decrypt(&access, request).await?;
    let mut decoded = decode_csr(&pem).map_err(|e| e.to_string())?;
    decoded.view.signer = HSM_SIGNER.to_owned();
    decoded.view.requester = request.requester.clone();
    Ok(decoded)
}

/// The inbox item for `request` on `cluster`.
pub(super) async fn item(
    state: &AppState,
    cluster: &str,
    mesh: &MemberMesh,
    request: HsmRequest,
) -> Result<InboxItem, AppError> {
    let rule = rule(state);
    let approvals = state.store().csr_approvals(cluster, &request.uid).await?;
    let (view, problem, checks) = match decoded(state, &request).await {
        Ok(d) => {
            let checks = mesh.policy(&rule).check(&d.view).checks;
            (Some(d.view), None, checks)
        }
        Err(why) => (
            None,
            Some(format!("cannot decrypt istiod's request: {why}")),
            Vec::new(),
        ),
    };
    let slot = request.slot.as_ref().ok();
    Ok(InboxItem {
        cluster: cluster.to_owned(),
        name: HSM_REQUEST_NAME.to_owned(),
        source: CsrSource::IstiodHsm {
            uid: request.uid.clone(),
            revision: request.revision.clone(),
            slot_label: slot.map(|s| s.slot_label.clone()),
            kek_id: slot.map(|s| s.kek_id.clone()),
        },
        created: request.created,
        view,
        problem,
        checks,
        approvals,
        required_approvals: rule.approval_rule().required,
    })
}

/// The waiting request on `cluster`.
async fn pending(state: &AppState, cluster: &str) -> Result<HsmRequest, AppError> {
    let client = state.fleet().client(cluster)?;
    request::pending(&client)
        .await
        .map_err(|e| AppError::on_cluster(cluster, e))?
        .ok_or_else(|| AppError::NotFoundOn {
            cluster: cluster.to_owned(),
            message: format!(
                "istiod has no CA certificate request waiting (no secret istio-system/{} without an answer)",
                request::REQUEST_SECRET
            ),
        })
}

/// The checks every decision to sign passes before anything changes.
/// A request that passed review, and what `officer`'s approval makes of
/// the two-person rule.
struct Reviewed {
    request: HsmRequest,
    decoded: DecodedCsr,
    mesh: MemberMesh,
    rule: SignerRule,
    recorded: usize,
    approval: ApprovalState,
}

async fn review(state: &AppState, cluster: &str, officer: &str) -> Result<Reviewed, AppError> {
    let request = pending(state, cluster).await?;
    let decoded = decoded(state, &request).await.map_err(|why| {
        AppError::Conflict(format!(
            "cannot decrypt istiod's request on {cluster}: {why}; nothing was changed"
        ))
    })?;
    let mesh = MemberMesh::of(state, cluster).await?;
    let report = mesh.policy(&rule(state)).check(&decoded.view);
    if !report.passed() {
        return Err(AppError::BadRequest(format!(
            "istiod's request on {cluster} fails the signing policy: {}",
            report.failures().join("; ")
        )));
    }
    let rule = rule(state);
    let earlier = state.store().csr_approvals(cluster, &request.uid).await?;
    let approval = rule
        .approval_rule()
        .approve(request.requester.as_deref(), &earlier, officer)
        .map_err(refused)?;
    Ok(Reviewed {
        request,
        decoded,
        mesh,
        rule,
        recorded: earlier.len(),
        approval,
    })
}

/// The decrypted request as PEM (offline ceremony): a CSR is public.
pub async fn request_pem(state: &AppState, cluster: &str) -> Result<String, AppError> {
    let request = pending(state, cluster).await?;
    let decoded = decoded(state, &request).await.map_err(|why| {
        AppError::Conflict(format!(
            "cannot decrypt istiod's request on {cluster}: {why}"
        ))
    })?;
    Ok(pem::encode_config(
        &pem::Pem::new("CERTIFICATE REQUEST", decoded.der),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    ))
}

/// `officer` approves istiod's request on `cluster`.
pub async fn approve(state: &AppState, cluster: &str, officer: &str) -> Result<Decided, AppError> {
    let _turn = DECISIONS.lock().await;
    let Reviewed {
        request,
        decoded,
        mesh,
        approval,
        ..
    } = review(state, cluster, officer).await?;
    let ca = ca(state)?;
    let mesh_id = mesh.mesh_id(cluster)?.clone();
    let record = || {
        state.store().add_csr_approval(
            cluster,
            &request.uid,
            HSM_REQUEST_NAME,
            officer,
            state.clock().now(),
        )
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
        ApprovalState::Complete { approvers } => {
            let issued = ca
                .sign_csr(&mesh_id, &decoded, None)
                .await
                .map_err(ca_error)?;
            let outcome = write_back(state, cluster, approvers, issued).await?;
            record().await?;
            outcome
        }
    };
    Ok(Decided {
        signer: HSM_SIGNER.to_owned(),
        subject: decoded.view.subject,
        outcome,
    })
}

/// `officer` writes a chain signed elsewhere for istiod's request.
pub async fn upload_chain(
    state: &AppState,
    cluster: &str,
    officer: &str,
    chain_pem: &str,
) -> Result<Decided, AppError> {
    let _turn = DECISIONS.lock().await;
    let Reviewed {
        request,
        decoded,
        mesh,
        rule,
        recorded,
        approval,
    } = review(state, cluster, officer).await?;
    let ApprovalState::Complete { approvers } = approval else {
        return Err(needs_another_officer(&rule, recorded));
    };
    let mesh_id = mesh.mesh_id(cluster)?.clone();
    let issued = ca(state)?
        .check_uploaded_chain(&mesh_id, &decoded, chain_pem)
        .await
        .map_err(ca_error)?;
    let outcome = write_back(state, cluster, approvers, issued).await?;
    state
        .store()
        .add_csr_approval(
            cluster,
            &request.uid,
            HSM_REQUEST_NAME,
            officer,
            state.clock().now(),
        )
        .await?;
    Ok(Decided {
        signer: HSM_SIGNER.to_owned(),
        subject: decoded.view.subject,
        outcome,
    })
}

async fn write_back(
    state: &AppState,
    cluster: &str,
    approvers: Vec<String>,
    issued: IssuedCertificate,
) -> Result<ApproveOutcome, AppError> {
    let client = state.fleet().client(cluster)?;
    request::answer(&client, &issued.chain_pem, &approvers, &issued.serial)
        .await
        .map_err(|e| AppError::on_cluster(cluster, e))?;
    Ok(ApproveOutcome::Issued(CsrDecision {
        cluster: cluster.to_owned(),
        name: HSM_REQUEST_NAME.to_owned(),
        serial: issued.serial,
        sha256_fingerprint: issued.sha256_fingerprint,
        chain_pem: issued.chain_pem,
        approvers,
    }))
}

/// `officer` denies istiod's request on `cluster` for `reason`.
pub async fn deny(
    state: &AppState,
    cluster: &str,
    officer: &str,
    reason: &str,
) -> Result<Denied, AppError> {
    let _turn = DECISIONS.lock().await;
    let request = pending(state, cluster).await?;
    let subject = decoded(state, &request)
        .await
        .map(|d| d.view.subject)
        .unwrap_or_default();
    let client = state.fleet().client(cluster)?;
    request::deny(&client, officer, reason)
        .await
        .map_err(|e| AppError::on_cluster(cluster, e))?;
    Ok(Denied {
        signer: HSM_SIGNER.to_owned(),
        subject,
    })
}
