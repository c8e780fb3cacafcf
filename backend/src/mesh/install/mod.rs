//! Installing a control plane revision on a member (SPEC §2.3): reviewed
//! plans (preflight against the live cluster, a server-side dry-run diff
//! per object) and install runs that apply a reviewed plan step by step,
//! wait for istiod and verify it, publishing their progress as they go.
//! Plans and runs live in memory: a plan is a short-lived review, and
//! re-running a plan is safe because every step is an apply.

mod cacerts;
pub mod http;
mod review;
mod run;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use shared::mesh::{InstallProgress, Plan, PlanReview};
use tokio::sync::watch;

pub use self::review::review;
pub use self::run::start;

/// How long a reviewed plan may wait to be applied.
const PLAN_LIFETIME_SECS: i64 = 30 * 60;

/// How long an install waits for istiod, and how often it looks.
#[derive(Debug, Clone, Copy)]
pub struct InstallTiming {
    pub ready_timeout: Duration,
    pub poll: Duration,
}

impl Default for InstallTiming {
    fn default() -> Self {
        Self {
            ready_timeout: Duration::from_secs(180),
            poll: Duration::from_millis(500),
        }
    }
}

/// A plan as reviewed, kept until it is applied or expires.
#[derive(Clone)]
struct StoredPlan {
    review: PlanReview,
    plan: Plan,
    created: i64,
}

/// The console's plans and install runs.
#[derive(Clone, Default)]
pub struct Installs {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    plans: Mutex<HashMap<String, StoredPlan>>,
    runs: Mutex<HashMap<String, watch::Sender<InstallProgress>>>,
    timing: Mutex<InstallTiming>,
}

impl Installs {
    pub fn with_timing(timing: InstallTiming) -> Self {
        let installs = Self::default();
        *lock(&installs.inner.timing) = timing;
        installs
    }

    fn timing(&self) -> InstallTiming {
        *lock(&self.inner.timing)
    }

    fn keep_plan(&self, plan: StoredPlan, now: i64) {
        let mut plans = lock(&self.inner.plans);
        plans.retain(|_, p| now - p.created < PLAN_LIFETIME_SECS);
        plans.insert(plan.review.id.clone(), plan);
    }

    fn plan(&self, id: &str, now: i64) -> Option<StoredPlan> {
        lock(&self.inner.plans)
            .get(id)
            .filter(|p| now - p.created < PLAN_LIFETIME_SECS)
            .cloned()
    }

    /// The reviewed plan `id` as it was shown, for export.
    pub fn plan_of(&self, id: &str, now: i64) -> Option<Plan> {
        self.plan(id, now).map(|p| p.plan)
    }

    /// A run's current progress.
    pub fn progress(&self, id: &str) -> Option<InstallProgress> {
        lock(&self.inner.runs).get(id).map(|tx| tx.borrow().clone())
    }

    /// Follows a run: the current progress, then every change.
    pub fn subscribe(&self, id: &str) -> Option<watch::Receiver<InstallProgress>> {
        lock(&self.inner.runs).get(id).map(watch::Sender::subscribe)
    }

    /// Every run, newest first.
    pub fn runs(&self) -> Vec<InstallProgress> {
        let mut runs: Vec<InstallProgress> = lock(&self.inner.runs)
            .values()
            .map(|tx| tx.borrow().clone())
            .collect();
        runs.sort_by(|a, b| b.started.cmp(&a.started).then(b.id.cmp(&a.id)));
        runs
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
