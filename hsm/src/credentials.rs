//! A slot's credentials as Vault keeps them at the cluster's secret path
//! (`asm-<cluster>/hsm`): the user PIN istiod and the console log in with,
//! the security officer PIN the slot was initialised with, and for a
//! network HSM the client certificate and key its plugin authenticates
//! with and the HSM's server certificate (seed 004's `clientcert`,
//! `clientkey`, `servercert`; PEM).

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HsmCredentials {
    /// The slot's user PIN.
    pub pin: String,
    /// The slot's security officer PIN, when the console initialised it.
    #[serde(rename = "so-pin", default, skip_serializing_if = "Option::is_none")]
    pub so_pin: Option<String>,
    #[serde(
        rename = "clientcert",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_cert: Option<String>,
    /// Secret: never leaves Vault but for the HSM plugin.
    #[serde(rename = "clientkey", default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
    #[serde(
        rename = "servercert",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub server_cert: Option<String>,
}

impl HsmCredentials {
    /// New random PINs (32 hex digits each) for a slot to initialise.
    pub fn generate() -> Self {
        Self {
            so_pin: Some(hex::encode(rand::random::<[u8; 16]>())),
            ..Self::pin(hex::encode(rand::random::<[u8; 16]>()))
        }
    }

    /// Only a PIN.
    pub fn pin(pin: impl Into<String>) -> Self {
        Self {
            pin: pin.into(),
            so_pin: None,
            client_cert: None,
            client_key: None,
            server_cert: None,
        }
    }
}

impl fmt::Debug for HsmCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HsmCredentials")
            .field("pin", &"<redacted>")
            .field("so_pin", &self.so_pin.as_ref().map(|_| "<redacted>"))
            .field("client_cert", &self.client_cert.as_ref().map(|_| "<pem>"))
            .field(
                "client_key",
                &self.client_key.as_ref().map(|_| "<redacted>"),
            )
            .field("server_cert", &self.server_cert.as_ref().map(|_| "<pem>"))
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
            so_pin: Some("5678".into()),
            client_cert: Some("cert".into()),
            client_key: Some("key".into()),
            server_cert: Some("server".into()),
            ..HsmCredentials::pin("1234")
        };
        let value = serde_json::to_value(&credentials).unwrap_or_default();
        assert_eq!(
            value,
            serde_json::json!({"pin": "1234", "so-pin": "5678", "clientcert": "cert",
                               "clientkey": "key", "servercert": "server"})
        );
        assert!(!format!("{credentials:?}").contains("key\""));
        let pin_only: HsmCredentials = serde_json::from_value(serde_json::json!({"pin": "1"}))
            .unwrap_or_else(|_| HsmCredentials::pin(""));
        assert_eq!(pin_only.pin, "1");
        assert_eq!(
            serde_json::to_value(&pin_only).unwrap_or_default(),
            serde_json::json!({"pin": "1"})
        );
    }
}
