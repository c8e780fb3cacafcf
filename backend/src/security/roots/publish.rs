//! Publishing a mesh's trust bundle to its members (root rotation, issue
//! 21): every member whose `cacerts` chains to one of the mesh's roots
//! gets `root-cert.pem` holding exactly the roots the token keeps for the
//! mesh — the new root beside the old while a rotation is underway, so
//! workloads of clusters already re-issued and of those not yet trust each
//! other; the old one gone once it is retired. The intermediate and its
//! key stay as they are. Members are written in parallel, each only while
//! its secret is the version read (never forced), and one that fails is
//! reported, not waited for; publishing again finishes the rest.

use std::collections::BTreeMap;

use shared::csr::{BundlePublished, ClusterTrust, PublishFailure};
use shared::mesh::{CaMode, ISTIO_SYSTEM, MeshId};

use crate::cluster::apply::{Force, ObjectRef};
use crate::cluster::mesh::inspect;
use crate::error::AppError;
use crate::security::ca::{fingerprint, pem_text};
use crate::state::AppState;

/// Writes the mesh's trust bundle to every member that chains to one of
/// its roots and does not hold exactly that bundle yet.
pub async fn publish(state: &AppState, mesh: &MeshId) -> Result<BundlePublished, AppError> {
    let ca = super::token(state)?;
    let Some(bundle_pem) = ca.trust_bundle(mesh).await.map_err(super::token_failed)? else {
        return Err(AppError::Conflict(format!(
            "mesh {mesh} has no root: there is no trust bundle to publish"
        )));
    };
    let bundle: Vec<String> = pem_text::certificates(&bundle_pem, "the trust bundle")
        .map_err(super::token_failed)?
        .iter()
        .map(|der| fingerprint(der))
        .collect();
    let inventory = crate::security::trust::inventory(state).await;
    let mut report = BundlePublished {
        bundle: bundle.clone(),
        ..BundlePublished::default()
    };
    let mut due = Vec::new();
    for member in &inventory.clusters {
        if let Some(error) = &member.error {
            report.failed.push(PublishFailure {
                cluster: member.cluster.clone(),
                reason: format!(
                    "could not be read, so whether it belongs to mesh {mesh} is unknown: {error}"
                ),
            });
        } else if member.ca_mode == Some(CaMode::Hsm) && chains_to(member, &bundle) {
            // istiod's chain in HSM mode comes back from its signed request:
            // it is re-signed, not published to.
            report.failed.push(PublishFailure {
                cluster: member.cluster.clone(),
                reason: "HSM mode: istiod's chain (istio-ca-cert) is not published to; its next request, signed under the new root, brings it".into(),
            });
        } else if belongs(member, &bundle) {
            if member.trusted_roots == bundle {
                report.current.push(member.cluster.clone());
            } else {
                due.push(member.cluster.clone());
            }
        }
    }
    let writes = due
        .iter()
        .map(|cluster| write(state, cluster, &bundle_pem, &bundle));
    for (cluster, outcome) in due.iter().zip(futures_util::future::join_all(writes).await) {
        match outcome {
            Ok(()) => report.written.push(cluster.clone()),
            Err(not_written) => report.failed.push(not_written.into()),
        }
    }
    Ok(report)
}

/// A member whose bundle was not written, and why.
#[derive(Debug, thiserror::Error)]
#[error("{cluster}: {why}")]
struct NotWritten {
    cluster: String,
    why: Why,
}

impl From<NotWritten> for PublishFailure {
    fn from(not_written: NotWritten) -> Self {
        Self {
            cluster: not_written.cluster,
            reason: not_written.why.to_string(),
        }
    }
}

/// Why a member's bundle was not written.
#[derive(Debug, thiserror::Error)]
enum Why {
    #[error(transparent)]
    Cluster(#[from] crate::cluster::ClusterError),
    #[error(transparent)]
    Read(#[from] crate::cluster::apply::ApplyError),
    #[error("secret istio-system/cacerts is gone")]
    Gone,
    #[error("its cacerts changed meanwhile and no longer chains to the mesh's roots")]
    Changed,
}

/// Whether the member's intermediate is one of the mesh's (plug-in
/// certificates chaining to a root of the bundle).
fn belongs(member: &ClusterTrust, bundle: &[String]) -> bool {
    member.ca_mode == Some(CaMode::IstioCaPluginCerts) && chains_to(member, bundle)
}

/// Whether the member's intermediate chains to a root of the bundle.
fn chains_to(member: &ClusterTrust, bundle: &[String]) -> bool {
    member
        .root_fingerprint
        .as_ref()
        .is_some_and(|root| bundle.contains(root))
}

/// Replaces `root-cert.pem` of the member's `cacerts` with `bundle_pem`,
/// only while the secret is what was read and still chains to a root of
/// the bundle.
async fn write(
    state: &AppState,
    cluster: &str,
    bundle_pem: &str,
    bundle: &[String],
) -> Result<(), NotWritten> {
    write_member(state, cluster, bundle_pem, bundle)
        .await
        .map_err(|why| NotWritten {
            cluster: cluster.to_owned(),
            why,
        })
}

async fn write_member(
    state: &AppState,
    cluster: &str,
    bundle_pem: &str,
    bundle: &[String],
) -> Result<(), Why> {
    let api = state.fleet().member_api(cluster)?;
    let object = ObjectRef {
        api_version: "v1".into(),
        kind: "Secret".into(),
        namespace: Some(ISTIO_SYSTEM.into()),
        name: "cacerts".into(),
    };
    let Some(version) = api.resource_version(&object).await? else {
        return Err(Why::Gone);
    };
    let mut data: BTreeMap<String, String> = inspect::cacerts_data(&api).await?.unwrap_or_default();
    // The chain's root as the trust inventory reads it.
    let chain_root = data
        .get("cert-chain.pem")
        .and_then(|chain| crate::cluster::trust::chain_root(chain))
        .and_then(|root| pem::parse(root).ok())
        .map(|root| fingerprint(root.contents()));
    if !chain_root.is_some_and(|root| bundle.contains(&root)) {
        return Err(Why::Changed);
    }
    data.insert("root-cert.pem".into(), bundle_pem.to_owned());
    let secret = crate::mesh::install::cacerts::manifest(data);
    api.apply_versioned(&secret, Some(&version), Force::No)
        .await?;
    Ok(())
}
