//! Whether the console can talk to a member cluster, and since when: the
//! state every page's health badge shows.

use serde::{Deserialize, Serialize};

/// Whether the console can talk to a member, and since when (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Reachability {
    /// Not yet synced since the console started.
    Connecting {
        since: i64,
    },
    Reachable {
        since: i64,
    },
    /// Stopped answering or refused the console's credentials.
    Unreachable {
        since: i64,
        error: String,
    },
    /// Does not answer in time: its requests time out rather than fail at
    /// once, so the console's reads and writes there wait for their bound.
    Degraded {
        since: i64,
        error: String,
    },
    /// Cannot even be tried: its kubeconfig context is missing or unusable.
    Misconfigured {
        error: String,
    },
}

impl Reachability {
    pub fn is_reachable(&self) -> bool {
        matches!(self, Reachability::Reachable { .. })
    }

    /// Why the member cannot be reached, if it cannot.
    pub fn error(&self) -> Option<&str> {
        match self {
            Reachability::Unreachable { error, .. }
            | Reachability::Degraded { error, .. }
            | Reachability::Misconfigured { error } => Some(error),
            _ => None,
        }
    }

    /// Since when a member that was reached no longer is: the start of an
    /// outage, kept while it turns from unreachable to degraded and back.
    pub fn lost_since(&self) -> Option<i64> {
        match self {
            Reachability::Unreachable { since, .. } | Reachability::Degraded { since, .. } => {
                Some(*since)
            }
            _ => None,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Reachability::Connecting { .. } => "Connecting",
            Reachability::Reachable { .. } => "Reachable",
            Reachability::Unreachable { .. } => "Unreachable",
            Reachability::Degraded { .. } => "Degraded",
            Reachability::Misconfigured { .. } => "Misconfigured",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_degraded_member_is_not_reachable_and_says_why() {
        let slow = Reachability::Degraded {
            since: 7,
            error: "requests time out".into(),
        };
        assert!(!slow.is_reachable());
        assert_eq!(slow.error(), Some("requests time out"));
        assert_eq!(slow.label(), "Degraded");
        assert_eq!(slow.lost_since(), Some(7));
        assert_eq!(
            serde_json::to_value(&slow).expect("serialises"),
            serde_json::json!({"state": "degraded", "since": 7, "error": "requests time out"})
        );
        assert_eq!(Reachability::Reachable { since: 7 }.lost_since(), None);
    }
}
