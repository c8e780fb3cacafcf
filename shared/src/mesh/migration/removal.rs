//! Removing a revision's control plane from one cluster (a finish): the
//! plan its preview shows and its run performs, one object per step, so
//! that what the operator confirms is what is done.

use serde::{Deserialize, Serialize};

use super::Doomed;
use crate::ClusterName;

/// What a removal does to one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Removal {
    /// Deleted if it is still the object with `uid` (`None`: absent when
    /// planned, so nothing made since under its name is deleted).
    Delete { object: Doomed, uid: Option<String> },
    /// Service `istiod` kept: it is the validation webhooks' Service and
    /// selects `selects`, a revision that stays.
    KeepValidation {
        object: Doomed,
        uid: Option<String>,
        selects: String,
    },
    /// Service `istiod`, the validation webhooks' Service, selects the
    /// revision removed: it is pointed back at `to`.
    PointValidation { object: Doomed, to: String },
}

impl Removal {
    /// The object this step concerns.
    pub fn object(&self) -> &Doomed {
        match self {
            Removal::Delete { object, .. }
            | Removal::KeepValidation { object, .. }
            | Removal::PointValidation { object, .. } => object,
        }
    }

    /// Whether the step deletes its object.
    pub fn deletes(&self) -> bool {
        matches!(self, Removal::Delete { .. })
    }

    /// The step's title, as the preview and the run show it.
    pub fn title(&self) -> String {
        match self {
            Removal::Delete { object, .. } => format!("Delete {}", object.title()),
            Removal::KeepValidation {
                object, selects, ..
            } => format!(
                "Keep {} (the validation webhooks' Service, selecting {selects})",
                object.title()
            ),
            Removal::PointValidation { object, to } => format!(
                "Point {} (the validation webhooks' Service) back at {to}",
                object.title()
            ),
        }
    }
}

/// `GET /api/mesh/migrations/finish/preview`: what finishing `revision`
/// on `cluster` does now, step by step; the run started next performs
/// exactly these steps (unless the cluster changed in between, when its
/// preview would too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RemovalPlan {
    pub cluster: ClusterName,
    pub revision: String,
    pub steps: Vec<Removal>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_name_the_object_and_what_happens_to_it() {
        let service = Doomed {
            api_version: "v1".into(),
            kind: "Service".into(),
            namespace: Some("istio-system".into()),
            name: "istiod".into(),
        };
        let delete = Removal::Delete {
            object: service.clone(),
            uid: Some("u1".into()),
        };
        assert_eq!(delete.title(), "Delete Service istio-system/istiod");
        assert!(delete.deletes());
        let keep = Removal::KeepValidation {
            object: service.clone(),
            uid: None,
            selects: "asm-1106-2".into(),
        };
        assert!(!keep.deletes());
        assert!(keep.title().starts_with("Keep Service istio-system/istiod"));
        let point = Removal::PointValidation {
            object: service,
            to: "default".into(),
        };
        assert!(point.title().ends_with("back at default"));
        let json = serde_json::to_value(&point).expect("serializes");
        assert_eq!(json["action"], "point_validation");
    }
}
