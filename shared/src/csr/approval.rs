//! The two-person rule: a request is signed only once `required` distinct
//! officers approved it, and whoever asked for it never counts among them.

use serde::{Deserialize, Serialize};

/// How many distinct officers must approve a signer's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ApprovalRule {
    pub required: u32,
}

impl Default for ApprovalRule {
    fn default() -> Self {
        Self { required: 1 }
    }
}

/// Where a request stands after an approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ApprovalState {
    /// More approvals are needed.
    Pending {
        approvers: Vec<String>,
        required: u32,
    },
    /// Enough officers approved: sign now.
    Complete { approvers: Vec<String> },
}

/// Why an officer's approval does not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum ApprovalRefused {
    #[error("{officer} asked for this certificate and cannot approve their own request")]
    Requester { officer: String },
    #[error("{officer} already approved this request; another officer must approve it")]
    AlreadyApproved { officer: String },
}

impl ApprovalRule {
    /// Adds `officer`'s approval to `earlier` (the officers who approved
    /// before, in order) for a request made by `requester`.
    pub fn approve(
        self,
        requester: Option<&str>,
        earlier: &[String],
        officer: &str,
    ) -> Result<ApprovalState, ApprovalRefused> {
        if requester == Some(officer) {
            return Err(ApprovalRefused::Requester {
                officer: officer.to_owned(),
            });
        }
        if earlier.iter().any(|o| o == officer) {
            return Err(ApprovalRefused::AlreadyApproved {
                officer: officer.to_owned(),
            });
        }
        let mut approvers: Vec<String> = earlier
            .iter()
            .filter(|o| Some(o.as_str()) != requester)
            .cloned()
            .collect();
        approvers.push(officer.to_owned());
        if approvers.len() >= self.required.max(1) as usize {
            Ok(ApprovalState::Complete { approvers })
        } else {
            Ok(ApprovalState::Pending {
                approvers,
                required: self.required,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_approval_by_default() {
        let state = ApprovalRule::default().approve(Some("istiod"), &[], "olivia");
        assert_eq!(
            state,
            Ok(ApprovalState::Complete {
                approvers: vec!["olivia".into()]
            })
        );
    }

    #[test]
    fn two_distinct_officers_when_two_are_required() {
        let rule = ApprovalRule { required: 2 };
        let first = rule.approve(None, &[], "olivia").unwrap();
        assert_eq!(
            first,
            ApprovalState::Pending {
                approvers: vec!["olivia".into()],
                required: 2
            }
        );
        let earlier = vec!["olivia".to_owned()];
        assert_eq!(
            rule.approve(None, &earlier, "olivia"),
            Err(ApprovalRefused::AlreadyApproved {
                officer: "olivia".into()
            })
        );
        assert_eq!(
            rule.approve(None, &earlier, "sam"),
            Ok(ApprovalState::Complete {
                approvers: vec!["olivia".into(), "sam".into()]
            })
        );
    }

    #[test]
    fn the_requester_never_approves() {
        let rule = ApprovalRule { required: 1 };
        let refused = rule.approve(Some("olivia"), &[], "olivia").unwrap_err();
        assert!(refused.to_string().contains("own request"));
    }

    #[test]
    fn zero_required_still_needs_one_officer() {
        let rule = ApprovalRule { required: 0 };
        assert!(matches!(
            rule.approve(None, &[], "olivia"),
            Ok(ApprovalState::Complete { .. })
        ));
    }
}
