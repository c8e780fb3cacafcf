//! Names a request path carries besides the member cluster (see
//! [`super::cluster_path`]), parsed once at the edge: a value that cannot
//! be such a name is a 400 saying which and why, in the same `ApiError`
//! body as every other refusal, before the handler runs.

use std::fmt;
use std::str::FromStr;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use shared::ids::{NameRule, check_dns1123_label, invalid};
use shared::{ClusterName, InvalidName};

use super::openapi::describe::DescribeArg;
use crate::error::AppError;

/// A Kubernetes namespace name (a DNS-1123 label), e.g. `blue`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceName(String);

/// The name of a namespaced object (a DNS-1123 label), e.g. `checkout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectName(String);

/// The id the console gave a workload migration: 1 to 64 ASCII letters
/// and digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationId(String);

macro_rules! path_name {
    ($ty:ident, $kind:literal, $check:expr) => {
        impl $ty {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $ty {
            type Err = InvalidName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let check: fn(&'static str, &str) -> Result<(), InvalidName> = $check;
                check($kind, s)?;
                Ok(Self(s.to_owned()))
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

path_name!(NamespaceName, "namespace", check_dns1123_label);
path_name!(ObjectName, "name", check_dns1123_label);
path_name!(MigrationId, "migration id", check_token);

/// An id the console made (a run's, a reviewed plan's, an issuance
/// grant's): 1 to 64 ASCII letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpaqueId(String);

/// A certificate's SHA-256 fingerprint as a path segment: hex digits,
/// with or without `:` between the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(String);

fn check_fingerprint(kind: &'static str, value: &str) -> Result<(), InvalidName> {
    if !value.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
        return invalid(kind, value, "it may contain only hex digits and ':'");
    }
    if value.chars().filter(char::is_ascii_hexdigit).count() != 64 {
        return invalid(kind, value, "a SHA-256 fingerprint has 64 hex digits");
    }
    Ok(())
}

path_name!(OpaqueId, "id", check_console_id);
path_name!(CsrName, "request name", check_csr_name);

/// A certificate signing request's name. Kubernetes accepts any name for
/// one (kubelets' `node-csr-…` carry base64url), so only what cannot be
/// one path segment or a header's text is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrName(String);

fn check_csr_name(kind: &'static str, value: &str) -> Result<(), InvalidName> {
    if value.is_empty() || value.len() > 253 {
        return invalid(kind, value, "it must be 1 to 253 characters");
    }
    if value == "." || value == ".." || value.contains('/') {
        return invalid(kind, value, "it cannot be '.', '..' or contain '/'");
    }
    if value.chars().any(|c| c.is_control()) {
        return invalid(kind, value, "it cannot contain control characters");
    }
    Ok(())
}

path_name!(Fingerprint, "fingerprint", check_fingerprint);

/// An id the console made: 1 to 64 ASCII letters, digits and `-`.
const CONSOLE_ID: NameRule = NameRule {
    max: 64,
    too_long: "it must be at most 64 characters",
    char_ok: |c| c.is_ascii_alphanumeric() || c == '-',
    bad_char: "it may contain only letters, digits and '-'",
    ends: None,
};

/// An opaque id: 1 to 64 ASCII letters and digits.
const TOKEN: NameRule = NameRule {
    char_ok: |c| c.is_ascii_alphanumeric(),
    bad_char: "it may contain only letters and digits",
    ..CONSOLE_ID
};

fn check_console_id(kind: &'static str, value: &str) -> Result<(), InvalidName> {
    CONSOLE_ID.check(kind, value)
}

fn check_token(kind: &'static str, value: &str) -> Result<(), InvalidName> {
    TOKEN.check(kind, value)
}

/// The path parameter `key` parsed as a `T`; a value that is not one is
/// a 400 naming it.
async fn param<T, S>(parts: &mut Parts, state: &S, key: &str) -> Result<T, AppError>
where
    T: FromStr<Err = InvalidName>,
    S: Send + Sync,
{
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?;
    let raw = params
        .iter()
        .find_map(|(k, value)| (k == key).then_some(value))
        .ok_or_else(|| AppError::Internal(format!("this route has no {{{key}}} parameter")))?;
    raw.parse()
        .map_err(|e: InvalidName| AppError::BadRequest(e.to_string()))
}

/// Defines an extractor of the route parameter `$key` parsed as `$inner`.
macro_rules! one_param {
    ($(#[$doc:meta])* $name:ident($inner:ty), $key:literal) => {
        $(#[$doc])*
        pub struct $name(pub $inner);

        impl<S: Send + Sync> FromRequestParts<S> for $name {
            type Rejection = AppError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                param(parts, state, $key).await.map(Self)
            }
        }

        impl DescribeArg for $name {}
    };
}

one_param!(
    /// The cluster `{name}` of a route, parsed but not looked up: for
    /// handlers that answer (and audit) an unknown cluster themselves.
    ClusterNamePath(ClusterName), "name"
);

one_param!(
    /// The `{namespace}` of a route.
    NamespacePath(NamespaceName), "namespace"
);

/// A namespaced object named by a route's `{namespace}/{name}`.
pub struct ObjectPath {
    pub namespace: NamespaceName,
    pub name: ObjectName,
}

impl<S: Send + Sync> FromRequestParts<S> for ObjectPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            namespace: param(parts, state, "namespace").await?,
            name: param(parts, state, "name").await?,
        })
    }
}

one_param!(
    /// The workload migration `{id}` of a route.
    MigrationPath(MigrationId), "id"
);

one_param!(
    /// The `{id}` of a route naming something the console made.
    IdPath(OpaqueId), "id"
);

one_param!(
    /// The `{fingerprint}` of a route naming a certificate.
    FingerprintPath(Fingerprint), "fingerprint"
);

impl DescribeArg for ObjectPath {}

/// A signing request named by a route's `{cluster}/{name}`.
pub struct CsrPath {
    pub cluster: ClusterName,
    pub name: CsrName,
}

impl<S: Send + Sync> FromRequestParts<S> for CsrPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            cluster: param(parts, state, "cluster").await?,
            name: param(parts, state, "name").await?,
        })
    }
}

impl DescribeArg for CsrPath {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_with_the_reason() {
        let err = "Bad_NS".parse::<NamespaceName>().unwrap_err();
        assert!(
            err.to_string()
                .starts_with("namespace \"Bad_NS\" is not valid")
        );
        assert!("blue".parse::<NamespaceName>().is_ok());
        assert!("a..b".parse::<ObjectName>().is_err());
        assert!("0123abcdef".parse::<MigrationId>().is_ok());
        let err = "../x".parse::<MigrationId>().unwrap_err();
        assert_eq!(err.reason, "it may contain only letters and digits");
        assert!("".parse::<MigrationId>().is_err());
        let fingerprint = "AB:".repeat(31) + "AB";
        assert!(fingerprint.parse::<Fingerprint>().is_ok());
        assert!(
            fingerprint
                .to_lowercase()
                .replace(':', "")
                .parse::<Fingerprint>()
                .is_ok()
        );
        assert!("AB:CD".parse::<Fingerprint>().is_err());
        assert!("istio-system.istio-ca-cert-csr".parse::<CsrName>().is_ok());
        assert!("node-csr-AbC_d3".parse::<CsrName>().is_ok());
        assert!("a\r\nb".parse::<CsrName>().is_err());
        assert!("..".parse::<CsrName>().is_err());
        assert!(format!("{fingerprint}/..").parse::<Fingerprint>().is_err());
    }
}
