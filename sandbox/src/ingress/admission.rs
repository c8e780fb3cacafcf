//! Which MultiClusterServices and MultiClusterIngresses a pass acts on:
//! those that read as the shared types, pass the shared validation and fit
//! the project's quota, oldest first (the 101st created is the one over).

use shared::ingress::{
    FieldError, IngressKind, MultiClusterIngress, MultiClusterService, QuotaUsage, check_quota,
};

use super::notices::Notice;
use super::view::Stored;

/// The resource read as its shared type, when it is valid and within the
/// project's quota; else the notices saying why not.
pub(crate) fn admit<'a, T>(
    stored: &'a Stored<T>,
    project: &str,
    rank: usize,
    notices: &mut Vec<Notice>,
    validate: impl Fn(&T) -> Vec<FieldError>,
) -> Option<&'a T>
where
    T: Kind,
{
    let object = match &stored.parsed {
        Ok(object) => object,
        Err(e) => {
            notices.push(Notice::warning(
                &stored.object,
                "InvalidSpec",
                format!("cannot read this {}: {e}", T::KIND),
            ));
            return None;
        }
    };
    let errors = validate(object);
    if !errors.is_empty() {
        let described: Vec<String> = errors.iter().map(ToString::to_string).collect();
        notices.push(Notice::warning(
            &stored.object,
            "InvalidSpec",
            described.join("; "),
        ));
        return None;
    }
    // Oldest first: those created before it are what it is counted after.
    let used = u32::try_from(rank).unwrap_or(u32::MAX);
    let usage = match T::KIND {
        IngressKind::MultiClusterService => QuotaUsage {
            services: used,
            ingresses: 0,
        },
        IngressKind::MultiClusterIngress => QuotaUsage {
            services: 0,
            ingresses: used,
        },
    };
    if let Err(e) = check_quota(project, usage, T::KIND) {
        notices.push(Notice::warning(
            &stored.object,
            "QuotaExceeded",
            e.to_string(),
        ));
        return None;
    }
    Some(object)
}

/// The quota kind of a shared resource type.
pub(crate) trait Kind {
    const KIND: IngressKind;
}

impl Kind for MultiClusterService {
    const KIND: IngressKind = IngressKind::MultiClusterService;
}

impl Kind for MultiClusterIngress {
    const KIND: IngressKind = IngressKind::MultiClusterIngress;
}
