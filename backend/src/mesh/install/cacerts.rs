//! The `cacerts` step of an Istio CA install: the cluster's intermediate
//! CA, issued from the mesh root in the token, verified, and written as
//! secret `istio-system/cacerts` with exactly the four keys istiod reads.
//! A live secret that already chains to the mesh root is kept, so running
//! a plan again does not re-issue what istiod is using.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use shared::mesh::plan::CACERTS_KEYS;
use shared::mesh::{ISTIO_SYSTEM, Plan, TrustDomain};

use super::error::InstallStepError;
use crate::audit::Actor;
use crate::cluster::mesh::inspect;
use crate::cluster::{ClusterError, MemberApi};
use crate::security::ca::{CaCerts, CaError, CertificateAuthority};
use crate::security::grants::{self, issued};
use crate::state::AppState;

/// Who has an intermediate issued: the operator whose run it is.
pub struct IssuedBy<'a> {
    pub actor: &'a Actor,
    pub run: &'a str,
}

/// Makes sure `cacerts` on the plan's cluster holds an intermediate of the
/// mesh root; says whether it was kept or written.
pub async fn ensure(
    state: &AppState,
    client: &MemberApi,
    plan: &Plan,
    by: IssuedBy<'_>,
) -> Result<String, InstallStepError> {
    let cluster = plan.cluster.as_str();
    let ca = state.ca().ok_or_else(|| InstallStepError::NoRootToken {
        cluster: cluster.to_owned(),
    })?;
    let mesh = &plan.settings.mesh_id;
    // Reads only: a root missing here was not created by a security
    // officer, and an install must not make one (issue 21).
    let mesh_root_failed = |source| InstallStepError::MeshRoot {
        mesh: mesh.to_string(),
        source,
    };
    let root = ca
        .root(mesh)
        .await
        .and_then(|root| root.ok_or_else(|| CaError::NoRoot { mesh: mesh.clone() }))
        .map_err(mesh_root_failed)?;
    let bundle = ca
        .trust_bundle(mesh)
        .await
        .map_err(mesh_root_failed)?
        .unwrap_or_else(|| root.pem.clone());
    let live = inspect::cacerts_data(client)
        .await
        .map_err(InstallStepError::on(cluster))?;
    let trusted = Trusted {
        root: &root.pem,
        bundle: &bundle,
    };
    if let Some(data) = &live
        && keeps(ca, data, &trusted, plan, state.clock().now())
    {
        return Ok(format!(
            "kept: a valid intermediate of {cluster} under the mesh root {}",
            root.sha256_fingerprint
        ));
    }
    // The intermediate is an officer's decision (issue 21): only under an
    // active grant, its approvals counted now, and for as long as it says.
    let not_granted = || InstallStepError::NotGranted {
        cluster: cluster.to_owned(),
        mesh: mesh.to_string(),
        trust_domain: plan.trust_domain.clone(),
    };
    let trust_domain: TrustDomain = plan.trust_domain.parse().map_err(|_| not_granted())?;
    let grant = grants::covering(state, mesh, &plan.cluster, &trust_domain)
        .await
        .map_err(|e| InstallStepError::Grant {
            cluster: cluster.to_owned(),
            reason: e.to_string(),
        })?
        .ok_or_else(not_granted)?;
    let validity = time::Duration::days(i64::from(grant.validity_days));
    let certs = ca
        .issue_intermediate_for(
            mesh,
            &plan.cluster,
            &plan.trust_domain,
            validity,
            Some(&grant.root_fingerprint),
        )
        .await
        .map_err(|source| InstallStepError::Issue {
            cluster: cluster.to_owned(),
            source,
        })?;
    ca.verify_cacerts(&certs, &plan.trust_domain)
        .map_err(|source| InstallStepError::ChainInvalid {
            cluster: cluster.to_owned(),
            source,
        })?;
    let facts = certs.describe().map_err(|source| InstallStepError::Issue {
        cluster: cluster.to_owned(),
        source,
    })?;
    issued::record(state, by.actor, by.run, plan, &grant, &facts)
        .await
        .map_err(|e| InstallStepError::Grant {
            cluster: cluster.to_owned(),
            reason: format!("the audit log refused the issue: {e}"),
        })?;
    let secret = manifest(certs.secret_data());
    // A live secret that is not a valid intermediate of this cluster is
    // replaced whoever wrote it: the review said so ("re-issued
    // otherwise") and the issue is audited above.
    let applied = match live {
        Some(_) => client.take_over(&secret).await.map(|_| "re-issued"),
        None => client.apply_reporting(&secret).await.map(|a| a.as_str()),
    }
    .map_err(ClusterError::into_apply)
    .map_err(InstallStepError::on(cluster))?;
    Ok(format!(
        "{applied}: intermediate for {cluster} under mesh root {} and issuance grant {} (serial {}, SHA-256 {}, {} days)",
        root.sha256_fingerprint,
        grant.id,
        facts.serial,
        facts.sha256_fingerprint,
        grant.validity_days
    ))
}

/// How long a kept intermediate must still be valid.
const KEEP_MARGIN_SECS: i64 = 30 * 86_400;

/// Secret `istio-system/cacerts` holding `data` (key to PEM), as the
/// console applies it.
pub fn manifest(data: BTreeMap<String, String>) -> Value {
    let data: Map<String, Value> = data
        .into_iter()
        .map(|(k, v)| (k, Value::String(STANDARD.encode(v))))
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "cacerts",
            "namespace": ISTIO_SYSTEM,
            "labels": {"app.kubernetes.io/managed-by": "meshdeck"},
        },
        "type": "Opaque",
        "data": data,
    })
}

/// What a kept intermediate must chain to and carry.
struct Trusted<'a> {
    /// The mesh's signing root (PEM).
    root: &'a str,
    /// `root-cert.pem` as the console writes it now: the signing root,
    /// then the previous one during a rotation.
    bundle: &'a str,
}

/// Whether the live `cacerts` is one to keep: all four keys, chaining to
/// the mesh's signing root with the trust bundle it has now, verifying
/// for the plan's trust domain, issued to this cluster and valid for a
/// while yet. Anything else (an intermediate copied from another cluster,
/// one about to expire, one of a root rotated out) is re-issued, under a
/// grant. `now` in Unix seconds.
fn keeps(
    ca: &CertificateAuthority,
    data: &BTreeMap<String, String>,
    trusted: &Trusted<'_>,
    plan: &Plan,
    now: i64,
) -> bool {
    let key = |k: &str| data.get(k).cloned().unwrap_or_default();
    if !CACERTS_KEYS.iter().all(|k| data.contains_key(*k))
        || key("root-cert.pem").trim() != trusted.bundle.trim()
        || !key("cert-chain.pem").trim().ends_with(trusted.root.trim())
    {
        return false;
    }
    let live = CaCerts {
        ca_cert_pem: key("ca-cert.pem"),
        ca_key_pem: key("ca-key.pem"),
        root_cert_pem: key("root-cert.pem"),
        cert_chain_pem: key("cert-chain.pem"),
    };
    let Ok(facts) = live.describe() else {
        return false;
    };
    ca.verify_cacerts(&live, &plan.trust_domain).is_ok()
        && facts.common_name == format!("Intermediate CA {}", plan.cluster)
        && facts.not_after > now + KEEP_MARGIN_SECS
}
