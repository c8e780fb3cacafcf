//! One cluster's HSM slot: provisioning it (initialise the token, set the
//! user PIN), and a logged-in session on it that finds, generates and uses
//! the cluster's key-encryption key.
//!
//! PKCS#11 keeps the login state per application and token, not per
//! session, so a second login with a wrong PIN would pass while another
//! session is logged in. Every use of a slot therefore runs inside
//! [`with_slot`], which holds the slot's process-wide lock from login to
//! the closing of its session (the last session closed logs the token
//! out), so each use proves its PIN again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use cryptoki::context::Pkcs11;
use cryptoki::error::{Error as Pkcs11Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;

use crate::{Envelope, HsmCredentials, HsmError, module};

/// The `CKA_LABEL` of every KEK the console generates.
const KEK_LABEL: &str = "kek";
/// AES-GCM: a 96-bit IV and a 128-bit tag appended to the ciphertext.
const IV_LEN: usize = 12;
const TAG_BITS: u64 = 128;

/// Initialising takes the module's one free slot: one at a time.
static INITIALISING: Mutex<()> = Mutex::new(());

/// One lock per slot (module path, label).
type SlotLocks = HashMap<(PathBuf, String), Arc<Mutex<()>>>;

static SLOT_LOCKS: LazyLock<Mutex<SlotLocks>> = LazyLock::new(Mutex::default);

fn slot_lock(module: &Path, label: &str) -> Arc<Mutex<()>> {
    let mut locks = SLOT_LOCKS.lock().unwrap_or_else(PoisonError::into_inner);
    locks
        .entry((module.to_owned(), label.to_owned()))
        .or_default()
        .clone()
}

fn check_label(label: &str) -> Result<(), HsmError> {
    let why = if label.is_empty() {
        "it is empty"
    } else if label.len() > 32 {
        "PKCS#11 token labels are at most 32 bytes"
    } else if label != label.trim() {
        "it starts or ends with a space"
    } else {
        return Ok(());
    };
    Err(HsmError::SlotLabel {
        label: label.to_owned(),
        why: why.to_owned(),
    })
}

fn failed(label: &str, action: impl Into<String>) -> impl FnOnce(Pkcs11Error) -> HsmError {
    let label = label.to_owned();
    let action = action.into();
    move |source| HsmError::Pkcs11 {
        label,
        action,
        source,
    }
}

/// The slot whose initialised token is labelled `label`, and the labels of
/// all initialised tokens (for messages).
fn find_slot(module: &Pkcs11, label: &str) -> Result<(Option<Slot>, Vec<String>), HsmError> {
    let slots = module
        .get_slots_with_token()
        .map_err(failed(label, "list the HSM's slots"))?;
    let mut found = None;
    let mut labels = Vec::new();
    for slot in slots {
        let info = module
            .get_token_info(slot)
            .map_err(failed(label, "read token information"))?;
        if !info.token_initialized() {
            continue;
        }
        let candidate = info.label().trim().to_owned();
        if candidate == label && found.is_none() {
            found = Some(slot);
        }
        labels.push(format!("{candidate:?}"));
    }
    Ok((found, labels))
}

fn login(session: &Session, label: &str, pin: &str) -> Result<(), HsmError> {
    match session.login(UserType::User, Some(&AuthPin::from(pin.to_owned()))) {
        Ok(()) | Err(Pkcs11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(Pkcs11Error::Pkcs11(
            RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange,
            _,
        )) => Err(HsmError::PinRejected {
            label: label.to_owned(),
        }),
        Err(source) => Err(failed(label, "log in")(source)),
    }
}

/// Whether the HSM has an initialised slot labelled `label` (no login).
/// Blocking.
pub fn slot_exists(module_path: &Path, label: &str) -> Result<bool, HsmError> {
    check_label(label)?;
    let module = module(module_path)?;
    Ok(find_slot(&module, label)?.0.is_some())
}

/// Whether [`provision_slot`] found the slot or initialised it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provisioned {
    /// The slot existed and accepted the PIN.
    Existing,
    /// A free slot was initialised with the label and PINs.
    Initialised,
}

/// Makes sure the HSM has a slot labelled `label` whose user PIN is
/// `credentials.pin`: an existing slot must accept it; otherwise a free
/// slot is initialised with the label, the security officer PIN and the
/// user PIN. Blocking.
pub fn provision_slot(
    module_path: &Path,
    label: &str,
    credentials: &HsmCredentials,
) -> Result<Provisioned, HsmError> {
    check_label(label)?;
    let lock = slot_lock(module_path, label);
    let _held = lock.lock().unwrap_or_else(PoisonError::into_inner);
    let module = module(module_path)?;
    if let (Some(slot), _) = find_slot(&module, label)? {
        let session = module
            .open_ro_session(slot)
            .map_err(failed(label, "open a session"))?;
        login(&session, label, &credentials.pin)?;
        return Ok(Provisioned::Existing);
    }
    let _initialising = INITIALISING.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(so_pin) = credentials.so_pin.as_deref() else {
        return Err(HsmError::SlotNotFound {
            label: label.to_owned(),
            found: "initialising a slot needs a security officer PIN".into(),
        });
    };
    let free = module
        .get_slots_with_token()
        .map_err(failed(label, "list the HSM's slots"))?
        .into_iter()
        .find(|slot| {
            module
                .get_token_info(*slot)
                .is_ok_and(|info| !info.token_initialized())
        })
        .ok_or_else(|| HsmError::NoFreeSlot {
            label: label.to_owned(),
        })?;
    let so_pin = AuthPin::from(so_pin.to_owned());
    module
        .init_token(free, &so_pin, label)
        .map_err(failed(label, "initialise a free slot"))?;
    // SoftHSM2 moves an initialised token to a new slot id.
    let (Some(slot), _) = find_slot(&module, label)? else {
        return Err(HsmError::SlotNotFound {
            label: label.to_owned(),
            found: "none after initialising it".into(),
        });
    };
    let session = module
        .open_rw_session(slot)
        .map_err(failed(label, "open a session"))?;
    session
        .login(UserType::So, Some(&so_pin))
        .map_err(failed(label, "log in as security officer"))?;
    session
        .init_pin(&AuthPin::from(credentials.pin.clone()))
        .map_err(failed(label, "set the user PIN"))?;
    session
        .logout()
        .map_err(failed(label, "log the security officer out"))?;
    Ok(Provisioned::Initialised)
}

/// Opens slot `label` of the module at `module_path`, logs in with `pin`
/// and runs `work` with the session, holding the slot's lock throughout.
/// Blocking: call from a blocking thread.
pub fn with_slot<T>(
    module_path: &Path,
    label: &str,
    pin: &str,
    work: impl FnOnce(&SlotSession<'_>) -> Result<T, HsmError>,
) -> Result<T, HsmError> {
    check_label(label)?;
    let lock = slot_lock(module_path, label);
    let _held = lock.lock().unwrap_or_else(PoisonError::into_inner);
    let module = module(module_path)?;
    let (slot, found) = find_slot(&module, label)?;
    let Some(slot) = slot else {
        return Err(HsmError::SlotNotFound {
            label: label.to_owned(),
            found: if found.is_empty() {
                "none".into()
            } else {
                found.join(", ")
            },
        });
    };
    let session = module
        .open_rw_session(slot)
        .map_err(failed(label, "open a session"))?;
    login(&session, label, pin)?;
    let result = work(&SlotSession {
        session: &session,
        label,
    });
    // Closing the slot's only session also ends its login.
    drop(session);
    result
}

/// A logged-in session on one slot.
pub struct SlotSession<'a> {
    session: &'a Session,
    label: &'a str,
}

impl SlotSession<'_> {
    /// The slot's label.
    pub fn label(&self) -> &str {
        self.label
    }

    fn kek_handle(&self, kek_id: &str) -> Result<Option<ObjectHandle>, HsmError> {
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Id(kek_id.as_bytes().to_vec()),
        ];
        let found = self
            .session
            .find_objects(&template)
            .map_err(failed(self.label, format!("search for KEK {kek_id:?}")))?;
        Ok(found.into_iter().next())
    }

    fn kek(&self, kek_id: &str) -> Result<ObjectHandle, HsmError> {
        self.kek_handle(kek_id)?.map_or_else(
            || {
                let found = self.kek_ids()?;
                Err(HsmError::KekNotFound {
                    label: self.label.to_owned(),
                    kek_id: kek_id.to_owned(),
                    found: if found.is_empty() {
                        "none".into()
                    } else {
                        found.join(", ")
                    },
                })
            },
            Ok,
        )
    }

    /// Whether the slot holds KEK `kek_id`.
    pub fn has_kek(&self, kek_id: &str) -> Result<bool, HsmError> {
        Ok(self.kek_handle(kek_id)?.is_some())
    }

    /// The ids of the AES keys on the slot.
    pub fn kek_ids(&self) -> Result<Vec<String>, HsmError> {
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
        ];
        let handles = self
            .session
            .find_objects(&template)
            .map_err(failed(self.label, "list the key-encryption keys"))?;
        let mut ids = Vec::new();
        for handle in handles {
            let attributes = self
                .session
                .get_attributes(handle, &[AttributeType::Id])
                .map_err(failed(self.label, "read a key's id"))?;
            for attribute in attributes {
                if let Attribute::Id(id) = attribute {
                    ids.push(String::from_utf8_lossy(&id).into_owned());
                }
            }
        }
        ids.sort();
        Ok(ids)
    }

    /// Generates AES-256 KEK `kek_id` on the slot unless it is there:
    /// sensitive, never extractable, for encryption and decryption only.
    /// Returns whether it was generated now.
    pub fn ensure_kek(&self, kek_id: &str) -> Result<bool, HsmError> {
        if kek_id.is_empty() {
            return Err(HsmError::KekNotFound {
                label: self.label.to_owned(),
                kek_id: String::new(),
                found: "a KEK id cannot be empty".into(),
            });
        }
        if self.has_kek(kek_id)? {
            return Ok(false);
        }
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::ValueLen(32.into()),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Encrypt(true),
            Attribute::Decrypt(true),
            Attribute::Label(KEK_LABEL.as_bytes().to_vec()),
            Attribute::Id(kek_id.as_bytes().to_vec()),
        ];
        self.session
            .generate_key(&Mechanism::AesKeyGen, &template)
            .map_err(failed(self.label, format!("generate KEK {kek_id:?}")))?;
        Ok(true)
    }

    /// Encrypts `plaintext` with KEK `kek_id` (AES-256-GCM, a fresh random
    /// IV, the KEK id as associated data).
    pub fn encrypt(&self, kek_id: &str, plaintext: &[u8]) -> Result<Envelope, HsmError> {
        let key = self.kek(kek_id)?;
        let mut iv: [u8; IV_LEN] = rand::random();
        let aad = kek_id.as_bytes();
        let params = GcmParams::new(&mut iv, aad, TAG_BITS.into())
            .map_err(failed(self.label, "set up AES-GCM"))?;
        let ciphertext = self
            .session
            .encrypt(&Mechanism::AesGcm(params), key, plaintext)
            .map_err(failed(self.label, format!("encrypt with KEK {kek_id:?}")))?;
        Ok(Envelope {
            kek_id: kek_id.to_owned(),
            iv: iv.to_vec(),
            ciphertext,
        })
    }

    /// Decrypts `envelope` with the KEK it names.
    pub fn decrypt(&self, envelope: &Envelope) -> Result<Vec<u8>, HsmError> {
        let key = self.kek(&envelope.kek_id)?;
        if envelope.iv.len() != IV_LEN {
            return Err(HsmError::Envelope(format!(
                "the IV is {} bytes, AES-GCM here uses {IV_LEN}",
                envelope.iv.len()
            )));
        }
        let mut iv = envelope.iv.clone();
        let aad = envelope.kek_id.as_bytes();
        let params = GcmParams::new(&mut iv, aad, TAG_BITS.into())
            .map_err(failed(self.label, "set up AES-GCM"))?;
        self.session
            .decrypt(&Mechanism::AesGcm(params), key, &envelope.ciphertext)
            .map_err(|source| match source {
                // SoftHSM2 reports a failed GCM tag check as a general
                // error; the key and IV were checked above.
                Pkcs11Error::Pkcs11(
                    RvError::EncryptedDataInvalid
                    | RvError::EncryptedDataLenRange
                    | RvError::GeneralError,
                    _,
                ) => HsmError::Undecryptable {
                    label: self.label.to_owned(),
                    kek_id: envelope.kek_id.clone(),
                },
                other => failed(
                    self.label,
                    format!("decrypt with KEK {:?}", envelope.kek_id),
                )(other),
            })
    }
}
