//! Command line: serve options (each with an environment-variable
//! fallback) and, in [`commands`], the maintenance subcommands.

mod auth;
mod commands;
mod oidc;

pub use commands::{AccountCommand, AuditCommand, Command};
pub use oidc::{LocalAccounts, OidcArgs};

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, Parser, ValueEnum};

use crate::audit::checkpoint::CHECKPOINT_FILE;
use crate::audit::key::{AuditKey, KEY_FILE, KeyError};
use crate::auth::proxy::GroupRoleError;
use crate::security::ca::{CaError, TokenConfig, embedded};
use crate::security::csr::{CsrSettings, SignerRule};

/// meshdeck: a console for service meshes and multi-cluster ingress across a
/// fleet of Kubernetes clusters.
#[derive(Debug, Clone, Parser)]
#[command(name = "meshdeck", version)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    /// Without a subcommand, meshdeck serves the console.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How people sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthKind {
    /// Local accounts and the sign-in page.
    Local,
    /// Identity from headers set by an authenticating proxy.
    Proxy,
}

/// Options of the server (and where its data lives, for subcommands too).
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address the console listens on.
    #[arg(long, env = "MESHDECK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Serve `GET /metrics` (public: for Prometheus) on this address only,
    /// instead of on `--listen`.
    #[arg(long, env = "MESHDECK_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Kubeconfig whose contexts are the fleet's member clusters.
    #[arg(long, env = "MESHDECK_KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,

    /// The fleet description (default: `fleet.yaml` beside the kubeconfig,
    /// if there is one; without it every context is a member).
    #[arg(long, env = "MESHDECK_FLEET_DESCRIPTION")]
    pub fleet_description: Option<PathBuf>,

    /// Directory for the console's own durable data (and the sandbox's).
    #[arg(
        long,
        env = "MESHDECK_STATE_DIR",
        default_value = ".state",
        global = true
    )]
    pub state_dir: PathBuf,

    /// PostgreSQL URL for accounts, sessions and the audit log (default:
    /// SQLite file `meshdeck.db` in the state directory).
    #[arg(
        long,
        env = "MESHDECK_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Run on the embedded sandbox fleet instead of real clusters.
    #[arg(long, env = "MESHDECK_SANDBOX")]
    pub sandbox: bool,

    /// Directory holding the built single-page app (Trunk's output).
    #[arg(long, env = "MESHDECK_DIST", default_value = "dist")]
    pub dist: PathBuf,

    /// How people sign in.
    #[arg(long, env = "MESHDECK_AUTH", value_enum, default_value = "local")]
    pub auth: AuthKind,

    /// Addresses of the reverse proxy in front of the console
    /// (comma-separated). Only from these are `X-Forwarded-For`/`-Proto`
    /// believed, and, with `--auth proxy`, the identity headers.
    #[arg(long, env = "MESHDECK_PROXY_TRUSTED", value_delimiter = ',')]
    pub proxy_trusted: Vec<IpAddr>,

    /// Proxy mode: header carrying the user name.
    #[arg(
        long,
        env = "MESHDECK_PROXY_USER_HEADER",
        default_value = "x-forwarded-user"
    )]
    pub proxy_user_header: String,

    /// Proxy mode: header carrying the user's groups, comma-separated.
    #[arg(
        long,
        env = "MESHDECK_PROXY_GROUPS_HEADER",
        default_value = "x-forwarded-groups"
    )]
    pub proxy_groups_header: String,

    /// Proxy mode: GROUP=ROLE pairs (comma-separated), first match wins,
    /// e.g. `mesh-sec=security_officer,mesh-ops=operator,staff=manager`.
    #[arg(long, env = "MESHDECK_PROXY_GROUP_ROLES", value_delimiter = ',')]
    pub proxy_group_roles: Vec<String>,

    /// Proxy mode: groups whose members may manage accounts.
    #[arg(long, env = "MESHDECK_PROXY_ADMIN_GROUPS", value_delimiter = ',')]
    pub proxy_admin_groups: Vec<String>,

    /// Minutes without a request after which a session ends.
    #[arg(long, env = "MESHDECK_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,

    /// Hours after sign-in at which a session ends however it is used.
    #[arg(long, env = "MESHDECK_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: i64,

    /// Mark cookies Secure: set this when people reach the console over
    /// TLS (e.g. through a terminating proxy).
    #[arg(long, env = "MESHDECK_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// PKCS#11 module holding the mesh root CA keys (e.g. a network HSM's
    /// library). Without it, --sandbox uses the embedded SoftHSM2 token in
    /// `<state-dir>/softhsm`.
    #[arg(long, env = "MESHDECK_PKCS11_MODULE")]
    pub pkcs11_module: Option<PathBuf>,

    /// Label of the token in the PKCS#11 module.
    #[arg(long, env = "MESHDECK_PKCS11_TOKEN")]
    pub pkcs11_token: Option<String>,

    /// File whose first line is the token's user PIN.
    #[arg(long, env = "MESHDECK_PKCS11_PIN_FILE")]
    pub pkcs11_pin_file: Option<PathBuf>,

    /// How long one call to a member cluster, to Vault or to the PKCS#11
    /// token may take, in seconds, before it fails and frees its caller
    /// (a slow WAN wants more than a LAN).
    #[arg(
        long,
        env = "MESHDECK_CALL_TIMEOUT",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=600)
    )]
    pub call_timeout: u64,

    /// Kubernetes CSR signers the console manages, comma-separated, each
    /// `NAME[=APPROVALS][+wildcards]` (APPROVALS: distinct officers needed,
    /// default 2 for `istio.io/mesh-root` and 1 for others; lowering the
    /// mesh root's is warned about at start), e.g.
    /// `istio.io/mesh-root=3,istio.io/workload`. Default:
    /// `istio.io/mesh-root,istio.io/workload`.
    #[arg(long, env = "MESHDECK_CSR_SIGNERS", value_delimiter = ',')]
    pub csr_signers: Vec<String>,

    /// Vault (or OpenBao) holding the PINs of istiod's HSM slots, e.g.
    /// `https://vault.example.com:8200` (HSM mode, SPEC §2.2).
    #[arg(long, env = "MESHDECK_VAULT_ADDR")]
    pub vault_addr: Option<String>,

    /// File whose first line is the Vault token the console uses.
    #[arg(long, env = "MESHDECK_VAULT_TOKEN_FILE")]
    pub vault_token_file: Option<PathBuf>,

    /// File holding the audit key (64 hex digits, readable by its owner
    /// only) that keys the audit chain and signs its checkpoints. Default:
    /// `audit.key` in the state directory, created at first use.
    #[arg(long, env = "MESHDECK_AUDIT_KEY_FILE", global = true)]
    pub audit_key_file: Option<PathBuf>,

    /// Where every audit append leaves a signed checkpoint to copy
    /// elsewhere. Default: `audit-checkpoint.json` in the state directory.
    #[arg(long, env = "MESHDECK_AUDIT_CHECKPOINT_FILE", global = true)]
    pub audit_checkpoint_file: Option<PathBuf>,

    #[command(flatten)]
    pub oidc: OidcArgs,
}

