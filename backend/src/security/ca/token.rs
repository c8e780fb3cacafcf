//! The PKCS#11 token behind the mesh CA: the module loaded once per process,
//! one logged-in read-write session used by one caller at a time, the EC
//! P-256 key pairs and certificate objects it keeps, and [`TokenKey`], which
//! lets rcgen sign through the token without the private key ever leaving
//! it.

use std::cell::RefCell;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use cryptoki::context::Pkcs11;
use cryptoki::error::{Error as Pkcs11Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{
    Attribute, AttributeType, CertificateType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::{Session, UserType};
use rcgen::{PKCS_ECDSA_P256_SHA256, PublicKeyData, SignatureAlgorithm, SigningKey};
use sha2::{Digest, Sha256};

use super::ecdsa::{P256_PARAMS, der_signature, unwrap_ec_point};
use super::{CaError, TokenConfig};

fn load_module(path: &Path) -> Result<Pkcs11, CaError> {
    hsm::module(path).map_err(|e| match e {
        hsm::HsmError::Module { module, source } => CaError::Module { module, source },
        other => CaError::Embedded(other.to_string()),
    })
}

/// One token, logged in as its user.
pub(crate) struct Token {
    label: String,
    session: Mutex<Session>,
}

impl Token {
    /// Loads the module, finds the token by label and logs in with the PIN.
    pub fn open(config: &TokenConfig) -> Result<Self, CaError> {
        let module = load_module(&config.module)?;
        let label = config.token_label.as_str();
        let token_error = |action: &str| {
            let action = action.to_owned();
            move |source| CaError::Token {
                label: label.to_owned(),
                action,
                source,
            }
        };
        let slots = module
            .get_slots_with_token()
            .map_err(token_error("list the module's slots"))?;
        let mut found = Vec::new();
        let mut slot = None;
        for candidate in slots {
            let info = module
                .get_token_info(candidate)
                .map_err(token_error("read token information"))?;
            let candidate_label = info.label().trim().to_owned();
            if candidate_label == label && slot.is_none() {
                slot = Some(candidate);
            }
            found.push(format!("{candidate_label:?}"));
        }
        let Some(slot) = slot else {
            return Err(CaError::TokenNotFound {
                module: config.module.clone(),
                label: label.to_owned(),
                found: if found.is_empty() {
                    "none".into()
                } else {
                    found.join(", ")
                },
            });
        };
        let pin = config.read_pin()?;
        let session = module
            .open_rw_session(slot)
            .map_err(token_error("open a session"))?;
        match session.login(UserType::User, Some(&pin)) {
            // Login is per application: another session of this process
            // logged in already.
            Ok(()) | Err(Pkcs11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(Pkcs11Error::Pkcs11(
                RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange,
                _,
            )) => {
                return Err(CaError::WrongPin {
                    module: config.module.clone(),
                    label: label.to_owned(),
                    pin_file: config.pin_file.clone(),
                });
            }
            Err(source) => return Err(token_error("log in")(source)),
        }
        Ok(Self {
            label: label.to_owned(),
            session: Mutex::new(session),
        })
    }

    /// Runs `work` with the session to itself (a PKCS#11 session serves one
    /// caller at a time; this also makes find-or-create steps atomic within
    /// the process). Blocking: call from a blocking thread.
    pub fn with_session<T>(
        &self,
        work: impl FnOnce(&TokenSession<'_>) -> Result<T, CaError>,
    ) -> Result<T, CaError> {
        let session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        work(&TokenSession {
            session: &session,
            label: &self.label,
        })
    }
}

/// The session, held alone by one caller.
pub(crate) struct TokenSession<'a> {
    pub(super) session: &'a Session,
    pub(super) label: &'a str,
}

impl TokenSession<'_> {
    pub(super) fn failed(&self, action: impl Into<String>) -> impl FnOnce(Pkcs11Error) -> CaError {
        let label = self.label.to_owned();
        let action = action.into();
        move |source| CaError::Token {
            label,
            action,
            source,
        }
    }

    /// The label of the token (for messages).
    pub fn token_label(&self) -> &str {
        self.label
    }

    /// The first object of `class` labelled `label`.
    fn find(&self, class: ObjectClass, label: &str) -> Result<Option<ObjectHandle>, CaError> {
        let template = [
            Attribute::Class(class),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        let found = self
            .session
            .find_objects(&template)
            .map_err(self.failed(format!("search for {label:?}")))?;
        Ok(found.into_iter().next())
    }

    /// The EC key pair labelled `label`, if the token holds it.
    pub fn key(&self, label: &str) -> Result<Option<TokenKey<'_>>, CaError> {
        let Some(private) = self.find(ObjectClass::PRIVATE_KEY, label)? else {
            return Ok(None);
        };
        let Some(public) = self.find(ObjectClass::PUBLIC_KEY, label)? else {
            return Err(CaError::TokenContent {
                label: self.label.to_owned(),
                problem: format!("private key {label:?} has no public key beside it"),
            });
        };
        Ok(Some(self.token_key(private, public, label)?))
    }

    /// Generates a P-256 key pair inside the token: the private half
    /// sensitive and never extractable, both halves stored on the token.
    pub fn generate_key(&self, label: &str, id: &[u8]) -> Result<TokenKey<'_>, CaError> {
        let common = |private: bool| {
            vec![
                Attribute::Token(true),
                Attribute::Private(private),
                Attribute::KeyType(KeyType::EC),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Id(id.to_vec()),
            ]
        };
        let mut public = common(false);
        public.extend([
            Attribute::Verify(true),
            Attribute::EcParams(P256_PARAMS.to_vec()),
        ]);
        let mut private = common(true);
        private.extend([
            Attribute::Sign(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
        ]);
        let (public, private) = self
            .session
            .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
            .map_err(self.failed(format!("generate key pair {label:?}")))?;
        self.token_key(private, public, label)
    }

    pub(super) fn token_key(
        &self,
        private: ObjectHandle,
        public: ObjectHandle,
        label: &str,
    ) -> Result<TokenKey<'_>, CaError> {
        let attributes = self
            .session
            .get_attributes(public, &[AttributeType::EcPoint])
            .map_err(self.failed(format!("read the public key {label:?}")))?;
        let point = attributes.iter().find_map(|a| match a {
            Attribute::EcPoint(point) => unwrap_ec_point(point),
            _ => None,
        });
        let Some(point) = point else {
            return Err(CaError::TokenContent {
                label: self.label.to_owned(),
                problem: format!("key {label:?} is not an uncompressed P-256 point"),
            });
        };
        Ok(TokenKey {
            session: self,
            private,
            point,
            failure: RefCell::new(None),
        })
    }

    /// The DER of the X.509 certificate object labelled `label`.
    pub fn certificate(&self, label: &str) -> Result<Option<Vec<u8>>, CaError> {
        let Some(object) = self.find(ObjectClass::CERTIFICATE, label)? else {
            return Ok(None);
        };
        let attributes = self
            .session
            .get_attributes(object, &[AttributeType::Value])
            .map_err(self.failed(format!("read certificate {label:?}")))?;
        Ok(attributes.into_iter().find_map(|a| match a {
            Attribute::Value(der) => Some(der),
            _ => None,
        }))
    }

    /// Every certificate object on the token: its label and DER.
    pub fn certificates(&self) -> Result<Vec<(String, Vec<u8>)>, CaError> {
        let found = self
            .session
            .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])
            .map_err(self.failed("list certificates"))?;
        let mut out = Vec::with_capacity(found.len());
        for object in found {
            let attributes = self
                .session
                .get_attributes(object, &[AttributeType::Label, AttributeType::Value])
                .map_err(self.failed("read a certificate"))?;
            let (mut label, mut der) = (None, None);
            for attribute in attributes {
                match attribute {
                    Attribute::Label(l) => label = Some(String::from_utf8_lossy(&l).into_owned()),
                    Attribute::Value(v) => der = Some(v),
                    _ => {}
                }
            }
            if let (Some(label), Some(der)) = (label, der) {
                out.push((label, der));
            }
        }
        Ok(out)
    }

    /// Destroys every object labelled `label` (certificate and key pair).
    pub fn destroy_labelled(&self, label: &str) -> Result<(), CaError> {
        let found = self
            .session
            .find_objects(&[Attribute::Label(label.as_bytes().to_vec())])
            .map_err(self.failed(format!("search for {label:?}")))?;
        for object in found {
            self.session
                .destroy_object(object)
                .map_err(self.failed(format!("destroy {label:?}")))?;
        }
        Ok(())
    }

    /// Stores `der` as a public X.509 certificate object on the token.
    pub fn store_certificate(
        &self,
        label: &str,
        id: &[u8],
        subject_der: &[u8],
        der: &[u8],
    ) -> Result<(), CaError> {
        let template = [
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.to_vec()),
            Attribute::Subject(subject_der.to_vec()),
            Attribute::Value(der.to_vec()),
        ];
        self.session
            .create_object(&template)
            .map_err(self.failed(format!("store certificate {label:?}")))?;
        Ok(())
    }

    #[cfg(test)]
    pub fn raw(&self) -> &Session {
        self.session
    }
}

