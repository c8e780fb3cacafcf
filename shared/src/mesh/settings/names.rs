//! The install settings that are names with rules of their own (mesh id,
//! network id, trust domain), parsed where they enter so the rest of the
//! console never checks them again.

use crate::ids::{InvalidName, NameRule, invalid};
use crate::newtype::checked_string;

checked_string! {
    /// The mesh id `proj-<PROJECT_NUMBER>`, the same on every cluster of a mesh.
    pub struct MeshId(pub(super) String), check_mesh_id;
}
checked_string! {
    /// A mesh network id: a Kubernetes label value (different per on-prem
    /// cluster).
    pub struct NetworkId(pub(super) String), check_network_id;
}
checked_string! {
    /// A SPIFFE trust domain, e.g. `project-a.svc.id.goog`.
    pub struct TrustDomain(pub(super) String), check_trust_domain;
}

fn check_mesh_id(s: &str) -> Result<(), InvalidName> {
    match s.strip_prefix("proj-") {
        Some(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => Ok(()),
        _ => invalid(
            "mesh id",
            s,
            "it must be proj-<PROJECT_NUMBER>, the fleet project's number, e.g. proj-482915370162",
        ),
    }
}

/// The rules of a Kubernetes label value, non-empty: at most 63
/// characters, alphanumerics, '-', '_' or '.', starting and ending with an
/// alphanumeric.
const LABEL_VALUE: NameRule = NameRule {
    max: 63,
    too_long: "it must be at most 63 characters (a label value)",
    char_ok: |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'),
    bad_char: "it may contain only letters, digits, '-', '_' and '.' (a label value)",
    ends: Some((
        |c| c.is_ascii_alphanumeric(),
        "it must start and end with a letter or digit (a label value)",
    )),
};

/// Checks the rules of a Kubernetes label value ([`LABEL_VALUE`]).
pub fn check_label_value(kind: &'static str, s: &str) -> Result<(), InvalidName> {
    LABEL_VALUE.check(kind, s)
}

fn check_network_id(s: &str) -> Result<(), InvalidName> {
    check_label_value("network id", s)
}

fn check_trust_domain(s: &str) -> Result<(), InvalidName> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if s.is_empty() || s.len() > 255 || !s.split('.').all(label_ok) {
        return invalid(
            "trust domain",
            s,
            "it must be a lowercase DNS name, e.g. project-a.svc.id.goog",
        );
    }
    Ok(())
}

/// The workload identity trust domain of a project: `<PROJECT>.svc.id.goog`.
pub fn project_trust_domain(project_id: &str) -> Result<TrustDomain, InvalidName> {
    format!("{project_id}.svc.id.goog").parse()
}
