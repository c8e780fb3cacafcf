//! Token-level checks that need the module's insides: the root key's
//! protection attributes as the token reports them.

use cryptoki::object::{Attribute, AttributeInfo, AttributeType};
use shared::mesh::MeshId;

use super::{CertificateAuthority, embedded, root};
use crate::clock::Clock;

fn unique_mesh() -> MeshId {
    format!("proj-{}", rand::random::<u32>()).parse().unwrap()
}

#[tokio::test]
async fn the_root_private_key_cannot_be_read_out_of_the_token() {
    let config = embedded::token_from_env(embedded::LABEL).unwrap();
    let ca = CertificateAuthority::open(&config, Clock::system()).unwrap();
    let mesh = unique_mesh();
    ca.create_root(&mesh).await.unwrap();

    ca.token
        .with_session(|session| {
            let label = root::object_label(&mesh);
            let (_, key) = root::require(session, &mesh).unwrap();
            let handle = key.private_handle();
            let raw = session.raw();
            let info = raw
                .get_attribute_info(handle, &[AttributeType::Value])
                .unwrap();
            assert!(
                matches!(info.as_slice(), [AttributeInfo::Sensitive]),
                "CKA_VALUE of {label} must be refused, got {info:?}"
            );
            let values = raw.get_attributes(handle, &[AttributeType::Value]).unwrap();
            assert!(values.is_empty(), "no value comes back: {values:?}");
            let flags = raw
                .get_attributes(
                    handle,
                    &[
                        AttributeType::Sensitive,
                        AttributeType::Extractable,
                        AttributeType::AlwaysSensitive,
                        AttributeType::NeverExtractable,
                        AttributeType::Token,
                    ],
                )
                .unwrap();
            assert_eq!(
                flags,
                [
                    Attribute::Sensitive(true),
                    Attribute::Extractable(false),
                    Attribute::AlwaysSensitive(true),
                    Attribute::NeverExtractable(true),
                    Attribute::Token(true),
                ]
            );
            Ok(())
        })
        .unwrap();
}
