//! The series read at scrape time from what the console already holds:
//! each member's reachability (the hub's snapshot) and watch statistics,
//! the audit appends this process made, and the stored runs by kind and
//! state (one query of the console's own database, bounded in time).
//! Nothing here calls a member cluster.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use shared::Outcome;

use crate::state::AppState;

/// The longest a scrape waits for the run counts.
const STORE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClusterLabels {
    cluster: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    kind: String,
    state: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// One member as a scrape sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberReading {
    pub cluster: String,
    pub reachable: bool,
    /// Watch sessions that ended; `None` for a member without a watch
    /// (its kubeconfig context is unusable).
    pub watch_restarts: Option<u64>,
    /// Unix seconds of its last watch event, if one arrived.
    pub last_event: Option<i64>,
}

/// Everything read for one scrape.
#[derive(Debug, Clone, Default)]
pub struct Scrape {
    pub members: Vec<MemberReading>,
    /// `(kind, state, count)`; `None` when the store did not answer.
    pub runs: Option<Vec<(String, String, i64)>>,
    /// Entries written per audit outcome, and failed appends.
    pub audit_written: Vec<(Outcome, u64)>,
    pub audit_failures: u64,
}

impl Scrape {
    /// Reads `state` now. The store is asked once, without any lock held;
    /// if it fails or is slow the run series are left out (and logged)
    /// rather than failing the whole scrape.
    pub async fn gather(state: &AppState) -> Self {
        let fleet = state.fleet();
        let readings = fleet.watch_readings();
        let members = fleet
            .snapshot()
            .clusters
            .into_iter()
            .map(|cluster| {
                let name = cluster.member.name.to_string();
                let watch = readings.iter().find(|(n, _)| *n == name).map(|(_, r)| *r);
                MemberReading {
                    reachable: cluster.reachability.is_reachable(),
                    watch_restarts: watch.map(|w| w.restarts),
                    last_event: watch.and_then(|w| w.last_event),
                    cluster: name,
                }
            })
            .collect();
        let runs = match tokio::time::timeout(STORE_TIMEOUT, state.store().run_counts()).await {
            Ok(Ok(counts)) => Some(counts),
            Ok(Err(error)) => {
                tracing::warn!(%error, "metrics: cannot count the stored runs");
                None
            }
            Err(_) => {
                tracing::warn!("metrics: counting the stored runs timed out");
                None
            }
        };
        let counts = state.store().audit_counts();
        Self {
            members,
            runs,
            audit_written: Outcome::ALL
                .iter()
                .map(|o| (*o, counts.written_with(*o)))
                .collect(),
            audit_failures: counts.failures(),
        }
    }

    /// Adds these readings to `registry` as series.
    pub fn register(&self, registry: &mut Registry) {
        let reachable = Family::<ClusterLabels, Gauge>::default();
        let restarts = Family::<ClusterLabels, Counter>::default();
        let last_event = Family::<ClusterLabels, Gauge>::default();
        for member in &self.members {
            let labels = ClusterLabels {
                cluster: member.cluster.clone(),
            };
            reachable
                .get_or_create(&labels)
                .set(i64::from(member.reachable));
            if let Some(n) = member.watch_restarts {
                restarts.get_or_create(&labels).inc_by(n);
            }
            if let Some(at) = member.last_event {
                last_event.get_or_create(&labels).set(at);
            }
        }
        registry.register(
            "member_reachable",
            "Whether the console reaches the member cluster now (1) or not (0)",
            reachable,
        );
        registry.register(
            "member_watch_restarts",
            "Times the watch of a member ended and was started again",
            restarts,
        );
        registry.register_with_unit(
            "member_last_watch_event_timestamp",
            "When the last watch event from a member arrived (Unix time); its age is time() minus this",
            Unit::Seconds,
            last_event,
        );
        let written = Family::<OutcomeLabels, Counter>::default();
        for (outcome, n) in &self.audit_written {
            written
                .get_or_create(&OutcomeLabels {
                    outcome: outcome.slug(),
                })
                .inc_by(*n);
        }
        registry.register(
            "audit_entries_written",
            "Audit entries this process wrote, by outcome of the audited action",
            written,
        );
        let failures = Counter::<u64>::default();
        failures.inc_by(self.audit_failures);
        registry.register(
            "audit_write_failures",
            "Audit appends that failed (nothing was written)",
            failures,
        );
        if let Some(runs) = &self.runs {
            let family = Family::<RunLabels, Gauge>::default();
            for (kind, state, count) in runs {
                family
                    .get_or_create(&RunLabels {
                        kind: kind.clone(),
                        state: state.clone(),
                    })
                    .set(*count);
            }
            registry.register(
                "runs",
                "Stored runs (installs, migrations, waves) by kind and state, every replica's",
                family,
            );
        }
    }
}
