//! The inbox: every pending request across the fleet (Kubernetes requests
//! for a managed signer and istiod's HSM request), decoded and checked,
//! with the approvals recorded so far; and a request as PEM for the
//! offline ceremony.

use shared::csr::{CsrInbox, InboxItem};

use super::decide::counting_approvals;
use super::mesh::MemberMesh;
use super::request::PendingRequest;
use crate::cluster::csr::{CsrState, SigningAccess};
use crate::error::AppError;
use crate::state::AppState;

/// The inbox across every member, asked in parallel: members that cannot
/// be read, or do not answer within [`REQUEST_TIMEOUT`], are named and the
/// rest answer without waiting for them.
pub async fn inbox(state: &AppState) -> Result<CsrInbox, AppError> {
    let signers = state.csr_settings().names();
    let answers = state
        .fleet()
        .ask_members(|name| {
            let signers = &signers;
            async move { member_inbox(state, &name, signers).await }
        })
        .await;
    let mut out = CsrInbox::default();
    for (name, answer) in answers {
        let MemberInbox { items, unreadable } = match answer {
            Ok(answer) => answer?,
            Err(no_answer) => {
                out.unreadable.push(format!("{name}: {no_answer}"));
                continue;
            }
        };
        out.items.extend(items);
        out.unreadable
            .extend(unreadable.into_iter().map(|why| format!("{name}: {why}")));
    }
    out.items
        .sort_by(|a, b| (a.created, &a.cluster, &a.name).cmp(&(b.created, &b.cluster, &b.name)));
    Ok(out)
}

/// One member's part of the inbox, and what of it could not be read.
#[derive(Default)]
struct MemberInbox {
    items: Vec<InboxItem>,
    unreadable: Vec<String>,
}

async fn member_inbox(
    state: &AppState,
    name: &str,
    signers: &[String],
) -> Result<MemberInbox, AppError> {
    let mut out = MemberInbox::default();
    let access = match state.fleet().client(name) {
        Ok(client) => SigningAccess::new(name, client),
        Err(e) => {
            out.unreadable.push(e.to_string());
            return Ok(out);
        }
    };
    let mut pending: Vec<PendingRequest> = match access.list_managed(signers).await {
        Ok(all) => all
            .into_iter()
            .filter(|c| c.state == CsrState::Pending)
            .map(PendingRequest::Kubernetes)
            .collect(),
        Err(e) => {
            out.unreadable.push(e.kind.to_string());
            return Ok(out);
        }
    };
    match access.hsm_pending().await {
        Ok(found) => pending.extend(found.map(PendingRequest::IstiodHsm)),
        Err(e) => out.unreadable.push(e.kind.to_string()),
    }
    if pending.is_empty() {
        return Ok(out);
    }
    let mesh = match MemberMesh::of(state, &access).await {
        Ok(mesh) => mesh,
        Err(e) => {
            out.unreadable.push(e.to_string());
            return Ok(out);
        }
    };
    for request in pending {
        out.items.push(item(state, name, &mesh, request).await?);
    }
    Ok(out)
}

/// The inbox item for `request` on `cluster`: a request that cannot be
/// read is listed with its problem, for the officer to deny.
async fn item(
    state: &AppState,
    cluster: &str,
    mesh: &MemberMesh,
    request: PendingRequest,
) -> Result<InboxItem, AppError> {
    let rule = request.rule(state.csr_settings());
    let approvals = counting_approvals(state, cluster, request.uid()).await?;
    let (view, problem, checks) = match request.decode(state).await {
        Ok(d) => {
            let checks = mesh.policy(&rule).check(&d.view).checks;
            (Some(d.view), None, checks)
        }
        Err(why) => (None, Some(why.to_string()), Vec::new()),
    };
    let rule = rule.for_request(view.as_ref().is_some_and(|v| v.is_ca));
    Ok(InboxItem {
        cluster: cluster.to_owned(),
        name: request.name().to_owned(),
        source: request.source(),
        created: request.created(),
        view,
        problem,
        checks,
        approvals,
        required_approvals: rule.approval_rule().required,
    })
}

/// Request `name` on `cluster` as PEM (for the offline ceremony): a CSR is
/// public.
pub async fn request_pem(state: &AppState, cluster: &str, name: &str) -> Result<String, AppError> {
    let access = SigningAccess::new(cluster, state.fleet().client(cluster)?);
    let request = PendingRequest::fetch(state.csr_settings(), &access, name).await?;
    let der = request
        .der(state)
        .await
        .map_err(|e| e.refusal(cluster, ""))?;
    Ok(pem::encode_config(
        &pem::Pem::new("CERTIFICATE REQUEST", der),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    ))
}
