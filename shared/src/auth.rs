//! Who may do what: the three roles of SPEC "Who uses it", the admin
//! capability, and the account and sign-in bodies of the session API.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::{InvalidName, invalid};
use crate::nav::Section;
use crate::newtype::checked_string;

/// The job a signed-in person does in the console. Each account has exactly
/// one; the admin capability (managing accounts) is separate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads the fleet, mesh and ingress state; changes nothing.
    Manager,
    /// Installs and migrates meshes, edits ingress, deploys workloads.
    Operator,
    /// Decides certificate signing requests and owns the CA material.
    SecurityOfficer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Manager, Role::Operator, Role::SecurityOfficer];

    /// The identifier used in the API, the database and configuration.
    pub fn slug(self) -> &'static str {
        match self {
            Role::Manager => "manager",
            Role::Operator => "operator",
            Role::SecurityOfficer => "security_officer",
        }
    }

    /// How the UI names the role.
    pub fn title(self) -> &'static str {
        match self {
            Role::Manager => "Manager",
            Role::Operator => "Operator",
            Role::SecurityOfficer => "Security officer",
        }
    }

    /// Whether the navigation shows `section` to this role. Every role reads
    /// every section today; actions inside a section are gated separately.
    pub fn sees(self, section: Section) -> bool {
        match section {
            Section::Fleet
            | Section::Mesh
            | Section::Security
            | Section::Ingress
            | Section::Workloads
            | Section::Activity => true,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// An unknown role name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: expected manager, operator or security_officer")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "manager" => Ok(Role::Manager),
            "operator" => Ok(Role::Operator),
            "security_officer" | "security-officer" | "officer" => Ok(Role::SecurityOfficer),
            other => Err(UnknownRole(other.to_owned())),
        }
    }
}

checked_string! {
    /// An account's sign-in name: 1–64 characters of lowercase letters, digits,
    /// `.`, `_`, `-` and `@`, starting with a letter or digit.
    pub struct AccountName(String), check_account_name;
}

fn check_account_name(s: &str) -> Result<(), InvalidName> {
    let fail = |reason| invalid("account name", s, reason);
    if s.is_empty() || s.len() > 64 {
        return fail("it must be 1 to 64 characters long");
    }
    let ok = |c: char| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@')
    };
    if !s.chars().all(ok) {
        return fail("it may contain only lowercase letters, digits, '.', '_', '-' and '@'");
    }
    if !s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return fail("it must start with a lowercase letter or digit");
    }
    Ok(())
}

/// The shortest password the console accepts for a new account.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Checks a new password; the same rule runs in the form and the backend.
pub fn check_new_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!(
            "the password must be at least {MIN_PASSWORD_LEN} characters long"
        ));
    }
    Ok(())
}

/// A signed-in (or listed) account. Never carries the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Account {
    pub name: String,
    pub role: Role,
    /// May manage accounts.
    pub admin: bool,
}

/// `GET /api/session`: who is signed in, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SessionInfo {
    pub account: Account,
    /// `"password"` for a local sign-in, `"oidc"` after an OpenID
    /// provider's, `"proxy"` behind an authenticating proxy (sign-out is
    /// then the proxy's business).
    pub via: String,
    /// Echoed in the `x-csrf-token` header of every mutating request.
    pub csrf_token: String,
}

/// `DELETE /api/session` after a sign-in through an OpenID provider that
/// offers RP-initiated logout (otherwise the answer is a bare 204).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SignedOut {
    /// Where the browser goes next to end its session at the provider too.
    pub provider_logout: Option<String>,
}

/// `POST /api/session`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SignIn {
    pub name: String,
    pub password: String,
}

impl fmt::Debug for SignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignIn")
            .field("name", &self.name)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// `POST /api/accounts` (admin only).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NewAccount {
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub admin: bool,
    pub password: String,
}

impl fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccount")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("admin", &self.admin)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// `PATCH /api/accounts/{name}` (admin only): the fields to change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AccountUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_slug_and_json() {
        for role in Role::ALL {
            assert_eq!(role.slug().parse::<Role>().unwrap(), role);
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.slug()));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn account_names_are_checked() {
        assert!("alice".parse::<AccountName>().is_ok());
        assert!("a.b-c_d@example.org".parse::<AccountName>().is_ok());
        assert!("".parse::<AccountName>().is_err());
        assert!("Alice".parse::<AccountName>().is_err());
        assert!("-x".parse::<AccountName>().is_err());
        assert!("a b".parse::<AccountName>().is_err());
    }

    #[test]
    fn passwords_are_redacted_in_debug_output() {
        let sign_in = SignIn {
            name: "alice".into(),
            password: "hunter2hunter2".into(),
        };
        assert!(!format!("{sign_in:?}").contains("hunter2"));
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("long enough pass").is_ok());
    }
}
