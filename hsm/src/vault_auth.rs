//! istiod's own way to its slot credentials (seed 004, "Configure
//! Kubernetes auth for Vault"): a read-only policy on the secret path, a
//! Kubernetes auth method mounted at that same path which checks tokens
//! against the cluster's API server, and the role `istiod` bound to
//! istiod's service accounts in `istio-system`. istiod logs in with its
//! service account token at `auth/<secret path>/login`; Vault asks the
//! cluster's `TokenReview` whether the token is good.

use rustify_derive::Endpoint;
use vaultrs::api::auth::kubernetes::requests::CreateKubernetesRoleRequest;
use vaultrs::client::Client;
use vaultrs::error::ClientError;

use crate::VaultError;
use crate::vault::{KV_MOUNT, Vault, is_not_found, kv_path};

/// The role istiod logs in with (`VAULT_AUTH_ROLE`).
pub const ISTIOD_ROLE: &str = "istiod";

/// The namespace istiod runs in.
const ISTIOD_NAMESPACE: &str = "istio-system";

/// istiod's service accounts: `istiod` for the default revision and
/// `istiod-<revision>` (the seed's `istiod-service-account` included).
const ISTIOD_SERVICE_ACCOUNTS: [&str; 2] = ["istiod", "istiod-*"];

/// How Vault reaches a cluster's API server to review tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct KubernetesApi {
    /// `https://host:port`, as in the kubeconfig.
    pub host: String,
    /// The CA certificate(s) the API server's certificate chains to, PEM.
    pub ca_pem: Option<String>,
    /// The token Vault reviews others' tokens with: a service account's
    /// allowed to create `tokenreviews` (`system:auth-delegator`). Secret.
    pub reviewer_jwt: String,
}

impl std::fmt::Debug for KubernetesApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubernetesApi")
            .field("host", &self.host)
            .field("ca_pem", &self.ca_pem.as_ref().map(|_| "<pem>"))
            .field("reviewer_jwt", &"<redacted>")
            .finish()
    }
}

/// `auth/<mount>/config` with the reviewer token, which vaultrs's own
/// request has no field for.
#[derive(Debug, Default, Endpoint)]
#[endpoint(path = "/auth/{self.mount}/config", method = "POST")]
struct KubernetesAuthConfig {
    #[endpoint(skip)]
    mount: String,
    kubernetes_host: String,
    kubernetes_ca_cert: Option<String>,
    token_reviewer_jwt: String,
    disable_iss_validation: bool,
    disable_local_ca_jwt: bool,
}

/// `asm-c1-hsm-policy` for secret path `asm-c1/hsm` (the seed's
/// `asm-$CLUSTER_SUFFIX-hsm-policy`).
pub fn policy_name(secret_path: &str) -> String {
    format!("{}-policy", kv_path(secret_path).replace('/', "-"))
}

/// The policy's text: read, and nothing else, on the secret, where the
/// console keeps it (KV v2) and where the seed's layout does (KV v1).
fn policy_text(secret_path: &str) -> String {
    let path = kv_path(secret_path);
    format!(
        "path \"{KV_MOUNT}/data/{path}\" {{\n  capabilities = [\"read\"]\n}}\npath \"{path}\" {{\n  capabilities = [\"read\"]\n}}\n"
    )
}

/// The auth mount for `secret_path` (`asm-c1/hsm`), from its login path
/// too (`auth/asm-c1/hsm/login`).
fn auth_mount(path: &str) -> &str {
    let path = path.trim_matches('/');
    let path = path.strip_prefix("auth/").unwrap_or(path);
    path.strip_suffix("/login").unwrap_or(path)
}

