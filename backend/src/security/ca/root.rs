//! The mesh's root CA: one per mesh id, its key pair generated inside the
//! token and its self-signed certificate signed through the token, then
//! kept in the token beside the key so that every later call (and every
//! restart) returns the same root.
//!
//! Only [`create`] makes key material, and only a security officer's
//! request reaches it (issue 21); everything else [`load`]s and finds
//! nothing when no officer created the root. Creating is atomic within
//! the process; two processes creating the first root of the same mesh on
//! one token at the same moment could each make one (one console per
//! token is the deployment this serves).

use std::sync::{Mutex, PoisonError};

use rcgen::{CertificateParams, SerialNumber};
use sha2::{Digest, Sha256};
use shared::mesh::MeshId;
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::pem_text::certificate_pem;
use super::profile;
use super::token::{TokenKey, TokenSession};
use super::{CaError, RootCertificate, fingerprint};

/// How long a root is valid.
const ROOT_VALIDITY: Duration = Duration::days(3650);
/// Clocks of the machines that check certificates may lag a little.
pub(crate) const BACKDATE: Duration = Duration::minutes(5);

/// Held while a root is created or destroyed: every session of the
/// process (one per opened [`super::CertificateAuthority`]) takes turns.
static CREATE: Mutex<()> = Mutex::new(());

/// What the labels of mesh roots start with.
const LABEL_PREFIX: &str = "meshdeck-root-";

/// The `CKA_LABEL` of the mesh's root key pair and certificate.
pub(crate) fn object_label(mesh: &MeshId) -> String {
    format!("{LABEL_PREFIX}{mesh}")
}

/// What the label of a mesh's previous root (rotated out, still trusted,
/// no longer signing) starts with.
const PREVIOUS_PREFIX: &str = "meshdeck-previous-root-";

/// The `CKA_LABEL` of the mesh's previous root during a rotation.
pub(crate) fn previous_label(mesh: &MeshId) -> String {
    format!("{PREVIOUS_PREFIX}{mesh}")
}

/// The `CKA_ID` tying a root's key pair and certificate together: one of
/// its own, so a rotated root's key and its successor's never share one.
fn object_id(mesh: &MeshId, serial: &[u8; 16]) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update(object_label(mesh).as_bytes());
    hash.update(serial);
    hash.finalize()[..16].to_vec()
}

/// The root certificate's contents.
pub(crate) fn root_params(
    mesh: &MeshId,
    now: OffsetDateTime,
    serial: [u8; 16],
) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = profile::mesh_subject(mesh, format!("meshdeck root CA {mesh}"));
    // One level of intermediates (one per cluster) below the root.
    profile::ca(&mut params, 1);
    params.not_before = now - BACKDATE;
    params.not_after = now + ROOT_VALIDITY;
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params
}

/// The mesh's root certificate (DER) and its key, if the token holds it.
pub(crate) fn load<'s>(
    session: &'s TokenSession<'s>,
    mesh: &MeshId,
) -> Result<Option<(Vec<u8>, TokenKey<'s>)>, CaError> {
    let label = object_label(mesh);
    let stored = session.certificate(&label)?;
    let key = match (&stored, session.key(&label)?) {
        // An imported root: its key pair is labelled by the tooling that
        // made it, and found by the certificate's public key.
        (Some(der), None) => {
            let (_, cert) = parse(der)?;
            let point = cert.public_key().subject_public_key.data.as_ref();
            session.key_for_point(point)?.map(|found| found.key)
        }
        (_, key) => key,
    };
    match (stored, key) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(CaError::TokenContent {
            label: session.token_label().to_owned(),
            problem: format!("the root certificate {label:?} is there but its key is not"),
        }),
        (None, Some(_)) => Err(CaError::TokenContent {
            label: session.token_label().to_owned(),
            problem: format!("the root key {label:?} is there but its certificate is not"),
        }),
        (Some(der), Some(key)) => {
            let (_, cert) = parse(&der)?;
            if cert.public_key().subject_public_key.data.as_ref()
                != rcgen::PublicKeyData::der_bytes(&key)
            {
                return Err(CaError::TokenContent {
                    label: session.token_label().to_owned(),
                    problem: format!("the root certificate {label:?} does not belong to its key"),
                });
            }
            Ok(Some((der, key)))
        }
    }
}

/// The mesh's root, which must exist: signing needs it.
pub(crate) fn require<'s>(
    session: &'s TokenSession<'s>,
    mesh: &MeshId,
) -> Result<(Vec<u8>, TokenKey<'s>), CaError> {
    load(session, mesh)?.ok_or_else(|| CaError::NoRoot { mesh: mesh.clone() })
}

