//! What the ingress handlers need of either resource (MultiClusterService
//! or MultiClusterIngress): its kind, name, shared review and the manifest
//! to apply, and the audit detail and validation every write starts with.

use serde_json::Value;
use shared::ingress::{
    FieldError, IngressContext, MultiClusterIngress, MultiClusterService, SamenessWarning,
    review_mci, review_mcs,
};

use super::context::ConfigView;
use crate::audit::Detail;
use crate::cluster::ingress::Kind;
use crate::error::AppError;

/// What the handlers need of either resource.
pub trait Resource: serde::Serialize {
    const KIND: Kind;
    fn namespace(&self) -> &str;
    fn name(&self) -> &str;
    fn check(&self, ctx: &IngressContext<'_>) -> (Vec<FieldError>, Vec<SamenessWarning>);
    /// The manifest to apply: without status, which the controller owns.
    fn body(&self) -> Value;
}

impl Resource for MultiClusterService {
    const KIND: Kind = Kind::Service;
    fn namespace(&self) -> &str {
        MultiClusterService::namespace(self)
    }
    fn name(&self) -> &str {
        MultiClusterService::name(self)
    }
    fn check(&self, ctx: &IngressContext<'_>) -> (Vec<FieldError>, Vec<SamenessWarning>) {
        let r = review_mcs(self, ctx);
        (r.errors, r.warnings)
    }
    fn body(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

impl Resource for MultiClusterIngress {
    const KIND: Kind = Kind::Ingress;
    fn namespace(&self) -> &str {
        MultiClusterIngress::namespace(self)
    }
    fn name(&self) -> &str {
        MultiClusterIngress::name(self)
    }
    fn check(&self, ctx: &IngressContext<'_>) -> (Vec<FieldError>, Vec<SamenessWarning>) {
        let r = review_mci(self, ctx);
        (r.errors, r.warnings)
    }
    fn body(&self) -> Value {
        let mut plain = self.clone();
        plain.status = None;
        serde_json::to_value(plain).unwrap_or_default()
    }
}

pub fn detail_of<R: Resource>(view: Option<&ConfigView>, object: &R) -> Detail {
    let detail = Detail::new().target(format!(
        "{} {}/{}",
        R::KIND.kind(),
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