impl Vault {
    /// Logs in to Vault at `addr` with a service account `jwt` through the
    /// Kubernetes auth method at `auth_path` (`auth/asm-c1/hsm/login`), as
    /// `role`: what istiod's `vault-client` does.
    pub async fn login_kubernetes(
        addr: &str,
        auth_path: &str,
        role: &str,
        jwt: &str,
    ) -> Result<Self, VaultError> {
        let mut vault = Self::new(addr, "")?;
        let mount = auth_mount(auth_path);
        let login = vaultrs::auth::kubernetes::login(&vault.client, mount, role, jwt)
            .await
            .map_err(|e| match e {
                ClientError::APIError { code, errors } => VaultError::LoginRefused {
                    addr: addr.to_owned(),
                    mount: mount.to_owned(),
                    role: role.to_owned(),
                    reason: if errors.is_empty() {
                        format!("HTTP {code}")
                    } else {
                        errors.join("; ")
                    },
                },
                other => vault.unreachable(&other),
            })?;
        vault.client.set_token(&login.client_token);
        Ok(vault)
    }

    /// Lets istiod on the cluster behind `api` read `secret_path`: the
    /// policy, the Kubernetes auth method at the secret path and the role
    /// `istiod`. Idempotent: each is written to what it should be.
    pub async fn grant_istiod(
        &self,
        secret_path: &str,
        api: &KubernetesApi,
    ) -> Result<(), VaultError> {
        let path = kv_path(secret_path);
        let policy = policy_name(path);
        vaultrs::sys::policy::set(&self.client, &policy, &policy_text(path))
            .await
            .map_err(|e| self.failed("write", &format!("sys/policy/{policy}"), &e))?;
        match vaultrs::sys::auth::enable(&self.client, path, "kubernetes", None).await {
            Ok(()) => {}
            // Already enabled: it must be a Kubernetes auth method, which
            // reading its config tells.
            Err(ClientError::APIError { code: 400, errors })
                if errors.iter().any(|e| e.contains("already in use")) =>
            {
                vaultrs::auth::kubernetes::read_config(&self.client, path)
                    .await
                    .map_err(|_| VaultError::Refused {
                        addr: self.addr().to_owned(),
                        action: "enable Kubernetes auth at".into(),
                        path: format!("auth/{path}"),
                        reason: "another auth method is mounted there".into(),
                    })?;
            }
            Err(e) => {
                return Err(self.failed("enable Kubernetes auth at", &format!("auth/{path}"), &e));
            }
        }
        let config = KubernetesAuthConfig {
            mount: path.to_owned(),
            kubernetes_host: api.host.clone(),
            kubernetes_ca_cert: api.ca_pem.clone(),
            token_reviewer_jwt: api.reviewer_jwt.clone(),
            // Tokens are checked by the cluster's TokenReview; issuers
            // differ between distributions, so Vault does not check them.
            disable_iss_validation: true,
            // Vault runs beside the console, not in the cluster.
            disable_local_ca_jwt: true,
        };
        vaultrs::api::exec_with_empty(&self.client, config)
            .await
            .map_err(|e| self.failed("configure", &format!("auth/{path}/config"), &e))?;
        let mut role = CreateKubernetesRoleRequest::builder();
        role.bound_service_account_names(
            ISTIOD_SERVICE_ACCOUNTS
                .iter()
                .map(|s| (*s).to_owned())
                .collect::<Vec<_>>(),
        )
        .bound_service_account_namespaces(vec![ISTIOD_NAMESPACE.to_owned()])
        .token_policies(vec![policy])
        .token_ttl("768h");
        vaultrs::auth::kubernetes::role::create(&self.client, path, ISTIOD_ROLE, Some(&mut role))
            .await
            .map_err(|e| self.failed("write", &format!("auth/{path}/role/{ISTIOD_ROLE}"), &e))
    }

