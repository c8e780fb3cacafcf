//! What the install run book keeps beside its runs: reviewed plans (for
//! 30 minutes) and how long an install waits for istiod.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use shared::mesh::{InstallProgress, Plan, PlanReview};

use crate::runs::{RunBook, lock};

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
pub(super) struct StoredPlan {
    pub review: PlanReview,
    pub plan: Plan,
    pub created: i64,
}

/// Reviewed plans and the install timing, beside the install runs.
#[derive(Default)]
pub struct InstallExtra {
    plans: Mutex<HashMap<String, StoredPlan>>,
    timing: Mutex<InstallTiming>,
}

impl RunBook<InstallProgress> {
    /// Changes how long later installs wait for istiod.
    pub fn set_timing(&self, timing: InstallTiming) {
        *lock(&self.extra().timing) = timing;
    }

    pub(super) fn timing(&self) -> InstallTiming {
        *lock(&self.extra().timing)
    }

    pub(super) fn keep_plan(&self, plan: StoredPlan, now: i64) {
        let mut plans = lock(&self.extra().plans);
        plans.retain(|_, p| now - p.created < PLAN_LIFETIME_SECS);
        plans.insert(plan.review.id.clone(), plan);
    }

    pub(super) fn plan(&self, id: &str, now: i64) -> Option<StoredPlan> {
        lock(&self.extra().plans)
            .get(id)
            .filter(|p| now - p.created < PLAN_LIFETIME_SECS)
            .cloned()
    }

    /// The reviewed plan `id` as it was shown, for export.
    pub fn plan_of(&self, id: &str, now: i64) -> Option<Plan> {
        self.plan(id, now).map(|p| p.plan)
    }
}
