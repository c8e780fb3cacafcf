//! Faults put on one cluster, for reliability tests and demos: the cluster
//! becomes **unreachable** (its port refuses connections and the open ones
//! are cut, as when a control plane or the network to it goes away), **slow**
//! (every request waits first), or **fails a fraction of writes** (500 or
//! 503 with a Kubernetes `Status`, decided by a seeded pseudo-random
//! sequence so a run can be repeated). Reads keep working while writes fail.
//!
//! Each [`crate::Cluster`] holds its [`Faults`]; the fleet's admin endpoint
//! ([`crate::admin`]) drives the same API over HTTP.
//!
//! ```no_run
//! # async fn demo(fleet: &sandbox::Fleet) {
//! use sandbox::faults::Fault;
//! let faults = fleet.cluster("gke-eu").expect("member").faults();
//! faults.set(Fault::Unreachable);
//! faults.applied().await; // the port is closed now
//! faults.restore();
//! faults.applied().await; // and answering again, on the same port
//! # }
//! ```
//!
//! Only requests from clients are affected: the cluster's own controllers
//! keep working, as a real control plane's do when its clients lose it.

mod cut;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::status::ApiStatus;
pub use cut::Guarded;
pub(crate) use cut::Lifeline;

/// The longest added latency accepted (ten minutes).
pub const MAX_LATENCY_MS: u64 = 600_000;

/// One fault, for [`Faults::set`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// New connections are refused and open ones (watches, keep-alive
    /// connections) are cut.
    Unreachable,
    /// Every request waits this long before it is served.
    Latency(Duration),
    /// This fraction (0.0–1.0) of writes (create, update, patch, delete)
    /// fail with `status` (500 or 503), chosen by a pseudo-random sequence
    /// from `seed`: the same seed fails the same writes of a sequence.
    FailWrites {
        fraction: f64,
        status: u16,
        seed: u64,
    },
}

/// Every fault a cluster has at once; the default is none. This is also
/// the JSON the admin endpoint reads and shows:
/// `{"unreachable": true, "latencyMs": 500, "failWrites": 0.5,
/// "failStatus": 503, "seed": 7}`, absent fields meaning "no such fault".
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct FaultSet {
    pub unreachable: bool,
    /// Added latency per request, in milliseconds.
    pub latency_ms: u64,
    /// The fraction of writes that fail, 0.0–1.0.
    pub fail_writes: f64,
    /// The status failing writes answer: 500 or 503.
    pub fail_status: u16,
    /// Seeds which writes fail.
    pub seed: u64,
}

impl Default for FaultSet {
    fn default() -> Self {
        Self {
            unreachable: false,
            latency_ms: 0,
            fail_writes: 0.0,
            fail_status: 503,
            seed: 0,
        }
    }
}

impl FaultSet {
    /// Whether nothing is wrong.
    pub fn is_healthy(&self) -> bool {
        !self.unreachable && self.latency_ms == 0 && self.fail_writes <= 0.0
    }

    /// This set with `fault` added (replacing a fault of the same kind).
    pub fn with(mut self, fault: Fault) -> Self {
        match fault {
            Fault::Unreachable => self.unreachable = true,
            Fault::Latency(d) => {
                self.latency_ms = u64::try_from(d.as_millis()).unwrap_or(MAX_LATENCY_MS);
            }
            Fault::FailWrites {
                fraction,
                status,
                seed,
            } => {
                self.fail_writes = fraction;
                self.fail_status = status;
                self.seed = seed;
            }
        }
        self
    }

    /// Why this set cannot be applied, in words for whoever sent it.
    pub fn check(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.fail_writes) {
            return Err(format!(
                "failWrites must be a fraction from 0 to 1, not {}",
                self.fail_writes
            ));
        }
        if !matches!(self.fail_status, 500 | 503) {
            return Err(format!(
                "failStatus must be 500 or 503, not {}",
                self.fail_status
            ));
        }
        if self.latency_ms > MAX_LATENCY_MS {
            return Err(format!(
                "latencyMs must be at most {MAX_LATENCY_MS}, not {}",
                self.latency_ms
            ));
        }
        Ok(())
    }

    /// The nearest set that passes [`FaultSet::check`].
    fn sanitized(mut self) -> Self {
        self.fail_writes = if self.fail_writes.is_nan() {
            0.0
        } else {
            self.fail_writes.clamp(0.0, 1.0)
        };
        if !matches!(self.fail_status, 500 | 503) {
            self.fail_status = 503;
        }
        self.latency_ms = self.latency_ms.min(MAX_LATENCY_MS);
        self
    }
}

/// The faults of one cluster, changed from any thread.
pub struct Faults {
    state: watch::Sender<FaultSet>,
    /// Whether the cluster's port is open, as its listener reports it;
    /// `None` while no listener serves the cluster.
    listening: watch::Sender<Option<bool>>,
    /// Writes seen since the fault set last changed: the position in the
    /// seeded sequence.
    writes: AtomicU64,
    lifelines: Mutex<Vec<Weak<Lifeline>>>,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            state: watch::Sender::new(FaultSet::default()),
            listening: watch::Sender::new(None),
            writes: AtomicU64::new(0),
            lifelines: Mutex::default(),
        }
    }
}

