//! The OpenID Connect options (`--oidc-*`, `--local-accounts`), checked
//! into [`OidcSettings`].

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::ConfigError;
use crate::auth::oidc::{OidcSettings, Secret};
use crate::auth::proxy::parse_group_role;

/// Whether local accounts sign in beside the OpenID provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LocalAccounts {
    On,
    Off,
}

/// Sign-in through an OpenID provider.
#[derive(Debug, Clone, Args)]
pub struct OidcArgs {
    /// The OpenID provider's issuer URL (discovery starts from it), e.g.
    /// `https://login.example.com/realms/staff`. Turns on "Sign in with …".
    #[arg(long, env = "MESHDECK_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// The console's client id at the provider.
    #[arg(long, env = "MESHDECK_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,

    /// File whose first line is the client secret.
    #[arg(long, env = "MESHDECK_OIDC_CLIENT_SECRET_FILE")]
    pub oidc_client_secret_file: Option<PathBuf>,

    /// Where the provider sends people back, as registered there
    /// (default: `http://<listen>/api/oidc/callback`; set it when the
    /// console is reached through another address, e.g. over TLS).
    #[arg(long, env = "MESHDECK_OIDC_REDIRECT_URL")]
    pub oidc_redirect_url: Option<String>,

    /// Scopes asked for besides `openid` (comma-separated).
    #[arg(
        long,
        env = "MESHDECK_OIDC_SCOPES",
        value_delimiter = ',',
        default_value = "profile,email,groups"
    )]
    pub oidc_scopes: Vec<String>,

    /// The ID token claim listing the person's groups.
    #[arg(long, env = "MESHDECK_OIDC_GROUPS_CLAIM", default_value = "groups")]
    pub oidc_groups_claim: String,

    /// GROUP=ROLE pairs (comma-separated), first match wins, as
    /// `--proxy-group-roles`.
    #[arg(long, env = "MESHDECK_OIDC_GROUP_ROLES", value_delimiter = ',')]
    pub oidc_group_roles: Vec<String>,

    /// Groups whose members may manage accounts.
    #[arg(long, env = "MESHDECK_OIDC_ADMIN_GROUPS", value_delimiter = ',')]
    pub oidc_admin_groups: Vec<String>,

    /// How the sign-in page names the provider (default: the issuer's host).
    #[arg(long, env = "MESHDECK_OIDC_NAME")]
    pub oidc_name: Option<String>,

    /// Whether local accounts may still sign in with a password when an
    /// OpenID provider is configured.
    #[arg(
        long,
        env = "MESHDECK_LOCAL_ACCOUNTS",
        value_enum,
        default_value = "on"
    )]
    pub local_accounts: LocalAccounts,
}

