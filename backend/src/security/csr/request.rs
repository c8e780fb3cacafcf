//! A request waiting for the security officer, whichever way it reached
//! the console: a Kubernetes CertificateSigningRequest for a managed
//! signer, or istiod's encrypted request in HSM mode (SPEC §2.2 mode 3),
//! decrypted through the cluster's slot with the PIN Vault holds each time
//! it is shown or decided (nothing decrypted is kept). Both pass the same
//! checks and decisions; they differ only in how they are read and where
//! the answer is written: the Kubernetes object's status, or secret
//! `istio-ca-cert` (a denial is recorded on the request secret).

use shared::csr::{CsrSource, HSM_REQUEST_NAME};

use super::{CsrSettings, SignerRule};
use crate::cluster::ClusterError;
use crate::cluster::csr::{CsrState, KubeCsr, SigningAccess};
use crate::cluster::hsm_request::{self, HsmRequest};
use crate::error::AppError;
use crate::security::ca::IssuedCertificate;
use crate::security::ca::decode::{DecodedCsr, MalformedCsr, decode_csr, request_der};
use crate::security::hsm::{SlotAccess, SlotError};
use crate::state::AppState;

/// The signer whose rule applies to istiod's request: it asks for an
/// intermediate CA under the mesh root.
pub const HSM_SIGNER: &str = "istio.io/mesh-root";

/// One pending request on one member.
#[derive(Debug, Clone)]
pub enum PendingRequest {
    Kubernetes(KubeCsr),
    IstiodHsm(HsmRequest),
}

/// Why a request cannot be reviewed.
#[derive(Debug, thiserror::Error)]
pub enum Unreadable {
    /// A Kubernetes request that does not decode.
    #[error(transparent)]
    Malformed(MalformedCsr),
    /// istiod's request, which could not be decrypted (or did not decode
    /// once decrypted).
    #[error("cannot decrypt istiod's request: {0}")]
    Sealed(Sealed),
}

