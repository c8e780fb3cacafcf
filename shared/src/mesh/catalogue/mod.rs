//! The release catalogue: every ASM/Istio release the console offers, with
//! its revision label, version tag, supported Kubernetes range and end of
//! support. The data lives in `releases.json` beside this file, embedded
//! and parsed once; adding or correcting a release is a change to that
//! file only. Preflight's Kubernetes check and the install wizard read it.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::revision::{Revision, VersionTag};

/// The catalogue the console ships with.
const BUILTIN: &str = include_str!("releases.json");

static PARSED: LazyLock<Result<Catalogue, CatalogueError>> =
    LazyLock::new(|| Catalogue::parse(BUILTIN));

/// A Kubernetes minor version, `1.37`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct KubeMinor {
    pub major: u32,
    pub minor: u32,
}

impl FromStr for KubeMinor {
    type Err = CatalogueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || CatalogueError::KubernetesVersion(s.to_owned());
        let (major, minor) = s.split_once('.').ok_or_else(bad)?;
        Ok(Self {
            major: major.parse().map_err(|_| bad())?,
            minor: minor.parse().map_err(|_| bad())?,
        })
    }
}

impl TryFrom<String> for KubeMinor {
    type Error = CatalogueError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<KubeMinor> for String {
    fn from(k: KubeMinor) -> Self {
        k.to_string()
    }
}

impl fmt::Display for KubeMinor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The Kubernetes minor versions a release supports, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct KubeRange {
    pub min: KubeMinor,
    pub max: KubeMinor,
}

impl fmt::Display for KubeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kubernetes {} to {}", self.min, self.max)
    }
}

/// One release of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Release {
    pub version: VersionTag,
    /// The revision label the install uses for it.
    pub revision: Revision,
    pub kubernetes: KubeRange,
    /// The last day the release is supported, `YYYY-MM-DD`.
    pub end_of_support: String,
    /// Where the data comes from.
    #[serde(default)]
    pub note: String,
}

/// The releases the console knows and the one it offers first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Catalogue {
    /// Oldest first.
    pub releases: Vec<Release>,
    pub default: VersionTag,
}

#[derive(Deserialize)]
struct CatalogueFile {
    default: VersionTag,
    releases: Vec<Release>,
}

/// Why a catalogue could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("the release catalogue is not valid: {0}")]
    Syntax(String),
    #[error("{0:?} is not a Kubernetes minor version such as 1.37")]
    KubernetesVersion(String),
    #[error("release {0}: its Kubernetes range ends before it starts")]
    EmptyRange(VersionTag),
    #[error("release {0} is listed twice")]
    Duplicate(VersionTag),
    #[error("the default release {0} is not in the catalogue")]
    UnknownDefault(VersionTag),
}

impl Catalogue {
    /// The catalogue shipped in `releases.json`.
    pub fn builtin() -> Result<&'static Catalogue, &'static CatalogueError> {
        PARSED.as_ref()
    }

    /// Parses and checks a catalogue in the `releases.json` form.
    pub fn parse(json: &str) -> Result<Self, CatalogueError> {
        let file: CatalogueFile =
            serde_json::from_str(json).map_err(|e| CatalogueError::Syntax(e.to_string()))?;
        let mut releases: Vec<Release> = Vec::with_capacity(file.releases.len());
        for release in file.releases {
            if release.kubernetes.max < release.kubernetes.min {
                return Err(CatalogueError::EmptyRange(release.version));
            }
            if releases.iter().any(|r| r.version == release.version) {
                return Err(CatalogueError::Duplicate(release.version));
            }
            releases.push(release);
        }
        releases.sort_by_key(|r| {
            let v = &r.version;
            (v.major, v.minor, v.patch, v.asm)
        });
        if !releases.iter().any(|r| r.version == file.default) {
            return Err(CatalogueError::UnknownDefault(file.default));
        }
        Ok(Self {
            releases,
            default: file.default,
        })
    }

    /// The release offered first.
    pub fn default_release(&self) -> Option<&Release> {
        self.release(&self.default)
    }

    /// The release with exactly this tag.
    pub fn release(&self, version: &VersionTag) -> Option<&Release> {
        self.releases.iter().find(|r| &r.version == version)
    }

    /// The release whose support data applies to `version`: its own entry,
    /// else the newest entry of the same minor release (Istio states
    /// support per minor release).
    pub fn support_for(&self, version: &VersionTag) -> Option<&Release> {
        self.release(version).or_else(|| {
            self.releases
                .iter()
                .rev()
                .find(|r| (r.version.major, r.version.minor) == (version.major, version.minor))
        })
    }
}

#[cfg(test)]
mod tests;