/// Where the console reads and writes HSM slot credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultAccess {
    pub addr: String,
    /// Never printed.
    pub token: String,
}

/// Where the mesh CA's token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaToken {
    /// None configured: Istio CA mode is unavailable.
    None,
    /// A module, token label and PIN file given as options.
    Configured(TokenConfig),
    /// The embedded SoftHSM2 token of the sandbox, configured by this
    /// SoftHSM2 configuration file.
    Embedded { conf: PathBuf },
}

/// Options that do not make a working console, said in terms of the
/// options.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--csr-signers: {0}")]
    CsrSigners(#[from] crate::security::csr::InvalidSignerRule),
    #[error("--vault-token-file {}: cannot read it: {source}", file.display())]
    VaultTokenUnreadable {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("--vault-token-file {}: the file is empty", file.display())]
    VaultTokenEmpty { file: PathBuf },
    #[error("Vault needs both --vault-addr and --vault-token-file")]
    VaultIncomplete,
    /// The embedded token's configuration has no place.
    #[error(transparent)]
    EmbeddedToken(CaError),
    #[error(
        "the mesh CA's token needs all of --pkcs11-module, --pkcs11-token and --pkcs11-pin-file"
    )]
    TokenIncomplete,
    #[error("--auth proxy needs --proxy-trusted ADDRESS")]
    NoProxyTrusted,
    #[error(transparent)]
    GroupRole(#[from] GroupRoleError),
    #[error("--auth proxy needs --proxy-group-roles GROUP=ROLE,…")]
    NoGroupRoles,
    #[error("{0:?} is not a header name")]
    HeaderName(String),
    #[error("session limits must be at least one minute / one hour")]
    SessionLimits,
    #[error(transparent)]
    AuditKey(#[from] KeyError),
    #[error("{0}")]
    Oidc(String),
}

impl Config {
    /// The audit key: `--audit-key-file`, which must exist, or `audit.key`
    /// in the state directory, created (mode 0600) when missing, which is
    /// said on standard error: the log cannot be verified without a copy.
    pub fn audit_key(&self) -> Result<AuditKey, ConfigError> {
        if let Some(file) = &self.audit_key_file {
            return Ok(AuditKey::load(file)?);
        }
        let file = self.state_dir.join(KEY_FILE);
        let (key, created) = AuditKey::load_or_create(&file, &mut rand::rngs::OsRng)?;
        if created {
            eprintln!(
                "meshdeck: created the audit key {} ({}): keep a copy apart from the database; \
                 the audit log cannot be verified without it",
                file.display(),
                key.id()
            );
        }
        Ok(key)
    }

    /// Like [`Config::audit_key`], never creating one: `None` when the
    /// state directory has none (for checking a log, a new key is useless).
    pub fn existing_audit_key(&self) -> Result<Option<AuditKey>, ConfigError> {
        Ok(match &self.audit_key_file {
            Some(file) => Some(AuditKey::load(file)?),
            None => AuditKey::load_if_present(&self.state_dir.join(KEY_FILE))?,
        })
    }

    /// Where audit appends leave their signed checkpoint.
    pub fn audit_checkpoint_file(&self) -> PathBuf {
        self.audit_checkpoint_file
            .clone()
            .unwrap_or_else(|| self.state_dir.join(CHECKPOINT_FILE))
    }

    /// [`Config::call_timeout`] as a duration.
    pub fn call_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.call_timeout)
    }

    /// The managed signers and their two-person rules.
    pub fn csr_settings(&self) -> Result<CsrSettings, ConfigError> {
        if self.csr_signers.is_empty() {
            return Ok(CsrSettings::default());
        }
        let signers = self
            .csr_signers
            .iter()
            .map(|s| s.parse::<SignerRule>())
            .collect::<Result<_, _>>()
            .map_err(ConfigError::CsrSigners)?;
        Ok(CsrSettings { signers })
    }

    /// The Vault the console uses for HSM slots: both options or neither.
    pub fn vault(&self) -> Result<Option<VaultAccess>, ConfigError> {
        match (&self.vault_addr, &self.vault_token_file) {
            (None, None) => Ok(None),
            (Some(addr), Some(file)) => {
                let text = std::fs::read_to_string(file).map_err(|source| {
                    ConfigError::VaultTokenUnreadable {
                        file: file.clone(),
                        source,
                    }
                })?;
                let token = text.lines().next().unwrap_or_default().trim().to_owned();
                if token.is_empty() {
                    return Err(ConfigError::VaultTokenEmpty { file: file.clone() });
                }
                Ok(Some(VaultAccess {
                    addr: addr.trim_end_matches('/').to_owned(),
                    token,
                }))
            }
            _ => Err(ConfigError::VaultIncomplete),
        }
    }

    /// The mesh CA's token: all three PKCS#11 options, or none (then the
    /// embedded token with --sandbox).
    pub fn ca_token(&self) -> Result<CaToken, ConfigError> {
        match (
            &self.pkcs11_module,
            &self.pkcs11_token,
            &self.pkcs11_pin_file,
        ) {
            (Some(module), Some(label), Some(pin_file)) => Ok(CaToken::Configured(TokenConfig {
                module: module.clone(),
                token_label: label.clone(),
                pin_file: pin_file.clone(),
            })),
            (None, None, None) if self.sandbox => Ok(CaToken::Embedded {
                conf: embedded::conf_path(&self.state_dir).map_err(ConfigError::EmbeddedToken)?,
            }),
            (None, None, None) => Ok(CaToken::None),
            _ => Err(ConfigError::TokenIncomplete),
        }
    }
}