impl OidcArgs {
    /// The provider's settings, or `None` without `--oidc-issuer`;
    /// `listen` makes the default redirect URL.
    pub fn settings(
        &self,
        listen: std::net::SocketAddr,
    ) -> Result<Option<OidcSettings>, ConfigError> {
        let Some(issuer) = &self.oidc_issuer else {
            if self.local_accounts == LocalAccounts::Off {
                return Err(ConfigError::Oidc(
                    "--local-accounts off needs --oidc-issuer: nobody could sign in".into(),
                ));
            }
            return Ok(None);
        };
        let incomplete = || {
            ConfigError::Oidc(
                "--oidc-issuer needs --oidc-client-id, --oidc-client-secret-file and --oidc-group-roles"
                    .into(),
            )
        };
        let client_id = self.oidc_client_id.clone().ok_or_else(incomplete)?;
        let file = self
            .oidc_client_secret_file
            .as_ref()
            .ok_or_else(incomplete)?;
        let text = std::fs::read_to_string(file).map_err(|e| {
            ConfigError::Oidc(format!(
                "--oidc-client-secret-file {}: cannot read it: {e}",
                file.display()
            ))
        })?;
        let secret = text.lines().next().unwrap_or_default().trim().to_owned();
        if secret.is_empty() {
            return Err(ConfigError::Oidc(format!(
                "--oidc-client-secret-file {}: the file is empty",
                file.display()
            )));
        }
        let group_roles = self
            .oidc_group_roles
            .iter()
            .map(|pair| parse_group_role(pair))
            .collect::<Result<Vec<_>, _>>()?;
        if group_roles.is_empty() {
            return Err(incomplete());
        }
        let parsed = url::Url::parse(issuer)
            .map_err(|e| ConfigError::Oidc(format!("--oidc-issuer {issuer:?}: {e}")))?;
        // Over plain HTTP anyone on the path could swap the signing keys and
        // sign in as any group; only a provider on this machine may use it.
        let loopback = match parsed.host() {
            Some(url::Host::Domain(host)) => host == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        if parsed.scheme() != "https" && !loopback {
            return Err(ConfigError::Oidc(format!(
                "--oidc-issuer {issuer:?} must use https (plain http only on loopback)"
            )));
        }
        let redirect_url = match &self.oidc_redirect_url {
            Some(url) => url.clone(),
            None => format!("http://{listen}{}", shared::routes::OIDC_CALLBACK),
        };
        url::Url::parse(&redirect_url)
            .map_err(|e| ConfigError::Oidc(format!("--oidc-redirect-url {redirect_url:?}: {e}")))?;
        let display_name = self
            .oidc_name
            .clone()
            .or_else(|| parsed.host_str().map(str::to_owned))
            .unwrap_or_else(|| issuer.clone());
        Ok(Some(OidcSettings {
            issuer: issuer.clone(),
            client_id,
            client_secret: Secret(secret),
            redirect_url,
            scopes: self
                .oidc_scopes
                .iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            groups_claim: self.oidc_groups_claim.clone(),
            group_roles,
            admin_groups: self.oidc_admin_groups.clone(),
            display_name,
        }))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::config::Cli;

    fn config(args: &[&str]) -> crate::config::Config {
        let all = std::iter::once("meshdeck").chain(args.iter().copied());
        Cli::try_parse_from(all).unwrap().config
    }

    fn secret_file() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("meshdeck-oidc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("secret");
        std::fs::write(&file, "s3cret\n").unwrap();
        file
    }

    #[test]
    fn the_issuer_needs_the_client_and_the_roles() {
        let err = config(&["--oidc-issuer", "https://sso.example.com/realms/x"])
            .auth_settings()
            .unwrap_err();
        assert!(err.to_string().contains("--oidc-client-id"), "{err}");
        let err = config(&["--local-accounts", "off"])
            .auth_settings()
            .unwrap_err();
        assert!(err.to_string().contains("nobody could sign in"), "{err}");
    }

    #[test]
    fn settings_from_the_options() {
        let file = secret_file();
        let file = file.to_str().unwrap();
        let base = [
            "--listen",
            "127.0.0.1:9000",
            "--oidc-issuer",
            "https://sso.example.com/realms/x",
            "--oidc-client-id",
            "meshdeck",
            "--oidc-client-secret-file",
            file,
            "--oidc-group-roles",
            "sec=security_officer,ops=operator",
        ];
        let auth = config(&base).auth_settings().unwrap();
        assert!(auth.local_accounts);
        let provider = auth.oidc.unwrap();
        let settings = &provider.settings;
        assert_eq!(
            settings.redirect_url,
            "http://127.0.0.1:9000/api/oidc/callback"
        );
        assert_eq!(settings.display_name, "sso.example.com");
        assert_eq!(settings.client_secret.0, "s3cret");
        assert!(!format!("{settings:?}").contains("s3cret"));
        assert_eq!(settings.group_roles.len(), 2);
        assert_eq!(settings.scopes, ["profile", "email", "groups"]);

        let mut off = base.to_vec();
        off.extend(["--local-accounts", "off"]);
        assert!(!config(&off).auth_settings().unwrap().local_accounts);
        let mut proxy = base.to_vec();
        proxy.extend(["--auth", "proxy", "--proxy-trusted", "10.0.0.1"]);
        proxy.extend(["--proxy-group-roles", "ops=operator"]);
        let err = config(&proxy).auth_settings().unwrap_err();
        assert!(err.to_string().contains("--auth proxy"), "{err}");

        // Plain http only for a provider on this machine.
        let plain = |issuer: &'static str| {
            let mut args = base.to_vec();
            args[3] = issuer;
            config(&args).auth_settings()
        };
        let err = plain("http://sso.example.com/realms/x").unwrap_err();
        assert!(err.to_string().contains("must use https"), "{err}");
        assert!(plain("http://127.0.0.1:4000").is_ok());
        assert!(plain("http://localhost:4000").is_ok());
    }
}
