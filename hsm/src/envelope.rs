//! The encrypted request istiod leaves in secret
//! `istio-system/istio-ca-cert-csr`: the CSR PEM encrypted with the
//! cluster's KEK (AES-256-GCM, tag appended), the IV, and the KEK's id.

use std::collections::BTreeMap;

use crate::HsmError;

/// The secret's data keys: ciphertext, IV, KEK id.
pub const ENVELOPE_KEYS: [&str; 3] = ["csr.enc", "iv", "kek-id"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub kek_id: String,
    pub iv: Vec<u8>,
    /// Ciphertext followed by the 16-byte GCM tag.
    pub ciphertext: Vec<u8>,
}

impl Envelope {
    /// The secret's `data` (values before base64).
    pub fn to_secret_data(&self) -> BTreeMap<String, Vec<u8>> {
        let [ciphertext, iv, kek_id] = ENVELOPE_KEYS;
        BTreeMap::from([
            (ciphertext.to_owned(), self.ciphertext.clone()),
            (iv.to_owned(), self.iv.clone()),
            (kek_id.to_owned(), self.kek_id.as_bytes().to_vec()),
        ])
    }

    /// Reads the secret's `data` (values after base64), naming what is
    /// missing.
    pub fn from_secret_data(data: &BTreeMap<String, Vec<u8>>) -> Result<Self, HsmError> {
        let [ciphertext, iv, kek_id] = ENVELOPE_KEYS;
        let get = |key: &str| {
            data.get(key)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| HsmError::Envelope(format!("the secret has no {key:?}")))
        };
        let kek = String::from_utf8(get(kek_id)?.clone())
            .map_err(|_| HsmError::Envelope(format!("{kek_id:?} is not text")))?;
        Ok(Self {
            kek_id: kek.trim().to_owned(),
            iv: get(iv)?.clone(),
            ciphertext: get(ciphertext)?.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_data_round_trips_and_names_what_is_missing() {
        let envelope = Envelope {
            kek_id: "7651a4ea".into(),
            iv: vec![1; 12],
            ciphertext: vec![2; 40],
        };
        let data = envelope.to_secret_data();
        assert_eq!(
            Envelope::from_secret_data(&data).ok(),
            Some(envelope.clone())
        );
        let mut partial = data;
        partial.remove("iv");
        let err = Envelope::from_secret_data(&partial)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("the encrypted request is malformed: the secret has no \"iv\"")
        );
    }
}