    /// Why istiod on the cluster whose API server is `host` could not log
    /// in to read `secret_path`, or `None` when the auth method, its API
    /// server and the role are as [`Self::grant_istiod`] leaves them.
    pub async fn istiod_grant_problem(
        &self,
        secret_path: &str,
        host: &str,
    ) -> Result<Option<String>, VaultError> {
        let path = kv_path(secret_path);
        let addr = self.addr();
        let config = match vaultrs::auth::kubernetes::read_config(&self.client, path).await {
            Ok(config) => config,
            Err(e) if is_absent(&e) => {
                return Ok(Some(format!(
                    "Vault at {addr} has no Kubernetes auth at auth/{path} for istiod to log in with: provision the slot to set it up"
                )));
            }
            Err(e) => return Err(self.failed("read", &format!("auth/{path}/config"), &e)),
        };
        let configured = config.kubernetes_host.trim_end_matches('/');
        if configured != host.trim_end_matches('/') {
            return Ok(Some(format!(
                "Vault at {addr} reviews istiod's tokens at auth/{path} against {configured}, not this cluster's API server {host}: provision the slot again to point it here"
            )));
        }
        let policy = policy_name(path);
        let bound = match vaultrs::auth::kubernetes::role::read(&self.client, path, ISTIOD_ROLE)
            .await
        {
            Ok(role) => {
                role.bound_service_account_namespaces
                    .iter()
                    .any(|n| n == ISTIOD_NAMESPACE)
                    && role.token_policies.contains(&policy)
            }
            Err(e) if is_absent(&e) => false,
            Err(e) => {
                return Err(self.failed("read", &format!("auth/{path}/role/{ISTIOD_ROLE}"), &e));
            }
        };
        Ok((!bound).then(|| {
            format!(
                "Vault at {addr} has no role {ISTIOD_ROLE:?} at auth/{path} letting istio-system's istiod read {KV_MOUNT}/{path} (policy {policy}): provision the slot to set it up"
            )
        }))
    }
}

impl Vault {
    /// What [`Self::grant_istiod`] would overwrite at `secret_path` that is
    /// not what it writes there: an auth method of another type mounted at
    /// the path, or a policy of its name with other rules. Provisioning
    /// asks before it writes anything and stops on any.
    pub async fn istiod_grant_conflicts(
        &self,
        secret_path: &str,
    ) -> Result<Vec<String>, VaultError> {
        let path = kv_path(secret_path);
        let mut conflicts = Vec::new();
        let mounts = vaultrs::sys::auth::list(&self.client)
            .await
            .map_err(|e| self.failed("list", "sys/auth", &e))?;
        if let Some(mount) = mounts
            .get(&format!("{path}/"))
            .filter(|m| m.mount_type != "kubernetes")
        {
            conflicts.push(format!(
                "auth/{path} is a {:?} auth method, not the Kubernetes login the console sets up for istiod",
                mount.mount_type
            ));
        }
        let policy = policy_name(path);
        match vaultrs::sys::policy::read(&self.client, &policy).await {
            Ok(existing) if existing.rules.trim() != policy_text(path).trim() => {
                conflicts.push(format!(
                    "policy {policy} exists with other rules than istiod's read of {KV_MOUNT}/{path}"
                ));
            }
            Ok(_) => {}
            Err(e) if is_absent(&e) => {}
            Err(e) => return Err(self.failed("read", &format!("sys/policy/{policy}"), &e)),
        }
        Ok(conflicts)
    }
}

/// Vault has nothing at the path (or no auth method mounted there).
fn is_absent(error: &ClientError) -> bool {
    is_not_found(error) || matches!(error, ClientError::APIError { code: 405, .. })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_secret_path() {
        assert_eq!(policy_name("asm-c1/hsm"), "asm-c1-hsm-policy");
        assert_eq!(policy_name("secret/asm-c1/hsm"), "asm-c1-hsm-policy");
        assert_eq!(auth_mount("auth/asm-c1/hsm/login"), "asm-c1/hsm");
        assert_eq!(auth_mount("asm-c1/hsm"), "asm-c1/hsm");
        assert_eq!(
            policy_text("asm-c1/hsm"),
            "path \"secret/data/asm-c1/hsm\" {\n  capabilities = [\"read\"]\n}\npath \"asm-c1/hsm\" {\n  capabilities = [\"read\"]\n}\n"
        );
    }
}
