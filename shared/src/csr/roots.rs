//! The mesh roots a security officer keeps in the console's PKCS#11 token
//! (issue 21: roots are the officer's; no operator action creates key
//! material): what the Security page lists and what creating or retiring
//! one sends.

use serde::{Deserialize, Serialize};

use crate::mesh::MeshId;

/// Where a root is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RootState {
    /// In the token; installs issue intermediates from it.
    Active,
    /// Published beside its successor until nothing chains to it.
    Retiring,
    /// Its key is gone from the token; kept here as a record.
    Retired,
}

impl RootState {
    pub fn label(self) -> &'static str {
        match self {
            RootState::Active => "active",
            RootState::Retiring => "retiring",
            RootState::Retired => "retired",
        }
    }
}

/// One mesh root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MeshRoot {
    pub mesh: MeshId,
    /// SHA-256 of the certificate's DER, `AA:BB:…`.
    pub fingerprint: String,
    pub subject: String,
    /// Unix seconds.
    pub not_before: i64,
    /// Unix seconds.
    pub not_after: i64,
    /// The security officer who created it; `None` for a root the token
    /// held before the console recorded who made roots.
    pub created_by: Option<String>,
    /// Unix seconds.
    pub created_at: Option<i64>,
    /// Imported by `created_by` (its key was generated in the HSM by the
    /// HSM's own tooling) rather than created by the console.
    #[serde(default)]
    pub imported: bool,
    pub state: RootState,
    pub retired_by: Option<String>,
    /// Unix seconds.
    pub retired_at: Option<i64>,
}

/// Every mesh root, active ones first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MeshRoots {
    pub roots: Vec<MeshRoot>,
}

/// What rotating a root did: the new root, and the trust bundle
/// published to the mesh's members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RootRotated {
    pub root: MeshRoot,
    pub published: BundlePublished,
}

/// What publishing a mesh's trust bundle did on its members: each member
/// whose `cacerts` chains to one of the mesh's roots gets `root-cert.pem`
/// with exactly the mesh's roots (the signing one, then the previous one
/// during a rotation); its intermediate stays as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct BundlePublished {
    /// SHA-256 fingerprints of the roots in the bundle, signing one first.
    pub bundle: Vec<String>,
    /// Members whose bundle was written now.
    pub written: Vec<String>,
    /// Members that held exactly the bundle already.
    pub current: Vec<String>,
    /// Members not written, with why (unreadable, refused the write).
    pub failed: Vec<PublishFailure>,
}

/// A member the bundle did not reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PublishFailure {
    pub cluster: String,
    pub reason: String,
}

/// `POST` body: import `certificate_pem` as the root of `mesh`; its key
/// pair must already be in the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ImportRoot {
    pub mesh: MeshId,
    pub certificate_pem: String,
}

/// `POST` body: create the root of `mesh` in the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CreateRoot {
    pub mesh: MeshId,
}

/// A fingerprint as a path segment or for comparison: hex digits only,
/// uppercase, colon separated, whatever separators or case were given.
pub fn normalise_fingerprint(fingerprint: &str) -> String {
    let hex: Vec<char> = fingerprint
        .chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hex.chunks(2)
        .map(|pair| pair.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_compare_whatever_their_spelling() {
        assert_eq!(normalise_fingerprint("ab:cd:0f"), "AB:CD:0F");
        assert_eq!(normalise_fingerprint("abcd0f"), "AB:CD:0F");
        assert_eq!(normalise_fingerprint("AB:CD:0F"), "AB:CD:0F");
    }
}
