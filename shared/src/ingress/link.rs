//! `ClusterLink`: the `LOCATION/NAME` of `spec.clusters[].link`
//! (`europe-west1-c/gke-eu`), parsed once so selection compares parts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ClusterName;
use crate::fleet::Member;
use crate::ids::check_dns1123_label;
use crate::newtype::text_form;

/// Why a link is not `LOCATION/NAME`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("{0:?} is not LOCATION/NAME; expected e.g. \"europe-west1-c/gke-eu\"")]
    Shape(String),
    #[error(
        "location {location:?} is not valid: {reason}; expected a zone or region such as \"europe-west1-c\""
    )]
    Location {
        location: String,
        reason: &'static str,
    },
    #[error("cluster name {name:?} is not valid: {reason}")]
    Name { name: String, reason: &'static str },
}

/// A member cluster named by its location and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct ClusterLink {
    location: String,
    name: ClusterName,
}

impl ClusterLink {
    pub fn location(&self) -> &str {
        &self.location
    }

    pub fn name(&self) -> &ClusterName {
        &self.name
    }

    /// The link naming `member`, if it has a location.
    pub fn of(member: &Member) -> Option<Self> {
        format!("{}/{}", member.location, member.name).parse().ok()
    }

    /// Whether this link names `member`: same location and name.
    pub fn names(&self, member: &Member) -> bool {
        self.name == member.name && self.location == member.location
    }
}

impl FromStr for ClusterLink {
    type Err = LinkError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((location, name)) = s.split_once('/') else {
            return Err(LinkError::Shape(s.to_owned()));
        };
        if name.contains('/') || location.is_empty() || name.is_empty() {
            return Err(LinkError::Shape(s.to_owned()));
        }
        check_dns1123_label("location", location).map_err(|e| LinkError::Location {
            location: location.to_owned(),
            reason: e.reason,
        })?;
        let name = name
            .parse()
            .map_err(|e: crate::InvalidName| LinkError::Name {
                name: name.to_owned(),
                reason: e.reason,
            })?;
        Ok(Self {
            location: location.to_owned(),
            name,
        })
    }
}

text_form!(ClusterLink);

impl fmt::Display for ClusterLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.location, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_seed_links() {
        let link: ClusterLink = "asia-northeast1-a/gke-asia-1".parse().unwrap();
        assert_eq!(link.location(), "asia-northeast1-a");
        assert_eq!(link.name().as_str(), "gke-asia-1");
        assert_eq!(link.to_string(), "asia-northeast1-a/gke-asia-1");
        assert!("us-central1/gke-us".parse::<ClusterLink>().is_ok());
    }

    #[test]
    fn rejects_bad_shapes_with_what_is_expected() {
        for bad in ["gke-eu", "/gke-eu", "europe-west1-c/", "a/b/c", ""] {
            let err = bad.parse::<ClusterLink>().unwrap_err();
            assert!(matches!(err, LinkError::Shape(_)), "{bad}: {err}");
            assert!(err.to_string().contains("LOCATION/NAME"));
        }
        let err = "Europe/gke-eu".parse::<ClusterLink>().unwrap_err();
        assert!(matches!(err, LinkError::Location { .. }), "{err}");
        let err = "europe-west1-c/GKE_eu".parse::<ClusterLink>().unwrap_err();
        assert!(err.to_string().contains("cluster name \"GKE_eu\""), "{err}");
    }

    #[test]
    fn deserializing_validates() {
        let link: ClusterLink = serde_json::from_str("\"europe-west1-c/gke-eu\"").unwrap();
        assert_eq!(
            serde_json::to_string(&link).unwrap(),
            "\"europe-west1-c/gke-eu\""
        );
        assert!(serde_json::from_str::<ClusterLink>("\"gke-eu\"").is_err());
    }
}
