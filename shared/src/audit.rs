//! The audit log as the API shows it: entries, filters, pages and the
//! result of checking the hash chain.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How an audited attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The action was carried out.
    Success,
    /// The role (or a missing/invalid CSRF token) did not allow it.
    Denied,
    /// It was allowed but failed (bad password, conflict, cluster error…).
    Failure,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Success, Outcome::Denied, Outcome::Failure];

    pub fn slug(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failure => "failure",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl FromStr for Outcome {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.slug() == s)
            .ok_or_else(|| format!("unknown outcome {s:?}: expected success, denied or failure"))
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AuditEntry {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// Account name, or `system` / `cli` for the console itself.
    pub actor: String,
    /// The actor's role, when the actor had one.
    pub role: Option<String>,
    /// What was attempted, e.g. `session.create`, `account.create`.
    pub action: String,
    /// Member clusters concerned.
    pub clusters: Vec<String>,
    /// Objects acted on, e.g. `account/alice`, `istio-system/istiod-asm-1106-2`.
    pub targets: Vec<String>,
    /// Parameters as `key=value` (secret values are never recorded).
    pub params: Vec<String>,
    pub outcome: Outcome,
    pub request_id: Option<String>,
    /// Hash of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 over this entry's fields and `prev_hash`.
    pub hash: String,
}

impl AuditEntry {
    /// The value of parameter `key` (the first `key=value` recorded).
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find_map(|p| p.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v))
    }
}

/// Filters of `GET /api/audit` and its export; empty fields match all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AuditFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// Unix seconds, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<i64>,
    /// Unix seconds, exclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
    /// Only successful changes (see [`crate::action_titles::is_change`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub changes_only: bool,
}

impl AuditFilter {
    /// The filters named by query-string pairs (as [`Self::query_string`]
    /// writes them); unknown keys and unparsable values are ignored.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut filter = Self::default();
        for (key, value) in pairs {
            let text = || Some(value.to_owned()).filter(|v| !v.is_empty());
            match key {
                "actor" => filter.actor = text(),
                "action" => filter.action = text(),
                "cluster" => filter.cluster = text(),
                "outcome" => filter.outcome = value.parse().ok(),
                "since" => filter.since = value.parse().ok(),
                "until" => filter.until = value.parse().ok(),
                "changes" => filter.changes_only = value == "1",
                _ => {}
            }
        }
        filter
    }

    /// The query string (without `?`) selecting these filters plus `extra`
    /// pairs, for the list and export links.
    pub fn query_string(&self, extra: &[(&str, String)]) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let mut text = |key, value: &Option<String>| {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                pairs.push((key, v.to_owned()));
            }
        };
        text("actor", &self.actor);
        text("action", &self.action);
        text("cluster", &self.cluster);
        if let Some(o) = self.outcome {
            pairs.push(("outcome", o.slug().to_owned()));
        }
        if let Some(s) = self.since {
            pairs.push(("since", s.to_string()));
        }
        if let Some(u) = self.until {
            pairs.push(("until", u.to_string()));
        }
        if self.changes_only {
            pairs.push(("changes", "1".to_owned()));
        }
        pairs.extend(extra.iter().cloned());
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Encodes everything but unreserved URL characters.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Largest page the API returns.
pub const MAX_PAGE_SIZE: u32 = 200;

/// One page of `GET /api/audit`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Entries matching the filters, on all pages.
    pub total: i64,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl AuditPage {
    /// Number of pages for `total` (at least 1).
    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from(((self.total + per - 1) / per).max(1)).unwrap_or(u32::MAX)
    }
}

/// Answer of `GET /api/audit/verify` and `meshdeck audit verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ChainReport {
    /// Entries checked.
    pub checked: i64,
    /// The first broken link, if any.
    pub broken: Option<BrokenLink>,
}

impl ChainReport {
    pub fn intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// Where and how the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct BrokenLink {
    /// The first entry that does not check out (or that follows a gap).
    pub seq: i64,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_string_skips_empty_filters_and_encodes() {
        let filter = AuditFilter {
            actor: Some("alice@corp".into()),
            action: Some(String::new()),
            outcome: Some(Outcome::Denied),
            since: Some(10),
            ..Default::default()
        };
        assert_eq!(
            filter.query_string(&[("page", "2".into())]),
            "actor=alice%40corp&outcome=denied&since=10&page=2"
        );
    }

    #[test]
    fn filters_survive_a_round_trip_through_the_query_string() {
        let filter = AuditFilter {
            actor: Some("alice@corp".into()),
            action: Some("session.".into()),
            cluster: Some("gke-eu".into()),
            outcome: Some(Outcome::Failure),
            since: Some(10),
            until: Some(20),
            changes_only: true,
        };
        let query = filter.query_string(&[("page", "3".into())]);
        let pairs: Vec<(String, String)> = query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (k.to_owned(), v.replace("%40", "@"))
            })
            .collect();
        let back = AuditFilter::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(back, filter);
        assert_eq!(
            AuditFilter::from_pairs([("outcome", "maybe"), ("x", "y")]),
            AuditFilter::default()
        );
    }

    #[test]
    fn page_count_rounds_up() {
        let page = |total| AuditPage {
            entries: vec![],
            total,
            page: 1,
            per_page: 50,
        };
        assert_eq!(page(0).pages(), 1);
        assert_eq!(page(50).pages(), 1);
        assert_eq!(page(51).pages(), 2);
    }
}
