//! Token-level checks that need the module's insides: the root key's
//! protection attributes as the token reports them, and its turns.

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

/// A call that hangs in the token keeps its turn: the callers behind it
/// fail at the call timeout without a thread of their own, and the token
/// serves again once the hung call returns.
#[tokio::test]
async fn callers_behind_a_hung_token_call_time_out_and_the_token_recovers() {
    let config = embedded::token_from_env(embedded::LABEL).unwrap();
    let ca = CertificateAuthority::open(&config, Clock::system())
        .unwrap()
        .with_call_timeout(std::time::Duration::from_millis(200));
    let (release, hung) = std::sync::mpsc::channel::<()>();
    let hanging = ca.clone();
    let held = tokio::spawn(async move {
        hanging
            .to_the_end(move || {
                hung.recv().ok();
                Ok(())
            })
            .await
    });
    while ca.turns.available_permits() > 0 {
        tokio::task::yield_now().await;
    }
    let mesh = unique_mesh();
    let waiting: Vec<_> = (0..20)
        .map(|_| {
            let ca = ca.clone();
            let mesh = mesh.clone();
            tokio::spawn(async move { ca.root(&mesh).await })
        })
        .collect();
    for call in waiting {
        let outcome = call.await.unwrap();
        assert!(
            matches!(outcome, Err(super::CaError::Timeout { .. })),
            "{outcome:?}"
        );
    }
    assert_eq!(
        ca.turns.available_permits(),
        0,
        "the hung call keeps its turn"
    );
    release.send(()).unwrap();
    held.await.unwrap().unwrap();
    assert_eq!(
        ca.root(&mesh).await.unwrap(),
        None,
        "the token serves again"
    );
    assert_eq!(ca.turns.available_permits(), 1, "no turn was lost");
}
