//! Why a member's trust inventory row leaves a part unknown, worded from
//! what the console read there: a cluster not read at all, the CA secrets
//! absent, or a CA whose material never lives in the cluster (Mesh CA).
//! Pages show "unknown" only with one of these.

use super::trust::ClusterTrust;
use crate::mesh::settings::CaMode;

/// A part of a member's trust anchors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustPart {
    CaMode,
    Root,
    Intermediate,
    TrustDomain,
}

const NO_SECRETS: &str = "istio-system has neither a cacerts nor an istio-ca-cert secret";

impl ClusterTrust {
    /// Why `part` is unknown; `None` when it is known.
    pub fn unknown_reason(&self, part: TrustPart) -> Option<String> {
        let known = match part {
            TrustPart::CaMode => self.ca_mode.is_some(),
            TrustPart::Root => self.root_fingerprint.is_some(),
            TrustPart::Intermediate => self.intermediate_subject.is_some(),
            TrustPart::TrustDomain => self.trust_domain.is_some(),
        };
        if known {
            return None;
        }
        if let Some(error) = &self.error {
            return Some(format!("not read: {error}"));
        }
        let mesh_ca = self.ca_mode == Some(CaMode::MeshCa);
        Some(match part {
            TrustPart::CaMode => format!(
                "{NO_SECRETS}, and no istiod names Mesh CA or runs in HSM mode (istiod's own self-signed CA, or no istiod)"
            ),
            TrustPart::Root | TrustPart::Intermediate if mesh_ca => {
                "Mesh CA holds it outside the cluster".to_owned()
            }
            TrustPart::Root => NO_SECRETS.to_owned(),
            TrustPart::Intermediate if self.ca_mode == Some(CaMode::IstioCaPluginCerts) => {
                "the cacerts secret has no ca-cert.pem".to_owned()
            }
            TrustPart::Intermediate => NO_SECRETS.to_owned(),
            TrustPart::TrustDomain => {
                "no mesh config in istio-system names a trust domain".to_owned()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> ClusterTrust {
        ClusterTrust {
            cluster: "gke-eu".into(),
            ..ClusterTrust::default()
        }
    }

    #[test]
    fn known_parts_have_no_reason() {
        let mut c = row();
        c.ca_mode = Some(CaMode::IstioCaPluginCerts);
        c.root_fingerprint = Some("AA:BB".into());
        assert_eq!(c.unknown_reason(TrustPart::CaMode), None);
        assert_eq!(c.unknown_reason(TrustPart::Root), None);
        assert_eq!(
            c.unknown_reason(TrustPart::Intermediate).as_deref(),
            Some("the cacerts secret has no ca-cert.pem")
        );
    }

    #[test]
    fn an_unread_cluster_says_why_for_every_part() {
        let mut c = row();
        c.error = Some("gke-eu did not answer within 5 s".into());
        for part in [
            TrustPart::CaMode,
            TrustPart::Root,
            TrustPart::Intermediate,
            TrustPart::TrustDomain,
        ] {
            assert_eq!(
                c.unknown_reason(part).as_deref(),
                Some("not read: gke-eu did not answer within 5 s")
            );
        }
    }

    #[test]
    fn mesh_ca_keeps_its_certificates_outside() {
        let mut c = row();
        c.ca_mode = Some(CaMode::MeshCa);
        assert_eq!(
            c.unknown_reason(TrustPart::Root).as_deref(),
            Some("Mesh CA holds it outside the cluster")
        );
        assert!(
            row()
                .unknown_reason(TrustPart::CaMode)
                .is_some_and(|r| r.contains("neither a cacerts"))
        );
    }
}
