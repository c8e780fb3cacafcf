//! Revision labels (`asm-1106-2`) and ASM version tags (`1.10.6-asm.2`),
//! parsed once where they enter.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::{InvalidName, check_dns1123_label, invalid};
use crate::newtype::{checked_string, text_form};

/// `istiod-<rev>` must still be a DNS-1123 label (63 characters).
const MAX_REVISION_LEN: usize = 63 - "istiod-".len();

checked_string! {
    /// A control plane revision label, e.g. `asm-1106-2`: a DNS-1123 label
    /// short enough for `istiod-<rev>`, and not `default` (the unrevisioned
    /// control plane's).
    pub struct Revision(String), check_revision;
}

impl Revision {
    /// The name of this revision's istiod Deployment, Service, HPA and PDB.
    pub fn istiod(&self) -> String {
        format!("istiod-{}", self.0)
    }

    /// Follows the ASM convention `asm-<digits>-<digits>`.
    pub fn is_asm_form(&self) -> bool {
        let mut parts = self.0.split('-');
        let digits = |p: Option<&str>| {
            p.is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        };
        parts.next() == Some("asm")
            && digits(parts.next())
            && digits(parts.next())
            && parts.next().is_none()
    }
}

fn check_revision(s: &str) -> Result<(), InvalidName> {
    check_dns1123_label("revision", s)?;
    let fail = |reason| invalid("revision", s, reason);
    if s.len() > MAX_REVISION_LEN {
        return fail("it must be at most 56 characters, so that istiod-<rev> is a valid name");
    }
    if s == crate::fleet::DEFAULT_REVISION {
        return fail("\"default\" names the unrevisioned control plane");
    }
    Ok(())
}

/// An ASM version tag `MAJOR.MINOR.PATCH-asm.BUILD`, e.g. `1.10.6-asm.2`:
/// the image tag of istiod and the proxies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct VersionTag {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub asm: u32,
}

impl VersionTag {
    /// The revision label the ASM guides use for this tag:
    /// `1.10.6-asm.2` → `asm-1106-2`, `1.7.8-asm.10` → `asm-178-10`.
    pub fn revision(&self) -> Revision {
        Revision(format!(
            "asm-{}{}{}-{}",
            self.major, self.minor, self.patch, self.asm
        ))
    }
}

impl FromStr for VersionTag {
    type Err = InvalidName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fail = || InvalidName {
            kind: "version tag",
            value: s.to_owned(),
            reason: "it must look like MAJOR.MINOR.PATCH-asm.BUILD, e.g. 1.10.6-asm.2",
        };
        let (version, build) = s.split_once("-asm.").ok_or_else(fail)?;
        let number = |p: &str| -> Result<u32, InvalidName> {
            if p.is_empty()
                || !p.chars().all(|c| c.is_ascii_digit())
                || (p.len() > 1 && p.starts_with('0'))
            {
                return Err(fail());
            }
            p.parse().map_err(|_| fail())
        };
        let mut parts = version.split('.');
        let (Some(major), Some(minor), Some(patch), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(fail());
        };
        Ok(Self {
            major: number(major)?,
            minor: number(minor)?,
            patch: number(patch)?,
            asm: number(build)?,
        })
    }
}

text_form!(VersionTag);

impl fmt::Display for VersionTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}-asm.{}",
            self.major, self.minor, self.patch, self.asm
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_tags_give_seed_revisions() {
        let tag: VersionTag = "1.10.6-asm.2".parse().expect("valid");
        assert_eq!(tag.revision().as_str(), "asm-1106-2");
        assert_eq!(tag.to_string(), "1.10.6-asm.2");
        let tag: VersionTag = "1.7.8-asm.10".parse().expect("valid");
        assert_eq!(tag.revision().as_str(), "asm-178-10");
    }

    #[test]
    fn malformed_tags_say_the_expected_form() {
        for bad in [
            "1.10.6",
            "1.10-asm.2",
            "v1.10.6-asm.2",
            "1.10.6-asm.",
            "1.10.06-asm.2",
            "1.10.6.1-asm.2",
        ] {
            let err = bad.parse::<VersionTag>().expect_err(bad);
            assert!(
                err.to_string().contains("MAJOR.MINOR.PATCH-asm.BUILD"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn revisions_are_labels_usable_in_names() {
        let rev: Revision = "asm-1106-2".parse().expect("valid");
        assert_eq!(rev.istiod(), "istiod-asm-1106-2");
        assert!(rev.is_asm_form());
        let canary: Revision = "canary".parse().expect("valid");
        assert!(!canary.is_asm_form());
        assert!(
            "asm-1106"
                .parse::<Revision>()
                .is_ok_and(|r| !r.is_asm_form())
        );
        assert!("Asm_1106".parse::<Revision>().is_err());
        assert!(
            "default"
                .parse::<Revision>()
                .unwrap_err()
                .reason
                .contains("unrevisioned")
        );
        assert!(
            "a".repeat(57)
                .parse::<Revision>()
                .unwrap_err()
                .reason
                .contains("56")
        );
        assert!("a".repeat(56).parse::<Revision>().is_ok());
    }

    #[test]
    fn deserializing_validates() {
        assert!(serde_json::from_str::<VersionTag>("\"1.10.6-asm.2\"").is_ok());
        assert!(serde_json::from_str::<Revision>("\"Bad\"").is_err());
        let tag: VersionTag = "1.10.6-asm.2".parse().expect("valid");
        assert_eq!(
            serde_json::to_string(&tag).expect("json"),
            "\"1.10.6-asm.2\""
        );
    }
}
