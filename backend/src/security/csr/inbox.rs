//! The inbox: every pending request for a managed signer across the
//! fleet, decoded and checked, with the approvals recorded so far.

use shared::csr::{CsrInbox, CsrSource, InboxItem};

use super::mesh::MemberMesh;
use crate::cluster::csr::{self as kube_csr, CsrState, KubeCsr};
use crate::error::AppError;
use crate::security::ca::decode::{DecodedCsr, MalformedCsr, decode_csr};
use crate::security::hsm::request;
use crate::state::AppState;

/// A request with its view completed from the Kubernetes object.
pub(super) fn decoded(csr: &KubeCsr) -> Result<DecodedCsr, MalformedCsr> {
    let mut decoded = decode_csr(&csr.request)?;
    decoded.view.signer = csr.signer.clone();
    decoded.view.requester = csr.username.clone();
    decoded.view.requested_duration_secs = csr.expiration_seconds;
    Ok(decoded)
}

/// The inbox across every member; members that cannot be read are named.
pub async fn inbox(state: &AppState) -> Result<CsrInbox, AppError> {
    let settings = state.csr_settings();
    let signers = settings.names();
    let mut out = CsrInbox::default();
    for cluster in state.fleet().snapshot().clusters {
        let name = cluster.name().to_string();
        let listed = match state.fleet().client(&name) {
            Ok(client) => kube_csr::list_managed(&client, &signers)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let pending: Vec<KubeCsr> = match listed {
            Ok(all) => all
                .into_iter()
                .filter(|c| c.state == CsrState::Pending)
                .collect(),
            Err(why) => {
                out.unreadable.push(format!("{name}: {why}"));
                continue;
            }
        };
        let hsm_request = match state.fleet().client(&name) {
            Ok(client) => match request::pending(&client).await {
                Ok(found) => found,
                Err(e) => {
                    out.unreadable.push(format!("{name}: {e}"));
                    None
                }
            },
            Err(_) => None,
        };
        if pending.is_empty() && hsm_request.is_none() {
            continue;
        }
        let mesh = match MemberMesh::of(state, &name).await {
            Ok(mesh) => mesh,
            Err(e) => {
                out.unreadable.push(format!("{name}: {e}"));
                continue;
            }
        };
        for csr in pending {
            out.items.push(item(state, &name, &mesh, csr).await?);
        }
        if let Some(request) = hsm_request {
            out.items
                .push(super::hsm::item(state, &name, &mesh, request).await?);
        }
    }
    out.items
        .sort_by(|a, b| (a.created, &a.cluster, &a.name).cmp(&(b.created, &b.cluster, &b.name)));
    Ok(out)
}

async fn item(
    state: &AppState,
    cluster: &str,
    mesh: &MemberMesh,
    csr: KubeCsr,
) -> Result<InboxItem, AppError> {
    let settings = state.csr_settings();
    let rule = settings
        .rule(&csr.signer)
        .cloned()
        .unwrap_or_else(|| super::SignerRule {
            name: csr.signer.clone(),
            required_approvals: 1,
            allow_wildcards: false,
        });
    let approvals = state.store().csr_approvals(cluster, &csr.uid).await?;
    let (view, problem, checks) = match decoded(&csr) {
        Ok(d) => {
            let checks = mesh.policy(&rule).check(&d.view).checks;
            (Some(d.view), None, checks)
        }
        Err(e) => (None, Some(e.to_string()), Vec::new()),
    };
    Ok(InboxItem {
        cluster: cluster.to_owned(),
        name: csr.name.clone(),
        source: CsrSource::Kubernetes {
            name: csr.name,
            uid: csr.uid,
        },
        created: csr.created,
        view,
        problem,
        checks,
        approvals,
        required_approvals: rule.approval_rule().required,
    })
}

/// The request as PEM (for the offline ceremony), public.
pub async fn request_pem(state: &AppState, cluster: &str, name: &str) -> Result<String, AppError> {
    if name == shared::csr::HSM_REQUEST_NAME {
        return super::hsm::request_pem(state, cluster).await;
    }
    let csr = super::decide::pending(state, cluster, name).await?;
    let der = crate::security::ca::decode::request_der(&csr.request)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    Ok(pem::encode_config(
        &pem::Pem::new("CERTIFICATE REQUEST", der),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    ))
}
