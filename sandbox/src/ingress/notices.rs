//! The Events a pass reports on MultiClusterServices and
//! MultiClusterIngresses. A condition that holds pass after pass is
//! recorded once, when it appears, so an unchanged fleet writes nothing;
//! once it clears, a recurrence is recorded again.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;

use crate::cluster::Cluster;
use crate::controllers::events::{self, Source, Type};
use crate::controllers::util;

const SOURCE: Source<'static> = Source::controller("multiclusteringress-controller");

/// Something to say about one object of the config cluster.
pub(crate) struct Notice {
    pub object: Arc<Value>,
    pub kind: Type,
    pub reason: &'static str,
    pub message: String,
}

impl Notice {
    pub fn warning(object: &Arc<Value>, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            object: object.clone(),
            kind: Type::Warning,
            reason,
            message: message.into(),
        }
    }

    pub fn normal(object: &Arc<Value>, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind: Type::Normal,
            ..Self::warning(object, reason, message)
        }
    }
}

/// (config cluster, object uid, reason, message).
type Key = (String, String, &'static str, String);

/// The notices of the last pass.
#[derive(Default)]
pub(crate) struct Reported {
    holding: BTreeSet<Key>,
}

impl Reported {
    /// Records the notices that did not hold in the last pass.
    pub async fn report(&mut self, config: &Cluster, notices: Vec<Notice>) {
        let mut now = BTreeSet::new();
        for notice in notices {
            let key = (
                config.name.clone(),
                util::uid(&notice.object).to_owned(),
                notice.reason,
                notice.message.clone(),
            );
            if !self.holding.contains(&key) {
                events::record(
                    config,
                    &notice.object,
                    None,
                    notice.kind,
                    notice.reason,
                    &notice.message,
                    SOURCE,
                )
                .await;
            }
            now.insert(key);
        }
        self.holding = now;
    }

    /// Forgets everything (no config cluster: nothing holds).
    pub fn clear(&mut self) {
        self.holding.clear();
    }
}

/// What a member lacking the namespace of a service it is linked to means.
pub(crate) fn namespace_missing(namespace: &str, location: &str, cluster: &str) -> String {
    format!(
        "namespace {namespace} does not exist on {location}/{cluster}, which spec.clusters selects; it gets no derived Service until the namespace is created there"
    )
}
