//! Finding a key pair in the token by its public key rather than by the
//! console's label: a root whose key the HSM's own tooling generated
//! (seed 004's `import-ca`) is imported by its certificate, and its key is
//! found again by the point the certificate names. And relabelling the
//! console's objects: a rotated root moves aside under another label.

use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};

use super::CaError;
use super::ecdsa::unwrap_ec_point;
use super::token::{TokenKey, TokenSession};

/// A key pair found by its public point.
pub(crate) struct FoundKey<'s> {
    /// The pair's `CKA_ID`, shared by its two halves.
    pub id: Vec<u8>,
    pub key: TokenKey<'s>,
    /// The private half was generated in the token and has always been
    /// sensitive and never extractable: it cannot have left the token.
    pub protected: bool,
}

impl<'a> TokenSession<'a> {
    /// The EC key pair whose public point is `point` (uncompressed), if
    /// the token holds both halves.
    pub fn key_for_point(&'a self, point: &[u8]) -> Result<Option<FoundKey<'a>>, CaError> {
        let publics = self
            .session
            .find_objects(&[
                Attribute::Class(ObjectClass::PUBLIC_KEY),
                Attribute::KeyType(KeyType::EC),
            ])
            .map_err(self.failed("list EC public keys"))?;
        for public in publics {
            let attributes = self
                .session
                .get_attributes(public, &[AttributeType::EcPoint, AttributeType::Id])
                .map_err(self.failed("read an EC public key"))?;
            let (mut found_point, mut id) = (None, None);
            for attribute in attributes {
                match attribute {
                    Attribute::EcPoint(p) => found_point = unwrap_ec_point(&p),
                    Attribute::Id(i) => id = Some(i),
                    _ => {}
                }
            }
            let (Some(found_point), Some(id)) = (found_point, id) else {
                continue;
            };
            if found_point != point {
                continue;
            }
            let Some(private) = self.private_key_with_id(&id)? else {
                continue;
            };
            let protected = self.is_protected(private)?;
            let key = self.token_key(private, public, "imported root")?;
            return Ok(Some(FoundKey { id, key, protected }));
        }
        Ok(None)
    }

    /// Gives every object labelled `from` the label `to`.
    pub fn relabel(&self, from: &str, to: &str) -> Result<(), CaError> {
        let found = self
            .session
            .find_objects(&[Attribute::Label(from.as_bytes().to_vec())])
            .map_err(self.failed(format!("search for {from:?}")))?;
        for object in found {
            self.session
                .update_attributes(object, &[Attribute::Label(to.as_bytes().to_vec())])
                .map_err(self.failed(format!("relabel {from:?} as {to:?}")))?;
        }
        Ok(())
    }

    fn private_key_with_id(&self, id: &[u8]) -> Result<Option<ObjectHandle>, CaError> {
        let found = self
            .session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Id(id.to_vec()),
            ])
            .map_err(self.failed("search for a private key"))?;
        Ok(found.into_iter().next())
    }

    fn is_protected(&self, private: ObjectHandle) -> Result<bool, CaError> {
        let flags = self
            .session
            .get_attributes(
                private,
                &[
                    AttributeType::Sensitive,
                    AttributeType::Extractable,
                    AttributeType::AlwaysSensitive,
                    AttributeType::NeverExtractable,
                    AttributeType::Local,
                ],
            )
            .map_err(self.failed("read a private key's protection"))?;
        // Sensitive and not extractable can be set after the fact, on a key
        // that was read out or loaded from outside: it must have been
        // generated in the token and never been otherwise.
        Ok([
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::AlwaysSensitive(true),
            Attribute::NeverExtractable(true),
            Attribute::Local(true),
        ]
        .iter()
        .all(|needed| flags.contains(needed)))
    }
}
