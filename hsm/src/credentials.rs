//! A slot's credentials as Vault keeps them at the cluster's secret path
//! (`asm-<cluster>/hsm`): the user PIN istiod and the console log in with,
//! and the security officer PIN the slot was initialised with.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HsmCredentials {
    /// The slot's user PIN.
    pub pin: String,
    /// The slot's security officer PIN, when the console initialised it.
    #[serde(rename = "so-pin", default, skip_serializing_if = "Option::is_none")]
    pub so_pin: Option<String>,
}

impl HsmCredentials {
    /// New random PINs (32 hex digits each) for a slot to initialise.
    pub fn generate() -> Self {
        Self {
            pin: hex::encode(rand::random::<[u8; 16]>()),
            so_pin: Some(hex::encode(rand::random::<[u8; 16]>())),
        }
    }
}

impl fmt::Debug for HsmCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HsmCredentials")
            .field("pin", &"<redacted>")
            .field("so_pin", &self.so_pin.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_pin() {
        let credentials = HsmCredentials::generate();
        let shown = format!("{credentials:?}");
        assert!(!shown.contains(&credentials.pin), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn vault_fields_are_named_as_the_kv_secret_names_them() {
        let credentials = HsmCredentials {
            pin: "1234".into(),
            so_pin: Some("5678".into()),
        };
        let value = serde_json::to_value(&credentials).unwrap_or_default();
        assert_eq!(value, serde_json::json!({"pin": "1234", "so-pin": "5678"}));
        let pin_only: HsmCredentials = serde_json::from_value(serde_json::json!({"pin": "1"}))
            .unwrap_or_else(|_| HsmCredentials {
                pin: String::new(),
                so_pin: None,
            });
        assert_eq!(pin_only.pin, "1");
    }
}