/// Creates the mesh's root in the token: a key pair generated there and a
/// self-signed certificate stored beside it. Refuses when the token
/// already holds a root (or part of one) for the mesh.
pub(crate) fn create<'s>(
    session: &'s TokenSession<'s>,
    mesh: &MeshId,
    now: OffsetDateTime,
    serial: [u8; 16],
) -> Result<(Vec<u8>, TokenKey<'s>), CaError> {
    let _turn = CREATE.lock().unwrap_or_else(PoisonError::into_inner);
    create_unlocked(session, mesh, now, serial)
}

fn create_unlocked<'s>(
    session: &'s TokenSession<'s>,
    mesh: &MeshId,
    now: OffsetDateTime,
    serial: [u8; 16],
) -> Result<(Vec<u8>, TokenKey<'s>), CaError> {
    let label = object_label(mesh);
    if session.certificate(&label)?.is_some() || session.key(&label)?.is_some() {
        return Err(CaError::RootExists { mesh: mesh.clone() });
    }
    let id = object_id(mesh, &serial);
    let key = session.generate_key(&label, &id)?;
    let cert = root_params(mesh, now, serial)
        .self_signed(&key)
        .map_err(|e| {
            key.take_failure()
                .unwrap_or_else(|| CaError::certificate(format!("root certificate of {mesh}"))(e))
        })?;
    let der = cert.der().to_vec();
    let (_, parsed) = parse(&der)?;
    session.store_certificate(&label, &id, parsed.subject().as_raw(), &der)?;
    Ok((der, key))
}

/// Imports `der` as the mesh's root: a self-signed P-256 CA certificate,
/// valid at `now`, whose key pair the token already holds (generated
/// there by the HSM's own tooling, sensitive and never extractable). Only
/// a certificate object is added, beside the key, under the console's
/// label; the key is left as it was. Refuses when the mesh has a root.
pub(crate) fn import(
    session: &TokenSession<'_>,
    mesh: &MeshId,
    der: &[u8],
    now: OffsetDateTime,
) -> Result<(), CaError> {
    let _turn = CREATE.lock().unwrap_or_else(PoisonError::into_inner);
    let label = object_label(mesh);
    if session.certificate(&label)?.is_some() || session.key(&label)?.is_some() {
        return Err(CaError::RootExists { mesh: mesh.clone() });
    }
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| CaError::NotImportable(format!("it does not parse: {e}")))?;
    importable(&cert, now)?;
    let point = cert.public_key().subject_public_key.data.as_ref();
    // A rotated-out root's key too: its rotation would come to nothing.
    for (other, other_der) in list(session)?.into_iter().chain(list_previous(session)?) {
        let (_, other_cert) = parse(&other_der)?;
        if other_cert.public_key().subject_public_key.data.as_ref() == point {
            return Err(CaError::NotImportable(format!(
                "its key is the root key of mesh {other}: one key is the root of one mesh"
            )));
        }
    }
    let Some(found) = session.key_for_point(point)? else {
        return Err(CaError::NoKeyInToken(format!(
            "token {:?} holds no key pair for {}: generate the key in the HSM and import the certificate made with it",
            session.token_label(),
            cert.subject()
        )));
    };
    if !found.protected {
        return Err(CaError::NoKeyInToken(format!(
            "the key of {} in token {:?} is extractable or not sensitive: it may exist outside the HSM, so it cannot be a mesh root",
            cert.subject(),
            session.token_label()
        )));
    }
    session.store_certificate(&label, &found.id, cert.subject().as_raw(), der)
}

/// What makes a certificate a root the console can sign with.
fn importable(cert: &X509Certificate<'_>, now: OffsetDateTime) -> Result<(), CaError> {
    let refuse = |why: &str| Err(CaError::NotImportable(why.to_owned()));
    if !cert.is_ca() {
        return refuse("it is not a CA certificate (basicConstraints CA:TRUE)");
    }
    if cert.subject().as_raw() != cert.issuer().as_raw() || cert.verify_signature(None).is_err() {
        return refuse("it is not self-signed");
    }
    let p256 = cert
        .public_key()
        .parsed()
        .is_ok_and(|key| matches!(key, x509_parser::public_key::PublicKey::EC(point) if point.key_size() == 256));
    if !p256 {
        return refuse("its key is not an EC P-256 key (the token signs with ECDSA P-256)");
    }
    let validity = cert.validity();
    if now.unix_timestamp() < validity.not_before.timestamp()
        || now.unix_timestamp() >= validity.not_after.timestamp()
    {
        return refuse("it is not valid now");
    }
    Ok(())
}

/// Removes the mesh's root from the token: its certificate and the key
/// pair the console made (an imported root's key, labelled by the tooling
/// that made it, stays). Nothing can be signed with it afterwards.
pub(crate) fn destroy(session: &TokenSession<'_>, mesh: &MeshId) -> Result<(), CaError> {
    let _turn = CREATE.lock().unwrap_or_else(PoisonError::into_inner);
    session.destroy_labelled(&object_label(mesh))
}

