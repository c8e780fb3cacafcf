//! Decided signing requests, as the inbox's history shows them: who
//! approved, signed or denied which request on which cluster, when, and
//! why. The backend reads them from the audit log (the one record every
//! decision already writes); [`decided_request`] turns one entry into one
//! decision, the same on both sides.

use serde::{Deserialize, Serialize};

use super::inbox::HSM_REQUEST_NAME;
use crate::audit::{AuditEntry, Outcome};

/// Days of history shown unless the reader asks for another span.
pub const DEFAULT_HISTORY_DAYS: u32 = 7;
/// The longest span one request may ask for.
pub const MAX_HISTORY_DAYS: u32 = 90;
/// At most this many decisions are returned, newest first.
pub const MAX_HISTORY_ENTRIES: usize = 500;

/// The audited actions that decide a request.
pub const DECISION_ACTIONS: [&str; 3] = ["csr.approve", "csr.deny", "csr.upload"];

/// What an officer decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// An approval recorded towards the two-person rule, not yet signed.
    Approved {
        /// Approvals recorded of those required, e.g. `1/2`.
        approvals: String,
    },
    /// A certificate was written back to the requester.
    Signed {
        serial: String,
        /// The officers whose approvals counted.
        approvers: Vec<String>,
        /// Signed elsewhere (the offline ceremony) and uploaded.
        offline: bool,
    },
    /// Refused, with the officer's reason.
    Denied { reason: String },
}

impl Verdict {
    /// One word for the verdict: `approved`, `signed` or `denied`.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Approved { .. } => "approved",
            Verdict::Signed { .. } => "signed",
            Verdict::Denied { .. } => "denied",
        }
    }
}

/// One decision on one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DecidedRequest {
    /// The audit entry that records it.
    pub seq: i64,
    /// When, Unix seconds.
    pub at: i64,
    /// The officer.
    pub by: String,
    pub cluster: String,
    /// The request's name (the inbox's, [`HSM_REQUEST_NAME`] for istiod's).
    pub name: String,
    pub verdict: Verdict,
    pub subject: Option<String>,
    pub signer: Option<String>,
}

/// Answer of `GET /api/csrs/history`: the decisions of the last `days`
/// days, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CsrHistory {
    pub days: u32,
    pub decisions: Vec<DecidedRequest>,
    /// More decisions were made in the span than [`MAX_HISTORY_ENTRIES`].
    pub truncated: bool,
}

/// The request an audited decision was about: its `name` parameter, else
/// its target as older entries wrote it.
fn request_name(entry: &AuditEntry) -> Option<String> {
    if let Some(name) = entry.param("name") {
        return Some(name.to_owned());
    }
    entry.targets.iter().find_map(|t| {
        if let Some(name) = t.strip_prefix("CertificateSigningRequest ") {
            Some(name.to_owned())
        } else if t.starts_with("istiod's CA request") {
            Some(HSM_REQUEST_NAME.to_owned())
        } else {
            None
        }
    })
}

/// The decision `entry` records, if it records one: a successful approve,
/// deny or upload naming its cluster and request.
pub fn decided_request(entry: &AuditEntry) -> Option<DecidedRequest> {
    if entry.outcome != Outcome::Success {
        return None;
    }
    let param = |key: &str| entry.param(key).map(str::to_owned);
    let verdict = match entry.action.as_str() {
        "csr.deny" => Verdict::Denied {
            reason: param("reason").unwrap_or_default(),
        },
        "csr.approve" | "csr.upload" => match param("serial") {
            Some(serial) => Verdict::Signed {
                serial,
                approvers: param("approvers")
                    .map(|a| a.split(',').map(str::to_owned).collect())
                    .unwrap_or_default(),
                offline: entry.action == "csr.upload",
            },
            None => Verdict::Approved {
                approvals: param("approvals").unwrap_or_default(),
            },
        },
        _ => return None,
    };
    Some(DecidedRequest {
        seq: entry.seq,
        at: entry.at,
        by: entry.actor.clone(),
        cluster: entry.clusters.first()?.clone(),
        name: request_name(entry)?,
        verdict,
        subject: param("subject").filter(|s| !s.is_empty()),
        signer: param("signer"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, targets: &[&str], params: &[&str]) -> AuditEntry {
        AuditEntry {
            seq: 7,
            at: 1_700_000_000,
            actor: "olivia".into(),
            role: Some("security-officer".into()),
            action: action.into(),
            clusters: vec!["gke-eu".into()],
            targets: targets.iter().map(|t| (*t).to_owned()).collect(),
            params: params.iter().map(|p| (*p).to_owned()).collect(),
            outcome: Outcome::Success,
            request_id: None,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn a_denial_keeps_its_officer_time_and_reason() {
        let e = entry(
            "csr.deny",
            &["CertificateSigningRequest web-1"],
            &["reason=not ours", "signer=istio.io/workload", "subject="],
        );
        let d = decided_request(&e).unwrap();
        assert_eq!(d.name, "web-1");
        assert_eq!(d.cluster, "gke-eu");
        assert_eq!(d.by, "olivia");
        assert_eq!(d.at, 1_700_000_000);
        assert_eq!(
            d.verdict,
            Verdict::Denied {
                reason: "not ours".into()
            }
        );
        assert_eq!(d.verdict.word(), "denied");
        assert_eq!(d.subject, None);
        assert_eq!(d.signer.as_deref(), Some("istio.io/workload"));
    }

    #[test]
    fn approvals_short_of_the_rule_differ_from_signatures() {
        let pending = entry(
            "csr.approve",
            &["CertificateSigningRequest ca-1"],
            &[
                "name=ca-1",
                "approvals=1/2",
                "state=awaiting more approvals",
            ],
        );
        assert_eq!(
            decided_request(&pending).unwrap().verdict,
            Verdict::Approved {
                approvals: "1/2".into()
            }
        );
        let signed = entry(
            "csr.upload",
            &["istiod's CA request (secret istio-system/istio-ca-cert-csr)"],
            &["serial=0a1b", "approvers=olivia,oscar"],
        );
        let d = decided_request(&signed).unwrap();
        assert_eq!(d.name, HSM_REQUEST_NAME);
        assert_eq!(
            d.verdict,
            Verdict::Signed {
                serial: "0a1b".into(),
                approvers: vec!["olivia".into(), "oscar".into()],
                offline: true
            }
        );
    }

    #[test]
    fn refusals_and_other_actions_are_not_decisions() {
        let mut refused = entry("csr.deny", &["CertificateSigningRequest x"], &[]);
        refused.outcome = Outcome::Failure;
        assert_eq!(decided_request(&refused), None);
        assert_eq!(
            decided_request(&entry("csr.read", &["CertificateSigningRequest x"], &[])),
            None
        );
        // Without a cluster or a request, nothing can be shown.
        let mut nowhere = entry("csr.deny", &["CertificateSigningRequest x"], &[]);
        nowhere.clusters.clear();
        assert_eq!(decided_request(&nowhere), None);
        assert_eq!(decided_request(&entry("csr.deny", &[], &[])), None);
    }
}
