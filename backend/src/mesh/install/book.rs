//! What the install run book keeps beside its runs: reviewed plans (for
//! 30 minutes, in the console's database so that any replica can run a
//! plan reviewed through another) and how long an install waits for
//! istiod.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use shared::mesh::{InstallProgress, Plan, PlanReview};

use crate::runs::{RunBook, lock};
use crate::store::StoreError;

/// The kind reviewed install plans are stored as.
const PLAN_KIND: &str = "install";

/// How long a reviewed plan may wait to be applied.
pub const PLAN_LIFETIME_SECS: i64 = 30 * 60;

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
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct StoredPlan {
    pub review: PlanReview,
    pub plan: Plan,
    pub created: i64,
}

/// Reviewed plans (of a book without a store) and the install timing,
/// beside the install runs.
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

    /// Keeps a reviewed plan until it expires: in the store, so every
    /// replica can run it.
    pub(super) async fn keep_plan(&self, plan: StoredPlan, now: i64) -> Result<(), StoreError> {
        let Some(store) = self.store() else {
            let mut plans = lock(&self.extra().plans);
            plans.retain(|_, p| now - p.created < PLAN_LIFETIME_SECS);
            plans.insert(plan.review.id.clone(), plan);
            return Ok(());
        };
        let body = serde_json::to_string(&plan)
            .map_err(|e| StoreError::Corrupt(format!("install plan: {e}")))?;
        store
            .save_plan(
                PLAN_KIND,
                &plan.review.id,
                plan.created,
                &body,
                now - PLAN_LIFETIME_SECS + 1,
            )
            .await
    }

    /// The reviewed plan `id`, unless it expired.
    pub(super) async fn plan(&self, id: &str, now: i64) -> Result<Option<StoredPlan>, StoreError> {
        let Some(store) = self.store() else {
            return Ok(lock(&self.extra().plans)
                .get(id)
                .filter(|p| now - p.created < PLAN_LIFETIME_SECS)
                .cloned());
        };
        store
            .plan(PLAN_KIND, id, now - PLAN_LIFETIME_SECS + 1)
            .await?
            .map(|body| {
                serde_json::from_str(&body)
                    .map_err(|e| StoreError::Corrupt(format!("install plan {id}: {e}")))
            })
            .transpose()
    }

    /// The reviewed plan `id` as it was shown, for export.
    pub async fn plan_of(&self, id: &str, now: i64) -> Result<Option<Plan>, StoreError> {
        Ok(self.plan(id, now).await?.map(|p| p.plan))
    }
}