impl Faults {
    /// The faults in force.
    pub fn current(&self) -> FaultSet {
        *self.state.borrow()
    }

    /// Adds `fault`, keeping the others.
    pub fn set(&self, fault: Fault) {
        self.replace(self.current().with(fault));
    }

    /// Puts exactly `faults` in force. Out-of-range values are brought in
    /// range (see [`FaultSet::check`] to refuse them instead).
    pub fn replace(&self, faults: FaultSet) {
        let faults = faults.sanitized();
        self.writes.store(0, Ordering::Relaxed);
        self.state.send_replace(faults);
        if faults.unreachable {
            self.cut_connections();
        }
    }

    /// Removes every fault: the cluster answers normally again.
    pub fn restore(&self) {
        self.replace(FaultSet::default());
    }

    /// Waits until the cluster's listener has done what the faults ask:
    /// closed its port while unreachable, listening again (on the same
    /// port) otherwise. Returns at once for a cluster no listener serves.
    pub async fn applied(&self) {
        let mut listening = self.listening.subscribe();
        let mut state = self.state.subscribe();
        loop {
            let want_open = !state.borrow_and_update().unreachable;
            if listening
                .borrow_and_update()
                .is_none_or(|open| open == want_open)
            {
                return;
            }
            tokio::select! {
                _ = listening.changed() => {}
                _ = state.changed() => {}
            }
        }
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<FaultSet> {
        self.state.subscribe()
    }

    /// The listener reports whether its port is open.
    pub(crate) fn report_listening(&self, open: bool) {
        self.listening.send_replace(Some(open));
    }

    /// A lifeline for a newly accepted connection, cut when the cluster
    /// becomes unreachable.
    pub(crate) fn lifeline(&self) -> Arc<Lifeline> {
        let lifeline = Arc::new(Lifeline::default());
        let mut all = self.lifelines.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|l| l.strong_count() > 0);
        all.push(Arc::downgrade(&lifeline));
        lifeline
    }

    fn cut_connections(&self) {
        let all = std::mem::take(&mut *self.lifelines.lock().unwrap_or_else(|e| e.into_inner()));
        for lifeline in all.iter().filter_map(Weak::upgrade) {
            lifeline.cut();
        }
    }

    /// The latency to add to a request, if any.
    pub(crate) fn latency(&self) -> Option<Duration> {
        let ms = self.current().latency_ms;
        (ms > 0).then(|| Duration::from_millis(ms))
    }

    /// Whether the next write fails, and with what.
    pub(crate) fn write_failure(&self) -> Option<ApiStatus> {
        let faults = self.current();
        if faults.fail_writes <= 0.0 {
            return None;
        }
        let n = self.writes.fetch_add(1, Ordering::Relaxed);
        if faults.fail_writes < 1.0 && unit(faults.seed, n) >= faults.fail_writes {
            return None;
        }
        Some(match faults.fail_status {
            500 => ApiStatus::internal("Internal error occurred: etcdserver: request timed out"),
            _ => ApiStatus::unavailable("the server is currently unable to handle the request"),
        })
    }
}

/// The `n`th number of the sequence from `seed`, uniform in [0, 1)
/// (SplitMix64, so the sequence is the same on every platform and build).
fn unit(seed: u64, n: u64) -> f64 {
    let mut z = seed
        .wrapping_add(n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fraction_of_writes_fails_the_same_way_for_the_same_seed() {
        let faults = Faults::default();
        let run = |seed| {
            faults.set(Fault::FailWrites {
                fraction: 0.3,
                status: 500,
                seed,
            });
            (0..1000)
                .map(|_| faults.write_failure().is_some())
                .collect::<Vec<_>>()
        };
        let first = run(7);
        assert_eq!(first, run(7));
        assert_ne!(first, run(8));
        let failed = first.iter().filter(|f| **f).count();
        assert!((200..400).contains(&failed), "{failed} of 1000");
        assert_eq!(
            faults.write_failure().map(|s| s.code).unwrap_or(500),
            500,
            "status kept"
        );
        faults.restore();
        assert!((0..100).all(|_| faults.write_failure().is_none()));
    }

    #[test]
    fn checks_name_the_bad_field() {
        let bad = FaultSet {
            fail_writes: 1.5,
            ..FaultSet::default()
        };
        assert!(bad.check().unwrap_err().contains("failWrites"));
        assert_eq!(bad.sanitized().fail_writes, 1.0);
        let bad = FaultSet {
            fail_status: 404,
            ..FaultSet::default()
        };
        assert!(bad.check().unwrap_err().contains("failStatus"));
        assert!(FaultSet::default().check().is_ok());
        assert!(FaultSet::default().is_healthy());
    }

    #[test]
    fn sets_combine_and_read_as_json() {
        let set = FaultSet::default()
            .with(Fault::Unreachable)
            .with(Fault::Latency(Duration::from_millis(250)));
        assert!(set.unreachable);
        assert_eq!(set.latency_ms, 250);
        let parsed: FaultSet = serde_json::from_str(r#"{"latencyMs": 500}"#).unwrap();
        assert_eq!(parsed.latency_ms, 500);
        assert!(!parsed.unreachable);
        assert!(serde_json::from_str::<FaultSet>(r#"{"latency": 5}"#).is_err());
    }
}
