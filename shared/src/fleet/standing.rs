//! Where one namespace of one cluster stands by its own labels, with no
//! migration pair chosen: which revision injects it, whether that
//! revision's injector exists on the cluster, and whether a rolling
//! restart would still change its pods. The cluster page's Mesh tab shows
//! it beside the namespace's last migration run.

use super::model::{Cluster, Namespace};

/// One namespace's standing on its cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// No label asks for a revision (none, disabled, or both labels).
    NotInjected,
    /// The labels ask for `revision`, whose injection webhook this cluster
    /// lacks: new pods start without a proxy.
    NoInjector { revision: String },
    /// Injected by `revision`; `pods` still run another revision (or no
    /// proxy) until restarted.
    RestartPending { revision: String, pods: u32 },
    /// Every pod runs `revision`, the one its labels ask for.
    OnRevision { revision: String },
}

impl Standing {
    /// The standing of `namespace` on `cluster`.
    pub fn of(cluster: &Cluster, namespace: &Namespace) -> Self {
        let injection = namespace.injection();
        let Some(revision) = injection.target_revision() else {
            return Standing::NotInjected;
        };
        let revision = revision.to_owned();
        if !cluster.injected_revisions().contains(&revision.as_str()) {
            return Standing::NoInjector { revision };
        }
        match cluster.restart_pending(namespace) {
            0 => Standing::OnRevision { revision },
            pods => Standing::RestartPending { revision, pods },
        }
    }

    /// How it reads in a table.
    pub fn describe(&self) -> String {
        match self {
            Standing::NotInjected => "not injected".into(),
            Standing::NoInjector { revision } => {
                format!("no injector for {revision} on this cluster")
            }
            Standing::RestartPending { revision, pods } => {
                let s = if *pods == 1 { "" } else { "s" };
                format!("restart pending: {pods} pod{s} not on {revision}")
            }
            Standing::OnRevision { revision } => format!("every pod on {revision}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::fixtures;
    use crate::fleet::{Member, Platform, Reachability};

    fn cluster(webhooks: &[&str]) -> Cluster {
        let name = "gke-eu".parse().unwrap();
        let mut c = Cluster::new(
            Member::new(name, "europe-west1-c", Platform::Gke),
            Reachability::Connecting { since: 0 },
        );
        c.control_planes = webhooks
            .iter()
            .map(|r| fixtures::ready_control_plane(r))
            .collect();
        c
    }

    fn ns(rev: Option<&str>, legacy: Option<&str>, pods: &[(&str, u32)]) -> Namespace {
        fixtures::namespace("shop", rev, legacy, pods)
    }

    #[test]
    fn labels_and_pods_decide_the_standing() {
        let c = cluster(&["default", "asm-1106-2"]);
        assert_eq!(
            Standing::of(&c, &ns(None, None, &[("", 2)])),
            Standing::NotInjected
        );
        assert_eq!(
            Standing::of(&c, &ns(Some("asm-1106-2"), Some("enabled"), &[])),
            Standing::NotInjected
        );
        assert_eq!(
            Standing::of(&c, &ns(None, Some("enabled"), &[("default", 3)])),
            Standing::OnRevision {
                revision: "default".into()
            }
        );
        assert_eq!(
            Standing::of(
                &c,
                &ns(
                    Some("asm-1106-2"),
                    None,
                    &[("default", 2), ("asm-1106-2", 1)]
                )
            ),
            Standing::RestartPending {
                revision: "asm-1106-2".into(),
                pods: 2
            }
        );
    }

    #[test]
    fn a_revision_without_its_webhook_here_has_no_injector() {
        let c = cluster(&["default"]);
        let standing = Standing::of(&c, &ns(Some("asm-1106-2"), None, &[("default", 1)]));
        assert_eq!(
            standing,
            Standing::NoInjector {
                revision: "asm-1106-2".into()
            }
        );
        assert_eq!(
            standing.describe(),
            "no injector for asm-1106-2 on this cluster"
        );
    }
}
