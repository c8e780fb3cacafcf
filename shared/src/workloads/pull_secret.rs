//! Pull secrets: the `kubernetes.io/dockerconfigjson` secret that
//! `kubectl create secret docker-registry` makes, from a Google service
//! account JSON key (user `_json_key`, server `gcr.io`) or from a user and
//! password for a registry with basic auth. The key is validated first so a
//! mistyped paste fails here rather than as pull errors later.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The secret name the seed uses for a GCR JSON key.
pub const GCR_SECRET_NAME: &str = "gcr-json-key";
/// The user a registry reads a JSON key from.
pub const JSON_KEY_USER: &str = "_json_key";
/// The server the seed names for GCR.
pub const GCR_SERVER: &str = "gcr.io";
/// The Kubernetes secret type of pull secrets.
pub const DOCKER_CONFIG_JSON: &str = "kubernetes.io/dockerconfigjson";
/// The largest key or password accepted (a JSON key is about 2.3 KiB).
pub const MAX_CREDENTIAL_BYTES: usize = 16 * 1024;

/// What is wrong with a pasted credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("the JSON key is not valid JSON: {0}")]
    NotJson(String),
    #[error(
        "the JSON key is a {0:?} credential; a service account key has \"type\": \"service_account\""
    )]
    NotServiceAccount(String),
    #[error("the JSON key has no {0}")]
    Missing(&'static str),
    #[error("the JSON key's client_email {0:?} is not a service account address")]
    BadEmail(String),
    #[error("the credential is larger than {MAX_CREDENTIAL_BYTES} bytes")]
    TooLarge,
    #[error("{0}")]
    Invalid(String),
}

/// A validated service account JSON key (its text kept verbatim: the
/// registry reads it as the password).
#[derive(Clone, PartialEq, Eq)]
pub struct GcrKey {
    text: String,
    pub client_email: String,
    pub project_id: Option<String>,
}

impl std::fmt::Debug for GcrKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GcrKey")
            .field("client_email", &self.client_email)
            .finish_non_exhaustive()
    }
}

impl GcrKey {
    pub fn parse(text: &str) -> Result<Self, CredentialError> {
        if text.len() > MAX_CREDENTIAL_BYTES {
            return Err(CredentialError::TooLarge);
        }
        let value: Value =
            serde_json::from_str(text).map_err(|e| CredentialError::NotJson(e.to_string()))?;
        let field = |name: &'static str| {
            value[name]
                .as_str()
                .filter(|s| !s.trim().is_empty())
                .ok_or(CredentialError::Missing(name))
        };
        let kind = field("type")?;
        if kind != "service_account" {
            return Err(CredentialError::NotServiceAccount(kind.to_owned()));
        }
        let client_email = field("client_email")?;
        let private_key = field("private_key")?;
        if !private_key.contains("PRIVATE KEY") {
            return Err(CredentialError::Invalid(
                "the JSON key's private_key is not a PEM private key".into(),
            ));
        }
        let service_account = client_email.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty() && domain.ends_with(".gserviceaccount.com")
        });
        if !service_account {
            return Err(CredentialError::BadEmail(client_email.to_owned()));
        }
        Ok(Self {
            text: text.trim().to_owned(),
            client_email: client_email.to_owned(),
            project_id: value["project_id"].as_str().map(str::to_owned),
        })
    }
}

/// Registry credentials for one pull secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A Google JSON key, for `servers` (always including `gcr.io`).
    JsonKey { key: GcrKey, servers: Vec<String> },
    /// User and password for one registry host.
    Basic {
        server: String,
        username: String,
        password: String,
    },
}

impl Credential {
    /// A JSON key for `gcr.io` and any other Google registry hosts used.
    pub fn json_key(key: GcrKey, other_hosts: &[String]) -> Self {
        let mut servers = vec![GCR_SERVER.to_owned()];
        servers.extend(other_hosts.iter().cloned());
        servers.sort();
        servers.dedup();
        Self::JsonKey { key, servers }
    }

    pub fn basic(server: &str, username: &str, password: &str) -> Result<Self, CredentialError> {
        if username.is_empty() || password.is_empty() {
            return Err(CredentialError::Invalid(
                "basic auth needs both a user and a password".into(),
            ));
        }
        if username.contains(':') {
            return Err(CredentialError::Invalid(
                "a registry user name cannot contain ':'".into(),
            ));
        }
        if password.len() > MAX_CREDENTIAL_BYTES {
            return Err(CredentialError::TooLarge);
        }
        if server.is_empty() || server.contains('/') || server.chars().any(char::is_whitespace) {
            return Err(CredentialError::Invalid(format!(
                "{server:?} is not a registry host"
            )));
        }
        Ok(Self::Basic {
            server: server.to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
        })
    }

    /// The registry hosts it authenticates to.
    pub fn servers(&self) -> Vec<String> {
        match self {
            Credential::JsonKey { servers, .. } => servers.clone(),
            Credential::Basic { server, .. } => vec![server.clone()],
        }
    }

    /// The `.dockerconfigjson` document, as `kubectl create secret
    /// docker-registry` writes it.
    pub fn docker_config(&self) -> Value {
        let entry = |user: &str, password: &str, email: Option<&str>| {
            let auth =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            let mut entry = json!({"username": user, "password": password, "auth": auth});
            if let Some(email) = email {
                entry["email"] = json!(email);
            }
            entry
        };
        let auths: serde_json::Map<String, Value> = match self {
            Credential::JsonKey { key, servers } => servers
                .iter()
                .map(|s| {
                    let e = entry(JSON_KEY_USER, &key.text, Some(&key.client_email));
                    (s.clone(), e)
                })
                .collect(),
            Credential::Basic {
                server,
                username,
                password,
            } => [(server.clone(), entry(username, password, None))]
                .into_iter()
                .collect(),
        };
        json!({ "auths": auths })
    }

    /// The Secret manifest holding it.
    pub fn secret(&self, name: &str, namespace: &str) -> Value {
        let config = serde_json::to_vec(&self.docker_config()).unwrap_or_default();
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": namespace},
            "type": DOCKER_CONFIG_JSON,
            "data": {".dockerconfigjson": base64::engine::general_purpose::STANDARD.encode(config)},
        })
    }
}

/// The registry hosts a `.dockerconfigjson` secret (as read from a cluster,
/// `data` base64) holds credentials for; empty when it is not one.
pub fn secret_servers(secret: &Value) -> Vec<String> {
    if secret["type"] != DOCKER_CONFIG_JSON {
        return Vec::new();
    }
    let config: Option<Value> = secret["data"][".dockerconfigjson"]
        .as_str()
        .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
        .and_then(|b| serde_json::from_slice(&b).ok());
    config
        .and_then(|c| c["auths"].as_object().cloned())
        .map(|auths| auths.keys().map(|k| normalise_server(k)).collect())
        .unwrap_or_default()
}

/// `https://gcr.io/v2/` → `gcr.io`.
fn normalise_server(key: &str) -> String {
    let key = key
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let host = key.split('/').next().unwrap_or(key);
    match host {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".to_owned(),
        other => other.to_owned(),
    }
}

/// How a pull secret is wired to the workload's pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SecretMode {
    /// Patch the namespace's `default` service account `imagePullSecrets`.
    ServiceAccount,
    /// Add `imagePullSecrets` to every pod template of the spec.
    PodTemplate,
}

#[cfg(test)]
#[path = "pull_secret_tests.rs"]
mod tests;
