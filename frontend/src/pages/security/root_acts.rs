//! What a security officer does to mesh roots, asked before it is done:
//! each act's question names the mesh, the key material and the clusters
//! it touches; each outcome says what happened where.

use leptos::prelude::*;
use shared::ApiError;
use shared::csr::{BundlePublished, MeshRoot, RootRotated};
use shared::mesh::MeshId;

use crate::api;

/// What an officer is asked to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Pending {
    Create(MeshId),
    Import {
        mesh: MeshId,
        pem: String,
    },
    Retire {
        fingerprint: String,
        mesh: MeshId,
        imported: bool,
    },
    /// `chained`: the clusters whose intermediates chain to the root.
    Rotate {
        fingerprint: String,
        mesh: MeshId,
        chained: Vec<String>,
    },
    Publish {
        fingerprint: String,
        mesh: MeshId,
        chained: Vec<String>,
    },
}

/// What the backend answered.
#[derive(Debug, Clone)]
pub(super) enum Done {
    Root(MeshRoot),
    Rotated(RootRotated),
    Published(BundlePublished),
}

/// What the last act did.
pub(super) type Outcome = Result<(Pending, Done), ApiError>;

/// Does what was confirmed.
pub(super) async fn perform(asked: &Pending) -> Result<Done, ApiError> {
    match asked {
        Pending::Create(mesh) => api::roots::create(mesh.clone()).await.map(Done::Root),
        Pending::Import { mesh, pem } => api::roots::import(mesh.clone(), pem.clone())
            .await
            .map(Done::Root),
        Pending::Retire { fingerprint, .. } => api::roots::retire(fingerprint.clone())
            .await
            .map(Done::Root),
        Pending::Rotate { fingerprint, .. } => api::roots::rotate(fingerprint.clone())
            .await
            .map(Done::Rotated),
        Pending::Publish { fingerprint, .. } => api::roots::publish(fingerprint.clone())
            .await
            .map(Done::Published),
    }
}

fn clusters(chained: &[String]) -> String {
    if chained.is_empty() {
        "no cluster yet".to_owned()
    } else {
        chained.join(", ")
    }
}

/// The question and the confirming button's label.
pub(super) fn question(asked: &Pending) -> (String, &'static str) {
    match asked {
        Pending::Create(mesh) => (
            format!(
                "Create the root of mesh {mesh}? An EC P-256 key pair is generated in the HSM token (PKCS#11), where its private key stays, and a self-signed root certificate valid for 10 years is stored beside it. Istio CA and HSM installs of mesh {mesh} will issue from it."
            ),
            "Create root in the HSM token",
        ),
        Pending::Import { mesh, .. } => (
            format!(
                "Import this certificate as the root of mesh {mesh}? The HSM token must already hold its key pair (sensitive, never extractable); the console stores only the certificate beside it. Istio CA and HSM installs of mesh {mesh} will issue from it."
            ),
            "Import root",
        ),
        Pending::Retire {
            fingerprint,
            mesh,
            imported,
        } => (
            format!(
                "Retire root {fingerprint} of mesh {mesh}? {} Nothing can be signed with it again. Refused while a cluster still chains to it.",
                if *imported {
                    "Its certificate leaves the HSM token; its key pair, made by the HSM's own tooling, stays there."
                } else {
                    "Its key pair and certificate are destroyed in the HSM token."
                }
            ),
            "Retire root",
        ),
        Pending::Rotate {
            fingerprint,
            mesh,
            chained,
        } => (
            format!(
                "Rotate root {fingerprint} of mesh {mesh}? A new EC P-256 key pair and root certificate are made in the HSM token and sign from now on; this root stays trusted beside it until you retire it. Of the clusters chaining to it ({}), those in Istio CA mode get both roots in root-cert.pem of secret istio-system/cacerts at once (their intermediates stay); those in HSM mode take the new root with istiod's next signed request. Then run their installs under a grant for the new root, and retire this one once nothing chains to it.",
                clusters(chained)
            ),
            "Rotate root",
        ),
        Pending::Publish {
            fingerprint,
            mesh,
            chained,
        } => (
            format!(
                "Publish the trust bundle of mesh {mesh} (root {fingerprint} and any root it is rotating from)? root-cert.pem of secret istio-system/cacerts is rewritten on {} where it differs; intermediates stay.",
                clusters(chained)
            ),
            "Publish trust bundle",
        ),
    }
}

fn reached(report: &BundlePublished) -> String {
    let mut said = format!(
        "written on {}",
        if report.written.is_empty() {
            "no cluster".to_owned()
        } else {
            report.written.join(", ")
        }
    );
    if !report.current.is_empty() {
        said.push_str(&format!(
            "; already current on {}",
            report.current.join(", ")
        ));
    }
    if !report.failed.is_empty() {
        let failed: Vec<String> = report
            .failed
            .iter()
            .map(|f| format!("{} ({})", f.cluster, f.reason))
            .collect();
        said.push_str(&format!(
            "; NOT reached: {} — publish again once they answer",
            failed.join("; ")
        ));
    }
    said
}

/// What happened, as the notice above the list says it.
pub(super) fn outcome(asked: Pending, done: Done) -> AnyView {
    let text = match (asked, done) {
        (Pending::Create(mesh), Done::Root(root)) => {
            format!(
                "Created the root of mesh {mesh} in the HSM token: SHA-256 {}",
                root.fingerprint
            )
        }
        (Pending::Import { mesh, .. }, Done::Root(root)) => {
            format!(
                "Imported the root of mesh {mesh}: SHA-256 {}",
                root.fingerprint
            )
        }
        (Pending::Retire { mesh, .. }, Done::Root(root)) => {
            format!("Retired root {} of mesh {mesh}.", root.fingerprint)
        }
        (Pending::Rotate { mesh, .. }, Done::Rotated(rotated)) => format!(
            "Rotated the root of mesh {mesh}: the new root {} signs from now. Trust bundle {}.",
            rotated.root.fingerprint,
            reached(&rotated.published)
        ),
        (Pending::Publish { mesh, .. }, Done::Published(report)) => {
            format!("Trust bundle of mesh {mesh} {}.", reached(&report))
        }
        _ => "Done.".to_owned(),
    };
    view! { <p class="notice" role="status">{text}</p> }.into_any()
}
