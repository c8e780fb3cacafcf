//! Sidecar injection as a namespace's labels ask for it, and which of its
//! pods a rolling restart would change (SPEC §2.4).

use serde::{Deserialize, Serialize};

use super::model::{Namespace, PodCount};

/// The revision name of a control plane installed without `istio.io/rev`,
/// which serves the legacy `istio-injection=enabled` label.
pub const DEFAULT_REVISION: &str = "default";

/// What a namespace's labels ask of the injection webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Injection {
    /// `istio.io/rev=<revision>`.
    Revision { revision: String },
    /// Legacy `istio-injection=enabled`, served by the default revision.
    Legacy,
    /// `istio-injection` set to anything but `enabled`.
    Disabled,
    /// Both labels: no webhook injects, and new pods start without a proxy.
    Conflict { revision: String, legacy: String },
    /// Neither label.
    None,
}

impl Injection {
    pub fn of(namespace: &Namespace) -> Self {
        match (&namespace.rev_label, &namespace.injection_label) {
            (Some(revision), Some(legacy)) => Injection::Conflict {
                revision: revision.clone(),
                legacy: legacy.clone(),
            },
            (Some(revision), None) => Injection::Revision {
                revision: revision.clone(),
            },
            (None, Some(legacy)) if legacy == "enabled" => Injection::Legacy,
            (None, Some(_)) => Injection::Disabled,
            (None, None) => Injection::None,
        }
    }

    /// The proxy revision new pods get; `None`: no proxy.
    pub fn target_revision(&self) -> Option<&str> {
        match self {
            Injection::Revision { revision } => Some(revision),
            Injection::Legacy => Some(DEFAULT_REVISION),
            _ => None,
        }
    }

    /// How the label state reads in a table.
    pub fn describe(&self) -> String {
        match self {
            Injection::Revision { revision } => format!("istio.io/rev={revision}"),
            Injection::Legacy => "istio-injection=enabled".into(),
            Injection::Disabled => "injection disabled".into(),
            Injection::Conflict { revision, legacy } => {
                format!("conflict: istio.io/rev={revision} and istio-injection={legacy}")
            }
            Injection::None => "no injection label".into(),
        }
    }
}

impl Namespace {
    pub fn injection(&self) -> Injection {
        Injection::of(self)
    }

    /// Pods a rolling restart would change on a cluster whose injector
    /// webhooks serve `injected` revisions: their proxy revision differs
    /// from what the labels ask for, where a label naming a revision no
    /// webhook serves means no proxy.
    pub fn restart_pending(&self, injected: &[&str]) -> u32 {
        let target = self.injection();
        let target = target
            .target_revision()
            .filter(|t| injected.contains(t))
            .unwrap_or("");
        self.pods
            .iter()
            .filter(|(revision, _)| revision.as_str() != target)
            .map(|(_, count)| count.total)
            .sum()
    }

    pub fn pod_total(&self) -> PodCount {
        self.pods
            .values()
            .fold(PodCount::default(), |sum, c| PodCount {
                total: sum.total + c.total,
                ready: sum.ready + c.ready,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::fixtures;

    fn ns(rev: Option<&str>, legacy: Option<&str>, pods: &[(&str, u32)]) -> Namespace {
        fixtures::namespace("blue", rev, legacy, pods)
    }

    #[test]
    fn labels_decide_the_injection_state() {
        assert_eq!(
            ns(Some("asm-1106-2"), None, &[]).injection(),
            Injection::Revision {
                revision: "asm-1106-2".into()
            }
        );
        assert_eq!(
            ns(None, Some("enabled"), &[]).injection(),
            Injection::Legacy
        );
        assert_eq!(
            ns(None, Some("disabled"), &[]).injection(),
            Injection::Disabled
        );
        assert_eq!(ns(None, None, &[]).injection(), Injection::None);
        let both = ns(Some("asm-1106-2"), Some("enabled"), &[]).injection();
        assert!(matches!(both, Injection::Conflict { .. }));
        assert_eq!(both.target_revision(), None);
    }

    #[test]
    fn restart_pending_counts_pods_off_the_target_revision() {
        let installed = ["default", "asm-1106-2"];
        // Relabelled to the new revision, pods still on the default one.
        let migrating = ns(
            Some("asm-1106-2"),
            None,
            &[("default", 3), ("asm-1106-2", 1)],
        );
        assert_eq!(migrating.restart_pending(&installed), 3);
        // Legacy label: the default revision is the target.
        let legacy = ns(None, Some("enabled"), &[("default", 2), ("", 1)]);
        assert_eq!(legacy.restart_pending(&installed), 1);
        // ...unless no webhook serves it: a restart adds no proxy.
        let unserved = ns(None, Some("enabled"), &[("", 3)]);
        assert_eq!(unserved.restart_pending(&[]), 0);
        assert_eq!(unserved.restart_pending(&["default"]), 3);
        // No label: proxies would go away on restart.
        let plain = ns(None, None, &[("", 4), ("default", 2)]);
        assert_eq!(plain.restart_pending(&installed), 2);
        // Conflict: new pods get no proxy.
        let both = ns(Some("asm-1106-2"), Some("enabled"), &[("default", 2)]);
        assert_eq!(both.restart_pending(&installed), 2);
        assert_eq!(migrating.pod_total(), PodCount { total: 4, ready: 4 });
    }
}