/// Rotates the mesh's root: the current one moves aside as the previous
/// root (still trusted, no longer signing) and a new one is created in
/// its place. Refused while an earlier rotation's previous root is still
/// there; put back as it was when the new root cannot be made. Returns
/// the new root's certificate (DER).
pub(crate) fn rotate(
    session: &TokenSession<'_>,
    mesh: &MeshId,
    expected: &str,
    now: OffsetDateTime,
    serial: [u8; 16],
) -> Result<Vec<u8>, CaError> {
    let _turn = CREATE.lock().unwrap_or_else(PoisonError::into_inner);
    let (label, previous) = (object_label(mesh), previous_label(mesh));
    if session.certificate(&previous)?.is_some() {
        return Err(CaError::RotationUnderway { mesh: mesh.clone() });
    }
    match load(session, mesh)? {
        None => return Err(CaError::NoRoot { mesh: mesh.clone() }),
        Some((der, _)) if fingerprint(&der) != expected => {
            return Err(CaError::RootChanged {
                mesh: mesh.clone(),
                fingerprint: expected.to_owned(),
            });
        }
        Some(_) => {}
    }
    // Put back as it was on any failure (the first error is the one
    // told): a half-relabelled root would sign nothing.
    let put_back = |e: CaError| {
        let _ = session.destroy_labelled(&label);
        if let Err(undo) = session.relabel(&previous, &label) {
            tracing::error!(%mesh, "a failed rotation could not be put back: {undo}");
        }
        e
    };
    if let Err(e) = session.relabel(&label, &previous) {
        // Nothing new was made yet: only the relabelled part goes back.
        if let Err(undo) = session.relabel(&previous, &label) {
            tracing::error!(%mesh, "a failed rotation could not be put back: {undo}");
        }
        return Err(e);
    }
    create_unlocked(session, mesh, now, serial)
        .map(|(der, _)| der)
        .map_err(put_back)
}

/// The certificate (DER) of the mesh's previous root during a rotation.
pub(crate) fn previous(
    session: &TokenSession<'_>,
    mesh: &MeshId,
) -> Result<Option<Vec<u8>>, CaError> {
    session.certificate(&previous_label(mesh))
}

/// Removes the root of `mesh` whose certificate has fingerprint
/// `expected` — the signing root or, ending a rotation, the previous
/// one — checked and destroyed in one turn, so a root that changed since
/// it was read is never the one destroyed.
pub(crate) fn destroy_fingerprint(
    session: &TokenSession<'_>,
    mesh: &MeshId,
    expected: &str,
) -> Result<(), CaError> {
    let _turn = CREATE.lock().unwrap_or_else(PoisonError::into_inner);
    for label in [object_label(mesh), previous_label(mesh)] {
        if let Some(der) = session.certificate(&label)?
            && fingerprint(&der) == expected
        {
            return session.destroy_labelled(&label);
        }
    }
    Err(CaError::RootChanged {
        mesh: mesh.clone(),
        fingerprint: expected.to_owned(),
    })
}

/// Every previous root the token holds (rotations underway), by mesh id.
pub(crate) fn list_previous(session: &TokenSession<'_>) -> Result<Vec<(MeshId, Vec<u8>)>, CaError> {
    labelled(session, PREVIOUS_PREFIX)
}

/// Every mesh root the token holds, by mesh id.
pub(crate) fn list(session: &TokenSession<'_>) -> Result<Vec<(MeshId, Vec<u8>)>, CaError> {
    labelled(session, LABEL_PREFIX)
}

fn labelled(session: &TokenSession<'_>, prefix: &str) -> Result<Vec<(MeshId, Vec<u8>)>, CaError> {
    let mut roots = Vec::new();
    for (label, der) in session.certificates()? {
        let Some(mesh) = label.strip_prefix(prefix) else {
            continue;
        };
        if let Ok(mesh) = mesh.parse::<MeshId>() {
            roots.push((mesh, der));
        }
    }
    roots.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    Ok(roots)
}

/// What the console shows of a root.
pub(crate) fn describe(der: &[u8]) -> Result<RootCertificate, CaError> {
    let (_, cert) = parse(der)?;
    let fingerprint = Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    Ok(RootCertificate {
        pem: certificate_pem(der),
        sha256_fingerprint: fingerprint,
        subject: cert.subject().to_string(),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
    })
}

fn parse(der: &[u8]) -> Result<(&[u8], X509Certificate<'_>), CaError> {
    X509Certificate::from_der(der)
        .map_err(|e| CaError::InvalidBundle(format!("the root certificate does not parse: {e}")))
}
