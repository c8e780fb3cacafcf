//! The slot credentials in Vault: a KV version 2 secret per cluster at the
//! install's secret path (`asm-<cluster>/hsm` under mount `secret`), read
//! by istiod's vault client and by the console, written by the console
//! when it provisions a slot.

use std::fmt;
use std::time::Duration;

use vaultrs::client::{VaultClient, VaultClientSettingsBuilder};
use vaultrs::error::ClientError;

use crate::{HsmCredentials, VaultError};

/// The KV version 2 mount the secret paths are under.
pub const KV_MOUNT: &str = "secret";

/// A Vault server and the token to use it with.
pub struct Vault {
    addr: String,
    pub(crate) client: VaultClient,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// A client of the server at `addr` (`http(s)://host:port`) using
    /// `token`, each request bounded by 10 s.
    pub fn new(addr: &str, token: &str) -> Result<Self, VaultError> {
        Self::with_timeout(addr, token, Duration::from_secs(10))
    }

    /// [`Vault::new`] with each request bounded by `timeout`: a Vault that
    /// hangs fails its caller instead of holding it.
    pub fn with_timeout(addr: &str, token: &str, timeout: Duration) -> Result<Self, VaultError> {
        // rustls needs a process-wide provider; the workspace uses ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let unusable = |reason: String| VaultError::Unreachable {
            addr: addr.to_owned(),
            reason,
        };
        let settings = VaultClientSettingsBuilder::default()
            .address(addr)
            .token(token)
            .timeout(Some(timeout))
            .build()
            .map_err(|e| unusable(e.to_string()))?;
        let client = VaultClient::new(settings).map_err(|e| unusable(describe(&e)))?;
        Ok(Self {
            addr: addr.to_owned(),
            client,
        })
    }

    /// The server's address.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The credentials at `path`; `None` when Vault has no secret there.
    /// The console keeps them in KV v2 under [`KV_MOUNT`]; a secret the
    /// seed's way (a KV v1 engine mounted at the path's first segment,
    /// `asm-c1` for `asm-c1/hsm`) is read when that has none.
    pub async fn read_credentials(&self, path: &str) -> Result<Option<HsmCredentials>, VaultError> {
        let path = kv_path(path);
        match vaultrs::kv2::read::<serde_json::Value>(&self.client, KV_MOUNT, path).await {
            Ok(value) => return Ok(credentials_of(&value)),
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(self.failed("read", &format!("{KV_MOUNT}/{path}"), &e)),
        }
        let Some((mount, rest)) = path.split_once('/') else {
            return Ok(None);
        };
        match vaultrs::kv1::get::<serde_json::Value>(&self.client, mount, rest).await {
            Ok(value) => Ok(credentials_of(&value)),
            // No such secret, or no engine mounted there (or not one this
            // token may read): the console's own place said none either.
            Err(ClientError::APIError { .. }) => Ok(None),
            Err(e) => Err(self.failed("read", path, &e)),
        }
    }

    /// Like [`Self::read_credentials`], a missing secret being an error that
    /// names the path.
    pub async fn credentials(&self, path: &str) -> Result<HsmCredentials, VaultError> {
        self.read_credentials(path)
            .await?
            .ok_or_else(|| VaultError::NoCredentials {
                addr: self.addr.clone(),
                mount: KV_MOUNT.into(),
                path: kv_path(path).to_owned(),
            })
    }

    /// Writes `credentials` at `path` (a new version of the secret). The
    /// security officer PIN goes beside it, at [`officer_path`]: istiod's
    /// policy reads `path` only, and must not learn the PIN that
    /// re-initialises the slot.
    pub async fn write_credentials(
        &self,
        path: &str,
        credentials: &HsmCredentials,
    ) -> Result<(), VaultError> {
        let path = kv_path(path);
        if let Some(so_pin) = &credentials.so_pin {
            let officer = officer_path(path);
            let value = serde_json::json!({ "so-pin": so_pin });
            vaultrs::kv2::set(&self.client, KV_MOUNT, &officer, &value)
                .await
                .map_err(|e| self.failed("write", &format!("{KV_MOUNT}/{officer}"), &e))?;
        }
        let istiods = HsmCredentials {
            so_pin: None,
            ..credentials.clone()
        };
        vaultrs::kv2::set(&self.client, KV_MOUNT, path, &istiods)
            .await
            .map(|_| ())
            .map_err(|e| self.failed("write", &format!("{KV_MOUNT}/{path}"), &e))
    }

    pub(crate) fn failed(&self, action: &str, path: &str, error: &ClientError) -> VaultError {
        match error {
            ClientError::APIError { code, errors } => VaultError::Refused {
                addr: self.addr.clone(),
                action: action.to_owned(),
                path: path.to_owned(),
                reason: if errors.is_empty() {
                    format!("HTTP {code}")
                } else {
                    format!("HTTP {code}: {}", errors.join("; "))
                },
            },
            other => self.unreachable(other),
        }
    }

    pub(crate) fn unreachable(&self, error: &ClientError) -> VaultError {
        VaultError::Unreachable {
            addr: self.addr.clone(),
            reason: describe(error),
        }
    }
}

/// Vault answered 404. A soft-deleted latest KV version answers 404 with
/// its metadata, which the client reports as a raw server response.
pub(crate) fn is_not_found(error: &ClientError) -> bool {
    matches!(
        error,
        ClientError::APIError { code: 404, .. }
            | ClientError::RestClientError {
                source: rustify::errors::ClientError::ServerResponseError { code: 404, .. },
            }
    )
}

/// The credentials in a secret's data, if it has a PIN (the seed names it
/// `PIN`, the console `pin`).
fn credentials_of(value: &serde_json::Value) -> Option<HsmCredentials> {
    let pin = ["pin", "PIN"]
        .iter()
        .find_map(|k| value[*k].as_str().filter(|p| !p.is_empty()))?;
    let text = |key: &str| value[key].as_str().map(str::to_owned);
    Some(HsmCredentials {
        pin: pin.to_owned(),
        so_pin: text("so-pin"),
        client_cert: text("clientcert"),
        client_key: text("clientkey"),
        server_cert: text("servercert"),
    })
}

/// Where the security officer PIN of the slot whose credentials are at
/// `path` is kept (`asm-c1/hsm/officer`): beside them, out of istiod's
/// policy, which names `path` exactly.
pub fn officer_path(path: &str) -> String {
    format!("{}/officer", kv_path(path))
}

/// A secret path as the install names it, relative to [`KV_MOUNT`]
/// (`secret/asm-c1/hsm` and `asm-c1/hsm` are the same secret).
pub(crate) fn kv_path(path: &str) -> &str {
    let path = path.trim_matches('/');
    path.strip_prefix("secret/").unwrap_or(path)
}

/// An error with its causes, which carry the useful part ("connection
/// refused").
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_paths_are_relative_to_the_kv_mount() {
        assert_eq!(super::kv_path("asm-c1/hsm"), "asm-c1/hsm");
        assert_eq!(super::kv_path("/secret/asm-c1/hsm/"), "asm-c1/hsm");
    }
}
