//! The trust inventory: per member, the root and intermediate its control
//! plane holds (subject, fingerprint, expiry), its trust domains and CA
//! mode, with warnings as expiries come near.

use shared::csr::{ClusterTrust, TrustInventory};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::cluster::trust;
use crate::security::ca::fingerprint;
use crate::state::AppState;

struct Summary {
    subject: String,
    fingerprint: String,
    not_after: i64,
}

fn summary(pem_text: &str) -> Result<Summary, String> {
    let block = pem::parse(pem_text).map_err(|e| format!("not PEM: {e}"))?;
    let (_, cert) = X509Certificate::from_der(block.contents())
        .map_err(|e| format!("not a certificate: {e}"))?;
    Ok(Summary {
        subject: cert.subject().to_string(),
        fingerprint: fingerprint(block.contents()),
        not_after: cert.validity().not_after.timestamp(),
    })
}

/// Every member's trust anchors at the console's time.
pub async fn inventory(state: &AppState) -> TrustInventory {
    let now = state.clock().now();
    let mut clusters = Vec::new();
    for cluster in state.fleet().snapshot().clusters {
        let name = cluster.name().to_string();
        let mut entry = ClusterTrust {
            cluster: name.clone(),
            ..ClusterTrust::default()
        };
        let material = match state.fleet().client(&name) {
            Ok(client) => trust::read(&client).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match material {
            Ok(m) => {
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
            }
            Err(e) => entry.error = Some(e),
        }
        clusters.push(entry.with_warnings(now));
    }
    TrustInventory { clusters }
}
