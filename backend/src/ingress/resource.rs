//! What the ingress handlers need of either resource (MultiClusterService
//! or MultiClusterIngress): its kind, name, shared review and the manifest
//! to apply, and the audit detail and validation every write starts with.

use serde_json::Value;
use shared::ingress::{MultiClusterIngress, MultiClusterService, Review, SamenessWarning};

use super::context::ConfigView;
use crate::audit::Detail;
use crate::cluster::ingress::Kind;
use crate::error::AppError;

/// What the handlers need of either resource: the shared [`Review`] and
/// object keys, and the cluster adapter's kind.
pub trait Resource: Review {
    const CLUSTER_KIND: Kind;

    fn namespace(&self) -> &str {
        self.key().0
    }

    fn name(&self) -> &str {
        self.key().1
    }

    /// The manifest to apply: without status, which the controller owns.
    fn body(&self) -> Value {
        serde_json::to_value(self.without_status()).unwrap_or_default()
    }
}

impl Resource for MultiClusterService {
    const CLUSTER_KIND: Kind = Kind::Service;
}

impl Resource for MultiClusterIngress {
    const CLUSTER_KIND: Kind = Kind::Ingress;
}

pub fn detail_of<R: Resource>(view: Option<&ConfigView>, object: &R) -> Detail {
    let detail = Detail::new().target(format!(
        "{} {}/{}",
        R::CLUSTER_KIND.kind(),
        object.namespace(),
        object.name()
    ));
    match view {
        Some(v) => detail.cluster(&v.cluster),
        None => detail,
    }
}

/// Shared validation, refusing with the errors on their fields.
pub fn checked<R: Resource>(
    view: &ConfigView,
    object: &R,
) -> Result<Vec<SamenessWarning>, AppError> {
    let (errors, warnings) = object.check(&view.context());
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(AppError::Invalid(errors))
    }
}
