//! What a reviewed change will do to one Kubernetes object: the live object
//! against the result of a server-side apply dry run, as a line diff of
//! their YAML. The backend computes it; the console renders it before the
//! operator applies anything.

use serde::{Deserialize, Serialize};

/// What applying will do to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Create,
    Update,
    Unchanged,
    Delete,
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "op", content = "text", rename_all = "snake_case")]
pub enum DiffLine {
    Same(String),
    Added(String),
    Removed(String),
}

/// The reviewed change of one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ObjectDiff {
    /// `Kind namespace/name`.
    pub title: String,
    pub change: ChangeKind,
    pub lines: Vec<DiffLine>,
}

impl ObjectDiff {
    /// The diff of `before` (absent: the object does not exist) and
    /// `after` (absent: it will be deleted), both YAML text.
    pub fn between(title: String, before: Option<&str>, after: Option<&str>) -> Self {
        let old: Vec<&str> = before.map(|t| t.lines().collect()).unwrap_or_default();
        let new: Vec<&str> = after.map(|t| t.lines().collect()).unwrap_or_default();
        let lines = line_diff(&old, &new);
        let changed = lines.iter().any(|l| !matches!(l, DiffLine::Same(_)));
        let change = match (before, after) {
            (None, Some(_)) => ChangeKind::Create,
            (Some(_), None) => ChangeKind::Delete,
            _ if changed => ChangeKind::Update,
            _ => ChangeKind::Unchanged,
        };
        Self {
            title,
            change,
            lines,
        }
    }

    /// Lines added and removed.
    pub fn counts(&self) -> (usize, usize) {
        self.lines.iter().fold((0, 0), |(a, r), l| match l {
            DiffLine::Added(_) => (a + 1, r),
            DiffLine::Removed(_) => (a, r + 1),
            DiffLine::Same(_) => (a, r),
        })
    }
}

/// Where an object stands now, sent with the 409 refusing a change that
/// was reviewed against another version of it (or that meets fields other
/// field managers own): what applying the change would do now, and the
/// `resourceVersion` that diff was made against (absent: the object does
/// not exist). A take-over names that version, so it overwrites only what
/// the operator was shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FreshReview {
    pub diff: ObjectDiff,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
}

/// A longest-common-subsequence line diff. Manifests are a few hundred
/// lines at most, so the quadratic table is small; beyond a bound the
/// whole object is shown as replaced rather than spending memory on it.
pub fn line_diff(old: &[&str], new: &[&str]) -> Vec<DiffLine> {
    const MAX_CELLS: usize = 4_000_000;
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (a, b) = (
        &old[prefix..old.len() - suffix],
        &new[prefix..new.len() - suffix],
    );
    let mut out: Vec<DiffLine> = old[..prefix]
        .iter()
        .map(|l| DiffLine::Same((*l).to_owned()))
        .collect();
    if (a.len() + 1) * (b.len() + 1) > MAX_CELLS {
        out.extend(a.iter().map(|l| DiffLine::Removed((*l).to_owned())));
        out.extend(b.iter().map(|l| DiffLine::Added((*l).to_owned())));
    } else {
        out.extend(lcs_diff(a, b));
    }
    out.extend(
        old[old.len() - suffix..]
            .iter()
            .map(|l| DiffLine::Same((*l).to_owned())),
    );
    out
}

fn lcs_diff(a: &[&str], b: &[&str]) -> Vec<DiffLine> {
    let width = b.len() + 1;
    // lengths[i * width + j]: LCS length of a[i..] and b[j..].
    let mut lengths = vec![0u32; (a.len() + 1) * width];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lengths[i * width + j] = if a[i] == b[j] {
                lengths[(i + 1) * width + j + 1] + 1
            } else {
                lengths[(i + 1) * width + j].max(lengths[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len() + b.len());
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push(DiffLine::Same(a[i].to_owned()));
            i += 1;
            j += 1;
        } else if lengths[(i + 1) * width + j] >= lengths[i * width + j + 1] {
            out.push(DiffLine::Removed(a[i].to_owned()));
            i += 1;
        } else {
            out.push(DiffLine::Added(b[j].to_owned()));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|l| DiffLine::Removed((*l).to_owned())));
    out.extend(b[j..].iter().map(|l| DiffLine::Added((*l).to_owned())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(lines: &[DiffLine]) -> String {
        lines
            .iter()
            .map(|l| match l {
                DiffLine::Same(t) => format!(" {t}"),
                DiffLine::Added(t) => format!("+{t}"),
                DiffLine::Removed(t) => format!("-{t}"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_changed_value_is_one_removed_and_one_added_line() {
        let d = ObjectDiff::between(
            "ConfigMap istio-system/x".into(),
            Some("a: 1\nb: 2\nc: 3"),
            Some("a: 1\nb: 5\nc: 3"),
        );
        assert_eq!(d.change, ChangeKind::Update);
        assert_eq!(ops(&d.lines), " a: 1\n-b: 2\n+b: 5\n c: 3");
        assert_eq!(d.counts(), (1, 1));
    }

    #[test]
    fn a_new_object_is_all_added_and_an_equal_one_unchanged() {
        let created = ObjectDiff::between("x".into(), None, Some("a: 1\nb: 2"));
        assert_eq!(created.change, ChangeKind::Create);
        assert_eq!(created.counts(), (2, 0));
        let same = ObjectDiff::between("x".into(), Some("a: 1"), Some("a: 1"));
        assert_eq!(same.change, ChangeKind::Unchanged);
        let gone = ObjectDiff::between("x".into(), Some("a: 1"), None);
        assert_eq!(gone.change, ChangeKind::Delete);
    }

    #[test]
    fn insertions_in_the_middle_keep_the_common_lines() {
        let old = ["k", "a", "b", "c", "z"];
        let new = ["k", "a", "x", "b", "y", "c", "z"];
        assert_eq!(ops(&line_diff(&old, &new)), " k\n a\n+x\n b\n+y\n c\n z");
    }
}