/// Why istiod's request could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Sealed {
    #[error(transparent)]
    Slot(#[from] SlotError),
    #[error(transparent)]
    Malformed(#[from] MalformedCsr),
}

impl Unreadable {
    /// The refusal of a decision on a request on `cluster` that cannot be
    /// read; `consequence` ends the message on istiod's request.
    pub fn refusal(self, cluster: &str, consequence: &str) -> AppError {
        match self {
            Self::Malformed(e) => AppError::BadRequest(e.to_string()),
            Self::Sealed(why) => AppError::Conflict(format!(
                "cannot decrypt istiod's request on {cluster}: {why}{consequence}"
            )),
        }
    }
}

impl PendingRequest {
    /// The pending request `name` on the member of `access`: it exists,
    /// is for a signer the console manages and is undecided.
    pub async fn fetch(
        settings: &CsrSettings,
        access: &SigningAccess,
        name: &str,
    ) -> Result<Self, AppError> {
        let cluster = access.cluster();
        if name == HSM_REQUEST_NAME {
            let request = access
                .hsm_pending()
                .await?
                .ok_or_else(|| AppError::NotFoundOn {
                    cluster: cluster.to_owned(),
                    message: format!(
                        "istiod has no CA certificate request waiting (no secret istio-system/{} without an answer)",
                        hsm_request::REQUEST_SECRET
                    ),
                })?;
            return Ok(Self::IstiodHsm(request));
        }
        let csr = access
            .get(name)
            .await?
            .ok_or_else(|| AppError::NotFoundOn {
                cluster: cluster.to_owned(),
                message: format!("no CertificateSigningRequest {name}"),
            })?;
        if settings.rule(&csr.signer).is_none() {
            return Err(AppError::BadRequest(format!(
                "CertificateSigningRequest {name} is for signer {}, which this console does not manage",
                csr.signer
            )));
        }
        match csr.state {
            CsrState::Pending => Ok(Self::Kubernetes(csr)),
            other => Err(AppError::Conflict(format!(
                "CertificateSigningRequest {name} on {cluster} is already decided ({other:?})"
            ))),
        }
    }

    /// Its name in the inbox and in routes.
    pub fn name(&self) -> &str {
        match self {
            Self::Kubernetes(csr) => &csr.name,
            Self::IstiodHsm(_) => HSM_REQUEST_NAME,
        }
    }

    /// How refusals name it.
    pub fn title(&self, cluster: &str) -> String {
        match self {
            Self::Kubernetes(csr) => format!("CertificateSigningRequest {}", csr.name),
            Self::IstiodHsm(_) => format!("istiod's request on {cluster}"),
        }
    }

    /// The object's uid, under which approvals are recorded.
    pub fn uid(&self) -> &str {
        match self {
            Self::Kubernetes(csr) => &csr.uid,
            Self::IstiodHsm(request) => &request.uid,
        }
    }

    pub fn signer(&self) -> &str {
        match self {
            Self::Kubernetes(csr) => &csr.signer,
            Self::IstiodHsm(_) => HSM_SIGNER,
        }
    }

    /// Who asked: never one of the approvers.
    pub fn requester(&self) -> Option<&str> {
        match self {
            Self::Kubernetes(csr) => csr.username.as_deref(),
            Self::IstiodHsm(request) => request.requester.as_deref(),
        }
    }

    /// Unix seconds.
    pub fn created(&self) -> Option<i64> {
        match self {
            Self::Kubernetes(csr) => csr.created,
            Self::IstiodHsm(request) => request.created,
        }
    }

    /// The lifetime the requester asked for, if any.
    pub fn requested_secs(&self) -> Option<u64> {
        match self {
            Self::Kubernetes(csr) => csr.expiration_seconds,
            Self::IstiodHsm(_) => None,
        }
    }

    /// The two-person rule and policy of its signer.
    pub fn rule(&self, settings: &CsrSettings) -> SignerRule {
        settings
            .rule(self.signer())
            .cloned()
            .unwrap_or_else(|| SignerRule::by_default(self.signer()))
    }

    /// Where it came from, as the inbox shows it.
    pub fn source(&self) -> CsrSource {
        match self {
            Self::Kubernetes(csr) => CsrSource::Kubernetes {
                name: csr.name.clone(),
                uid: csr.uid.clone(),
            },
            Self::IstiodHsm(request) => {
                let slot = request.slot.as_ref().ok();
                CsrSource::IstiodHsm {
                    uid: request.uid.clone(),
                    revision: request.revision.clone(),
                    slot_label: slot.map(|s| s.slot_label.clone()),
                    kek_id: slot.map(|s| s.kek_id.clone()),
                }
            }
        }
    }

    /// The request decoded (istiod's decrypted first), its view completed
    /// from the object around it.
    pub async fn decode(&self, state: &AppState) -> Result<DecodedCsr, Unreadable> {
        let mut decoded = match self {
            Self::Kubernetes(csr) => decode_csr(&csr.request).map_err(Unreadable::Malformed)?,
            Self::IstiodHsm(request) => decrypted(state, request)
                .await
                .map_err(Unreadable::Sealed)?,
        };
        decoded.view.signer = self.signer().to_owned();
        decoded.view.requester = self.requester().map(str::to_owned);
        if let Self::Kubernetes(csr) = self {
            decoded.view.requested_duration_secs = csr.expiration_seconds;
        }
        Ok(decoded)
    }

    /// The request as DER, for the offline ceremony (a CSR is public).
    pub async fn der(&self, state: &AppState) -> Result<Vec<u8>, Unreadable> {
        match self {
            Self::Kubernetes(csr) => request_der(&csr.request).map_err(Unreadable::Malformed),
            Self::IstiodHsm(request) => decrypted(state, request)
                .await
                .map(|d| d.der)
                .map_err(Unreadable::Sealed),
        }
    }

    /// Writes `issued` back where the requester waits for it.
    pub async fn write_chain(
        &self,
        access: &SigningAccess,
        approvers: &[String],
        issued: &IssuedCertificate,
    ) -> Result<(), ClusterError> {
        match self {
            Self::Kubernetes(csr) => access.issue(&csr.name, approvers, &issued.chain_pem).await,
            Self::IstiodHsm(_) => {
                access
                    .hsm_answer(&issued.chain_pem, approvers, &issued.serial)
                    .await
            }
        }
    }

    /// Records `officer`'s denial and `reason` on the request.
    pub async fn write_denial(
        &self,
        access: &SigningAccess,
        officer: &str,
        reason: &str,
    ) -> Result<(), ClusterError> {
        match self {
            Self::Kubernetes(csr) => access.deny(&csr.name, officer, reason).await,
            Self::IstiodHsm(_) => access.hsm_deny(officer, reason).await,
        }
    }
}

/// istiod's request decrypted through its slot and decoded.
async fn decrypted(state: &AppState, request: &HsmRequest) -> Result<DecodedCsr, Sealed> {
    let pem = SlotAccess::of(state)?.decrypt(request).await?;
    Ok(decode_csr(&pem)?)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::cluster::hsm_request::NoIstiodSlot;

    fn kubernetes() -> PendingRequest {
        PendingRequest::Kubernetes(KubeCsr {
            name: "web-tls".into(),
            uid: "u-1".into(),
            created: Some(10),
            request: b"not a request".to_vec(),
            signer: "example.com/workloads".into(),
            username: Some("alice".into()),
            expiration_seconds: Some(3600),
            approved: false,
            state: CsrState::Pending,
        })
    }

    fn istiod() -> PendingRequest {
        PendingRequest::IstiodHsm(HsmRequest {
            uid: "u-2".into(),
            created: Some(20),
            revision: Some("asm-1".into()),
            requester: Some("system:serviceaccount:istio-system:istiod-asm-1".into()),
            data: BTreeMap::new(),
            slot: Err(NoIstiodSlot::Gone {
                deployment: "istiod-asm-1".into(),
            }),
        })
    }

    #[test]
    fn both_kinds_answer_the_same_questions_in_their_own_terms() {
        let settings = CsrSettings {
            signers: vec![SignerRule {
                name: HSM_SIGNER.into(),
                required_approvals: 2,
                allow_wildcards: false,
            }],
        };
        let (k, h) = (kubernetes(), istiod());
        assert_eq!(
            (k.name(), k.uid(), k.signer()),
            ("web-tls", "u-1", "example.com/workloads")
        );
        assert_eq!(
            (h.name(), h.uid(), h.signer()),
            (HSM_REQUEST_NAME, "u-2", HSM_SIGNER)
        );
        assert_eq!((k.requested_secs(), h.requested_secs()), (Some(3600), None));
        assert_eq!(
            k.rule(&settings),
            SignerRule::by_default("example.com/workloads")
        );
        assert_eq!(h.rule(&settings).required_approvals, 2);
        assert_eq!(k.title("gke-eu"), "CertificateSigningRequest web-tls");
        assert_eq!(h.title("gke-eu"), "istiod's request on gke-eu");
        assert!(matches!(
            h.source(),
            CsrSource::IstiodHsm {
                slot_label: None,
                kek_id: None,
                ..
            }
        ));
    }

    #[test]
    fn an_unreadable_request_is_refused_as_its_kind_words_it() {
        let malformed = Unreadable::Malformed(MalformedCsr("garbled".into()));
        assert!(matches!(
            malformed.refusal("gke-eu", "; nothing was changed"),
            AppError::BadRequest(m) if m == "the certificate signing request is malformed: garbled"
        ));
        let sealed = Unreadable::Sealed(Sealed::Slot(SlotError::NoVault));
        assert_eq!(
            sealed.to_string(),
            "cannot decrypt istiod's request: the console has no Vault configured (--vault-addr and --vault-token-file): it cannot read HSM PINs"
        );
        assert!(matches!(
            sealed.refusal("gke-eu", "; nothing was changed"),
            AppError::Conflict(m) if m.starts_with("cannot decrypt istiod's request on gke-eu: the console has no Vault")
                && m.ends_with("; nothing was changed")
        ));
    }
}
