//! The trust inventory: per member, the root and intermediate its control
//! plane holds (subject, fingerprint, expiry), its trust domains and CA
//! mode, with warnings as expiries come near.

use std::time::Duration;

use shared::csr::{ClusterTrust, TrustInventory};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::cluster::ClusterError;
use crate::cluster::apply::ApplyError;
use crate::cluster::trust::{self, TrustMaterial};
use crate::security::ca::fingerprint;
use crate::state::AppState;

struct Summary {
    subject: String,
    fingerprint: String,
    not_after: i64,
}

/// Why a certificate a member holds cannot be shown.
#[derive(Debug, thiserror::Error)]
enum Unreadable {
    #[error("not PEM: {0}")]
    NotPem(pem::PemError),
    #[error("not a certificate: {0}")]
    NotCertificate(String),
}

fn summary(pem_text: &str) -> Result<Summary, Unreadable> {
    let block = pem::parse(pem_text).map_err(Unreadable::NotPem)?;
    let (_, cert) = X509Certificate::from_der(block.contents())
        .map_err(|e| Unreadable::NotCertificate(e.to_string()))?;
    Ok(Summary {
        subject: cert.subject().to_string(),
        fingerprint: fingerprint(block.contents()),
        not_after: cert.validity().not_after.timestamp(),
    })
}

/// Every member's trust anchors at the console's time, asked in parallel:
/// a member that cannot be read, or does not answer within
/// the call timeout, is listed with why, and the rest answer without
/// waiting for it.
pub async fn inventory(state: &AppState) -> TrustInventory {
    let now = state.clock().now();
    let answers = state
        .fleet()
        .ask_members(|name| async move { material(state, &name).await })
        .await;
    let clusters = answers
        .into_iter()
        .map(|(name, answer)| {
            let read = answer.unwrap_or_else(|e| Err(Unread::Timeout(e.0)));
            entry(&name, read).with_warnings(now)
        })
        .collect();
    TrustInventory { clusters }
}

/// Member `name`'s line of the inventory, from what was read there.
fn entry(name: &str, read: Result<TrustMaterial, Unread>) -> ClusterTrust {
    let mut entry = ClusterTrust {
        cluster: name.to_owned(),
        ..ClusterTrust::default()
    };
    let m = match read {
        Ok(m) => m,
        Err(e) => {
            entry.error = Some(e.to_string());
            return entry;
        }
    };
    entry.ca_mode = m.ca_mode;
    entry.trust_domain = m.trust_domain;
    entry.trust_domain_aliases = m.trust_domain_aliases;
    let mut problems = Vec::new();
    if let Some(root) = m.root_pem.as_deref() {
        match summary(root) {
            Ok(s) => {
                entry.root_subject = Some(s.subject);
                entry.root_fingerprint = Some(s.fingerprint);
                entry.root_not_after = Some(s.not_after);
            }
            Err(e) => problems.push(format!("root certificate: {e}")),
        }
    }
    if let Some(bundle) = m.bundle_pem.as_deref() {
        match pem::parse_many(bundle) {
            Ok(blocks) => {
                entry.trusted_roots = blocks.iter().map(|b| fingerprint(b.contents())).collect();
            }
            Err(e) => problems.push(format!("trusted roots: {e}")),
        }
    }
    if let Some(intermediate) = m.intermediate_pem.as_deref() {
        match summary(intermediate) {
            Ok(s) => {
                entry.intermediate_subject = Some(s.subject);
                entry.intermediate_not_after = Some(s.not_after);
            }
            Err(e) => problems.push(format!("intermediate certificate: {e}")),
        }
    }
    if !problems.is_empty() {
        entry.error = Some(problems.join("; "));
    }
    entry
}

/// Why a member's trust material could not be read.
#[derive(Debug, thiserror::Error)]
enum Unread {
    /// No client for the member (the error names it).
    #[error(transparent)]
    Client(#[from] ClusterError),
    #[error(transparent)]
    Read(#[from] ApplyError),
    #[error("no answer within {} s", .0.as_secs())]
    Timeout(Duration),
}

/// What member `cluster` trusts.
async fn material(state: &AppState, cluster: &str) -> Result<TrustMaterial, Unread> {
    let client = state.fleet().client(cluster)?;
    Ok(trust::read(&client).await?)
}
