//! Slots on the workspace's test SoftHSM2 (`target/softhsm`, through
//! `.cargo/config.toml`): provisioning, PIN checks, KEKs and the envelope.

#![expect(
    clippy::unwrap_used,
    reason = "a failing step should fail the test loudly"
)]

use std::path::Path;

use hsm::{HsmCredentials, HsmError, Provisioned, provision_slot, with_slot};

fn module() -> &'static Path {
    hsm::softhsm::module_from_env().unwrap()
}

fn fresh_label() -> String {
    format!("t-{}", hex_suffix())
}

fn hex_suffix() -> String {
    let n: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    format!("{:x}", n ^ u64::from(std::process::id()))
}

#[test]
fn a_slot_is_initialised_once_and_then_only_opens_with_its_pin() {
    let module = module();
    let label = fresh_label();
    let credentials = HsmCredentials::generate();
    assert!(!hsm::slot_exists(module, &label).unwrap());
    assert_eq!(
        provision_slot(module, &label, &credentials).unwrap(),
        Provisioned::Initialised
    );
    assert!(hsm::slot_exists(module, &label).unwrap());
    assert_eq!(
        provision_slot(module, &label, &credentials).unwrap(),
        Provisioned::Existing
    );
    let wrong = HsmCredentials::pin("not-the-pin");
    let refused = provision_slot(module, &label, &wrong).unwrap_err();
    assert!(
        matches!(&refused, HsmError::PinRejected { label: l } if *l == label),
        "{refused}"
    );
    let refused = with_slot(module, &label, "not-the-pin", |_| Ok(())).unwrap_err();
    assert_eq!(
        refused.to_string(),
        format!("the HSM rejected the PIN for slot {label:?}")
    );
    // The right PIN still works after a refusal, and a wrong one is still
    // refused right after a successful use (the login does not linger).
    with_slot(module, &label, &credentials.pin, |_| Ok(())).unwrap();
    assert!(with_slot(module, &label, "not-the-pin", |_| Ok(())).is_err());
}

#[test]
fn an_unknown_slot_is_named_with_the_slots_there_are() {
    let err = with_slot(module(), "no-such-slot", "1234", |_| Ok(())).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("the HSM has no slot labelled \"no-such-slot\""),
        "{text}"
    );
}

#[test]
fn a_kek_encrypts_what_only_it_decrypts() {
    let module = module();
    let label = fresh_label();
    let credentials = HsmCredentials::generate();
    provision_slot(module, &label, &credentials).unwrap();
    let kek = hsm::new_kek_id();
    let other = hsm::new_kek_id();
    with_slot(module, &label, &credentials.pin, |slot| {
        assert!(slot.ensure_kek(&kek)?);
        assert!(!slot.ensure_kek(&kek)?, "a second ensure keeps the key");
        assert!(slot.ensure_kek(&other)?);
        let mut ids = vec![kek.clone(), other.clone()];
        ids.sort();
        assert_eq!(slot.kek_ids()?, ids);

        let csr = b"-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
        let envelope = slot.encrypt(&kek, csr)?;
        assert_eq!(envelope.iv.len(), 12);
        assert_eq!(envelope.ciphertext.len(), csr.len() + 16);
        assert_eq!(slot.decrypt(&envelope)?, csr);

        // Another KEK, or a flipped bit, does not decrypt.
        let mut wrong_key = envelope.clone();
        wrong_key.kek_id.clone_from(&other);
        let result = slot.decrypt(&wrong_key);
        assert!(
            matches!(result, Err(HsmError::Undecryptable { .. })),
            "{result:?}"
        );
        let mut tampered = envelope.clone();
        tampered.ciphertext[3] ^= 1;
        assert!(matches!(
            slot.decrypt(&tampered),
            Err(HsmError::Undecryptable { .. })
        ));
        let missing = hsm::Envelope {
            kek_id: "no-such-kek".into(),
            ..envelope
        };
        let err = slot.decrypt(&missing).unwrap_err().to_string();
        assert!(
            err.contains("has no key-encryption key \"no-such-kek\""),
            "{err}"
        );
        Ok(())
    })
    .unwrap();
}
