//! Who may sign in and how: the identity options checked into
//! [`AuthSettings`].

use axum::http::HeaderName;

use super::{AuthKind, Config, ConfigError, LocalAccounts};
use crate::auth::oidc::Provider;
use crate::auth::proxy::parse_group_role;
use crate::auth::{AuthMode, AuthSettings, ProxyAuth};

impl Config {
    /// The identity settings, checked.
    pub fn auth_settings(&self) -> Result<AuthSettings, ConfigError> {
        let mode = match self.auth {
            AuthKind::Local => AuthMode::Local,
            AuthKind::Proxy => {
                if self.proxy_trusted.is_empty() {
                    return Err(ConfigError::NoProxyTrusted);
                }
                let group_roles = self
                    .proxy_group_roles
                    .iter()
                    .map(|pair| parse_group_role(pair))
                    .collect::<Result<Vec<_>, _>>()?;
                if group_roles.is_empty() {
                    return Err(ConfigError::NoGroupRoles);
                }
                let header = |name: &str| {
                    HeaderName::try_from(name.to_ascii_lowercase())
                        .map_err(|_| ConfigError::HeaderName(name.to_owned()))
                };
                AuthMode::Proxy(ProxyAuth {
                    trusted: self.proxy_trusted.clone(),
                    user_header: header(&self.proxy_user_header)?,
                    groups_header: header(&self.proxy_groups_header)?,
                    group_roles,
                    admin_groups: self.proxy_admin_groups.clone(),
                })
            }
        };
        if self.session_idle_minutes < 1 || self.session_max_hours < 1 {
            return Err(ConfigError::SessionLimits);
        }
        let oidc = match self.oidc.settings(self.listen)? {
            Some(_) if matches!(mode, AuthMode::Proxy(_)) => {
                return Err(ConfigError::Oidc(
                    "--oidc-issuer signs people in itself: it does not go with --auth proxy".into(),
                ));
            }
            Some(settings) => Some(std::sync::Arc::new(
                Provider::new(settings, self.call_timeout())
                    .map_err(|e| ConfigError::Oidc(e.to_string()))?,
            )),
            None => None,
        };
        Ok(AuthSettings {
            mode,
            oidc,
            local_accounts: self.oidc.local_accounts == LocalAccounts::On,
            idle_secs: self.session_idle_minutes * 60,
            absolute_secs: self.session_max_hours * 3600,
            secure_cookies: self.secure_cookies,
            trusted_proxies: self.proxy_trusted.clone(),
            ..AuthSettings::default()
        })
    }
}
