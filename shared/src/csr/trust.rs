//! The trust inventory (read by every role): per cluster the mesh root's
//! fingerprint, the intermediate's subject and expiry, the trust domain
//! and aliases and the CA mode, with warnings as expiries come near.

use serde::{Deserialize, Serialize};

use super::EXPIRY_WARNING_DAYS;
use crate::mesh::CaMode;

/// One cluster's trust anchors as the console finds them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ClusterTrust {
    pub cluster: String,
    /// How istiod gets its CA, when the console can tell.
    pub ca_mode: Option<CaMode>,
    pub root_subject: Option<String>,
    /// SHA-256 of the root's DER, `AA:BB:…`.
    pub root_fingerprint: Option<String>,
    /// Unix seconds.
    pub root_not_after: Option<i64>,
    pub intermediate_subject: Option<String>,
    /// Unix seconds.
    pub intermediate_not_after: Option<i64>,
    /// SHA-256 of every root its workloads trust (`root-cert.pem`): the
    /// root above, and during a rotation the mesh's other root too.
    #[serde(default)]
    pub trusted_roots: Vec<String>,
    pub trust_domain: Option<String>,
    pub trust_domain_aliases: Vec<String>,
    pub warnings: Vec<TrustWarning>,
    /// Why the cluster could not be read, if it could not.
    pub error: Option<String>,
}

/// An expiry within [`EXPIRY_WARNING_DAYS`] (or past).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TrustWarning {
    pub message: String,
    /// Unix seconds.
    pub not_after: i64,
}

/// Every member's trust anchors.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TrustInventory {
    pub clusters: Vec<ClusterTrust>,
}

impl ClusterTrust {
    /// Fills [`ClusterTrust::warnings`] from the expiries at `now` (Unix
    /// seconds).
    pub fn with_warnings(mut self, now: i64) -> Self {
        let window = EXPIRY_WARNING_DAYS * 86_400;
        let mut warnings = Vec::new();
        for (what, not_after) in [
            ("root", self.root_not_after),
            ("intermediate", self.intermediate_not_after),
        ] {
            let Some(not_after) = not_after else { continue };
            let left = not_after - now;
            if left <= 0 {
                warnings.push(TrustWarning {
                    message: format!("the {what} certificate of {} has expired", self.cluster),
                    not_after,
                });
            } else if left <= window {
                warnings.push(TrustWarning {
                    message: format!(
                        "the {what} certificate of {} expires in {} days",
                        self.cluster,
                        left.div_euclid(86_400)
                    ),
                    not_after,
                });
            }
        }
        self.warnings = warnings;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    #[test]
    fn warns_thirty_days_before_expiry_and_after() {
        let now = 1_000 * DAY;
        let trust = ClusterTrust {
            cluster: "gke-eu".into(),
            root_not_after: Some(now + 3650 * DAY),
            intermediate_not_after: Some(now + 30 * DAY),
            ..ClusterTrust::default()
        }
        .with_warnings(now);
        assert_eq!(trust.warnings.len(), 1);
        assert!(trust.warnings[0].message.contains("intermediate"));
        assert!(trust.warnings[0].message.contains("30 days"));

        let later = trust.clone().with_warnings(now + 31 * DAY);
        assert!(later.warnings[0].message.contains("expired"));

        let early = trust.with_warnings(now - DAY);
        assert!(early.warnings.is_empty());
    }
}
