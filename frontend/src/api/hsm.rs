//! HSM mode for an install (SPEC §2.2 mode 3): checking a cluster's HSM
//! settings against Vault and the HSM, and provisioning its slot and KEK.
//! Answers carry slot labels, KEK ids and Vault paths, never a PIN.

use shared::mesh::{HsmReadiness, HsmSettings, HsmSlotProvisioned, HsmSlotRequest};
use shared::{ApiError, routes};

/// `POST /api/clusters/{cluster}/hsm/check`: whether istiod could use
/// `settings` (the slot opens with Vault's PIN and holds the KEK).
pub async fn check(cluster: String, settings: HsmSettings) -> Result<HsmReadiness, ApiError> {
    super::post_json(
        &routes::fill(routes::CLUSTER_HSM_CHECK, &[&cluster]),
        &settings,
    )
    .await
}

/// `POST /api/clusters/{cluster}/hsm/slot`: provisions the cluster's slot,
/// its credentials in Vault and its KEK (generated when none is named).
pub async fn provision_slot(
    cluster: String,
    request: HsmSlotRequest,
) -> Result<HsmSlotProvisioned, ApiError> {
    super::post_json(
        &routes::fill(routes::CLUSTER_HSM_SLOT, &[&cluster]),
        &request,
    )
    .await
}
