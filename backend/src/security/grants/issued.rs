//! The audit entry of an intermediate issued under a grant: which grant,
//! which officers it counted, the certificate's serial and fingerprint.
//! Written before the intermediate leaves the console, so an issue the log
//! refused never reaches a cluster.

use shared::Outcome;
use shared::csr::IssuanceGrant;
use shared::mesh::Plan;

use crate::audit::{self, Actor, Event};
use crate::security::ca::IntermediateFacts;
use crate::state::AppState;
use crate::store::StoreError;

/// Records that `actor`'s run `run` had `plan`'s cluster issue the
/// intermediate described by `facts` under `grant`.
pub async fn record(
    state: &AppState,
    actor: &Actor,
    run: &str,
    plan: &Plan,
    grant: &IssuanceGrant,
    facts: &IntermediateFacts,
) -> Result<(), StoreError> {
    let event = Event::new("ca.intermediate.issue", Outcome::Success)
        .cluster(plan.cluster.to_string())
        .target(format!("intermediate CA of {}", plan.cluster))
        .param("run", run)
        .param("grant", &grant.id)
        .param("officers", grant.approvals.join(","))
        .param("mesh", &plan.settings.mesh_id)
        .param("trust_domain", &plan.trust_domain)
        .param("revision", &plan.settings.revision)
        .param("validity_days", grant.validity_days)
        .param("serial", &facts.serial)
        .param("sha256", &facts.sha256_fingerprint);
    audit::record(state, actor.clone(), None, event).await?;
    Ok(())
}