/// A private key inside the token that rcgen signs with: the host hashes
/// with SHA-256 and the token computes the raw ECDSA signature
/// (`CKM_ECDSA`, the mechanism SoftHSM2 offers).
pub(crate) struct TokenKey<'a> {
    session: &'a TokenSession<'a>,
    private: ObjectHandle,
    /// The uncompressed public point.
    point: Vec<u8>,
    /// Why the last signature failed; rcgen only learns "remote key error".
    failure: RefCell<Option<CaError>>,
}

impl TokenKey<'_> {
    /// The cause of a failed signature, if the token refused one.
    pub fn take_failure(&self) -> Option<CaError> {
        self.failure.borrow_mut().take()
    }

    #[cfg(test)]
    pub fn private_handle(&self) -> ObjectHandle {
        self.private
    }
}

impl PublicKeyData for TokenKey<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.point
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &PKCS_ECDSA_P256_SHA256
    }
}

impl SigningKey for TokenKey<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let digest = Sha256::digest(msg);
        let raw = self
            .session
            .session
            .sign(&Mechanism::Ecdsa, self.private, &digest)
            .map_err(|source| {
                *self.failure.borrow_mut() = Some(self.session.failed("sign")(source));
                rcgen::Error::RemoteKeyError
            })?;
        der_signature(&raw).ok_or_else(|| {
            *self.failure.borrow_mut() = Some(CaError::TokenContent {
                label: self.session.label.to_owned(),
                problem: format!("the token returned a {}-byte ECDSA signature", raw.len()),
            });
            rcgen::Error::RemoteKeyError
        })
    }
}
